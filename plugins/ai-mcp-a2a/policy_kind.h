// AgentgatewayPolicy as an agentgateway policy kind: its traffic, backend and frontend sections
// become agentgateway Policies for each target the host resolves.
#pragma once

#include <kgw/sdk/agentgateway.h>

#include <memory>

namespace kgw::agw_plugin {

std::unique_ptr<sdk::AgentgatewayPolicyKind> make_agentgateway_policy_kind();

}  // namespace kgw::agw_plugin
