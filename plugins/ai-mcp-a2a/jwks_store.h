// Keysets fetched for JWT validation are persisted by the controller in ConfigMaps of its
// namespace (agentgateway-system) labeled `app.kubernetes.io/component: jwks-store`, each
// holding under `jwks-store` a JSON record {"url": ..., "jwks": ...}. agentgateway gets keysets
// inline, so translation reads them there.
#pragma once

#include <kgw/sdk/agentgateway.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace kgw::agw_backend {

// The persisted keyset (JSON text) fetched from `url`, if any.
std::optional<std::string> persisted_jwks(const sdk::AgentgatewayContext& ctx, std::string_view url);

// The top-level string members of a JSON object (other members are skipped); nullopt when the
// text is not a JSON object.
std::optional<std::map<std::string, std::string>> json_string_members(std::string_view json);

}  // namespace kgw::agw_backend
