// AgentgatewayPolicy `spec.backend`: one agentgateway backend Policy per feature, translated as an
// AgentgatewayBackend's own policies are. Some features are keyed with the `backend/` section
// prefix and some without, as agentgateway's controller keys them (proxies replace policies by
// key, so the keys must match).
#include <string_view>

#include "backend_policy_features.h"
#include "policy_builder.h"

namespace kgw::agw_plugin {
namespace {

const char* key_prefix(std::string_view feature) {
  for (std::string_view prefixed : {"ai", "backend-auth", "mcp-guardrails", "backend-tcp", "backend-extauth"})
    if (feature == prefixed) return "backend/";
  return "";
}

}  // namespace

void translate_backend(PolicyBuilder& b, const agw_backend::Node& backend) {
  agw_backend::PolicyOptions options;
  options.mcp = options.ai = true;
  std::vector<agw_backend::BackendPolicyFeature> features;
  agw_backend::translate_policy_features(b.translation(), backend, options, features);
  for (auto& f : features) *b.add(key_prefix(f.feature), f.feature).mutable_backend() = std::move(f.spec);
}

}  // namespace kgw::agw_plugin
