// The AgentgatewayBackend kind: each object becomes an agentgateway Backend (static, AI, MCP,
// A2A, dynamic forward proxy or AWS) with its inline policies, plus one Backend per static MCP
// target.
#pragma once

#include <kgw/sdk/agentgateway.h>

#include <memory>
#include <vector>

#include "references.h"

namespace kgw::agw_backend {

std::unique_ptr<sdk::AgentgatewayBackendKind> make_backend_kind();

// `spec.ai`: provider groups in priority order.
void translate_ai(const Translation& t, const Node& ai, agw_api::AIBackend& out);
// `spec.mcp`: targets; static targets also become Backends of their own in `owned`.
void translate_mcp(const Translation& t, const Node& mcp, agw_api::MCPBackend& out,
                   std::vector<agw_api::Backend>& owned);

}  // namespace kgw::agw_backend
