// The registry a plugin fills during registration. The host owns it and passes it in; there are
// no global registries. Each add_* takes ownership of the extension and may refuse it (a type or
// kind already registered by another plugin, say): the refusal comes back as a Status.
#pragma once

#include <memory>
#include <string_view>

#include "kgw/sdk/agentgateway.h"
#include "kgw/sdk/backend_type.h"
#include "kgw/sdk/host_api.h"
#include "kgw/sdk/policy_kind.h"
#include "kgw/sdk/status.h"
#include "kgw/sdk/value.h"

namespace kgw::sdk {

class Registry {
 public:
  virtual Status add_backend_type(std::unique_ptr<BackendType> type) noexcept = 0;
  virtual Status add_route_backend_hook(std::unique_ptr<RouteBackendHook> hook) noexcept = 0;
  virtual Status add_policy_kind(std::unique_ptr<PolicyKind> kind) noexcept = 0;
  // Since ABI 1.2 (this slot held an unused draft before).
  virtual Status add_agentgateway_backend_kind(std::unique_ptr<AgentgatewayBackendKind> kind) noexcept = 0;
  virtual Status add_agentgateway_policy_kind(std::unique_ptr<AgentgatewayPolicyKind> kind) noexcept = 0;

 protected:
  ~Registry() = default;
};

// What a registration function receives. Owned by the host; valid only during the call, except
// `host()`, which lives as long as the process.
class RegistrationContext {
 public:
  virtual std::string_view plugin_name() const noexcept = 0;
  // The plugin's `[plugins.config]` table from the TOML file (an empty table when absent).
  // Report a rejected key as Status::error(message, "key.path"): the host adds file and line.
  virtual const Value& config() const noexcept = 0;
  virtual const HostApi& host() const noexcept = 0;
  virtual Registry& registry() noexcept = 0;
  // Called by the SDK's entry barrier when the registration function returns errors, so the host
  // gets them with their field paths (the C error string carries only their text).
  virtual void record_errors(const Status& status) noexcept = 0;

 protected:
  ~RegistrationContext() = default;
};

}  // namespace kgw::sdk
