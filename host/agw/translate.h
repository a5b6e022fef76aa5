// The agentgateway translation: Gateways of agentgateway's GatewayClasses into agentgateway's own
// resources, in agentgateway's order: binds per port, listeners, routes and policies per Gateway;
// backends and addresses apart, joined per Gateway. Plugin kinds (AgentgatewayBackend,
// AgentgatewayPolicy) come from the registry.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "agw/output.h"
#include "kgw/sdk/host_api.h"
#include "kgw/sdk/object.h"

namespace kgw::plugins {
class ExtensionRegistry;
}

namespace kgw::agw {

// Secrets not among `objects` (kgw serve keeps them apart) come from `find_secret` when set.
using SecretLookup = std::function<std::shared_ptr<const sdk::Secret>(std::string_view ns, std::string_view name)>;

Output translate(const std::vector<sdk::Object>& objects, const plugins::ExtensionRegistry& registry,
                 SecretLookup find_secret = {});

}  // namespace kgw::agw
