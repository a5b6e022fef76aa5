// agentgateway AI, MCP and A2A backends and policies: registers the AgentgatewayBackend kind and
// the AgentgatewayPolicy kind. The plugin takes no configuration key.
#include <kgw/sdk/plugin.h>

#include "backend_kind.h"
#include "policy_kind.h"

namespace {

kgw::sdk::Status register_ai_mcp_a2a(kgw::sdk::RegistrationContext& ctx) {
  if (auto status = kgw::sdk::check_keys(ctx.config(), {}); !status) return status;
  if (auto status = ctx.registry().add_agentgateway_backend_kind(kgw::agw_backend::make_backend_kind()); !status)
    return status;
  if (auto status = ctx.registry().add_agentgateway_policy_kind(kgw::agw_plugin::make_agentgateway_policy_kind());
      !status)
    return status;
  return kgw::sdk::Status::ok();
}

}  // namespace

KGW_PLUGIN("ai-mcp-a2a", "0.1.0", "agentgateway AI, MCP and A2A backends and policies", register_ai_mcp_a2a)
