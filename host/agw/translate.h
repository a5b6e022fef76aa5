// The agentgateway translation: Gateways of agentgateway's GatewayClasses into agentgateway's own
// resources, in agentgateway's order: binds per port, listeners, routes and policies per Gateway;
// backends and addresses apart, joined per Gateway. Plugin kinds (AgentgatewayBackend,
// AgentgatewayPolicy) come from the registry.
#pragma once

#include <vector>

#include "agw/output.h"
#include "kgw/sdk/object.h"

namespace kgw::plugins {
class ExtensionRegistry;
}

namespace kgw::agw {

Output translate(const std::vector<sdk::Object>& objects, const plugins::ExtensionRegistry& registry);

}  // namespace kgw::agw
