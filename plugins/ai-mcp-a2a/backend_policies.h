// An AgentgatewayBackend's `policies` (the backend's own, an AI provider's or an MCP target's) as
// agentgateway inline backend policies.
#pragma once

#include <vector>

#include "references.h"

namespace kgw::agw_backend {

struct PolicyOptions {
  // An AI provider's credentials: a missing Secret leaves an empty key (a warning), as
  // agentgateway's controller does, instead of rejecting the whole backend.
  bool lenient_secrets = false;
  // MCP policies (`policies.mcp`) apply only to MCP backends; AI ones only to AI backends.
  bool mcp = false;
  bool ai = false;
};

void translate_policies(const Translation& t, const Node& policies, const PolicyOptions& options,
                        std::vector<agw_api::BackendPolicySpec>& out);

// `policies.ai` of an AI backend.
void translate_ai_policy(const Translation& t, const Node& ai, agw_api::BackendPolicySpec::Ai& out);

// `policies.transformation`, `policies.extAuth` and `policies.mcp.guardrails`.
void translate_transformation(const Node& node, agw_api::TrafficPolicySpec::TransformationPolicy& out);
void translate_ext_authz(const Translation& t, const Node& node, agw_api::TrafficPolicySpec::ExternalAuth& out);
void translate_mcp_guardrails(const Translation& t, const Node& node, agw_api::BackendPolicySpec::McpGuardrails& out);

// Go-style durations ("120s", "1m30s", "250ms") into `out`; false (reported) when malformed.
bool parse_duration(const Node& node, google::protobuf::Duration& out);

}  // namespace kgw::agw_backend
