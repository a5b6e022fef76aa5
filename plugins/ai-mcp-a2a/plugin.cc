// agentgateway AI, MCP and A2A backends and policies. The plugin takes no configuration key and
// registers the AgentgatewayBackend kind.
#include <kgw/sdk/plugin.h>

#include "backend_kind.h"

namespace {

kgw::sdk::Status register_ai_mcp_a2a(kgw::sdk::RegistrationContext& ctx) {
  if (auto st = kgw::sdk::check_keys(ctx.config(), {}); !st) return st;
  if (auto st = ctx.registry().add_agentgateway_backend_kind(kgw::agw_backend::make_backend_kind()); !st) return st;
  return kgw::sdk::Status::ok();
}

}  // namespace

KGW_PLUGIN("ai-mcp-a2a", "0.1.0", "agentgateway AI, MCP and A2A backends and policies", register_ai_mcp_a2a)
