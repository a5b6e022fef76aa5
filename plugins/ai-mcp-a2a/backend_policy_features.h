// Backend-policy sections as agentgateway BackendPolicySpecs: an AgentgatewayBackend's `policies`
// (the backend's own, an AI provider's or an MCP target's) become its inline policies, and an
// AgentgatewayPolicy's `spec.backend` becomes one Policy per feature.
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

// One feature of a backend-policy section, with the name agentgateway's controller keys the
// feature's Policy by when the section is an AgentgatewayPolicy's `spec.backend`.
struct BackendPolicyFeature {
  const char* feature;
  agw_api::BackendPolicySpec spec;
};

// A backend-policy section (an AgentgatewayBackend's `policies`, an AgentgatewayPolicy's
// `spec.backend`), one spec per feature that is set.
void translate_policy_features(const Translation& t, const Node& policies, const PolicyOptions& options,
                               std::vector<BackendPolicyFeature>& out);

// The same specs without their feature names, as a backend's inline policies.
void translate_policies(const Translation& t, const Node& policies, const PolicyOptions& options,
                        std::vector<agw_api::BackendPolicySpec>& out);

// `policies.ai` of an AI backend.
void translate_ai_policy(const Translation& t, const Node& ai, agw_api::BackendPolicySpec::Ai& out);

// `policies.transformation`, `policies.extAuth` and `policies.mcp.guardrails`; a policy's traffic
// section translates its extAuth and transformation with them too.
void translate_transformation(const Node& node, agw_api::TrafficPolicySpec::TransformationPolicy& out);
void translate_ext_authz(const Translation& t, const Node& node, agw_api::TrafficPolicySpec::ExternalAuth& out);
void translate_mcp_guardrails(const Translation& t, const Node& node, agw_api::BackendPolicySpec::McpGuardrails& out);

// Where a credential is read from or written to: one of header, queryParameter, cookie or
// expression; nullopt (reported, unless absent) otherwise.
std::optional<agw_api::AuthorizationLocation> authorization_location(const Node& node);

// A TLS key exchange group by its API name ("P-256", "X25519_MLKEM768"); unknown ones are reported.
std::optional<agw_api::TLSConfig::KeyExchangeGroup> key_exchange_group(const Node& node);

// TCP keepalive (`time`, `interval`, `retries`), of a backend's or a listener's connections.
void translate_keepalive(const Node& node, agw_api::KeepaliveConfig& out);

// The URL of a remote keyset ({backendRef, jwksPath} or {url}); nullopt (reported) when it names
// none or its backend does not exist.
std::optional<std::string> jwks_url(const Translation& t, const Node& jwks);
// The keyset the controller fetched from `url` and persisted; a missing one is reported on `jwks`.
std::optional<std::string> persisted_keyset(const Translation& t, const Node& jwks, const std::string& url);

// Go-style durations ("120s", "1m30s", "250ms") into `out`; false (reported) when malformed.
bool parse_duration(const Node& node, google::protobuf::Duration& out);

// A CEL expression that does not parse is an error naming `what` (agentgateway would reject it).
void check_cel(const Node& node, const std::string& expression, const std::string& what);

}  // namespace kgw::agw_backend
