// agentgateway AI, MCP and A2A backends and policies. The translators arrive with the
// agentgateway work; today the plugin loads, rejects any configuration key,
// and registers nothing.
#include <kgw/sdk/plugin.h>

namespace {

kgw::sdk::Status register_ai_mcp_a2a(kgw::sdk::RegistrationContext& ctx) {
  return kgw::sdk::check_keys(ctx.config(), {});
}

}  // namespace

KGW_PLUGIN("ai-mcp-a2a", "0.1.0", "agentgateway AI, MCP and A2A backends and policies", register_ai_mcp_a2a)
