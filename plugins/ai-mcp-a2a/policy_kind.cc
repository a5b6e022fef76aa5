#include "policy_kind.h"

#include "policy_builder.h"

namespace kgw::agw_plugin {
namespace {

class AgentgatewayPolicyKind final : public sdk::AgentgatewayPolicyKind {
 public:
  sdk::GroupKind group_kind() const noexcept override { return {"agentgateway.dev", "AgentgatewayPolicy"}; }

  void translate(const sdk::AgentgatewayContext& ctx, const sdk::Object& policy,
                 const sdk::AgentgatewayPolicyTarget& target, std::vector<api::Policy>& out,
                 sdk::Diagnostics& diag) const noexcept override {
    try {
      PolicyBuilder b(ctx, policy, target, out, diag);
      const agw_backend::Node spec = b.node(policy.spec(), "spec");
      if (const agw_backend::Node traffic = spec["traffic"]) translate_traffic(b, traffic);
      if (const agw_backend::Node backend = spec["backend"]) translate_backend(b, backend);
      if (const agw_backend::Node frontend = spec["frontend"]) translate_frontend(b, frontend);
    } catch (const std::exception& e) {
      diag.error("spec", std::string("translation failed: ") + e.what());
    } catch (...) {
      diag.error("spec", "translation failed");
    }
  }
};

}  // namespace

std::unique_ptr<sdk::AgentgatewayPolicyKind> make_agentgateway_policy_kind() {
  return std::make_unique<AgentgatewayPolicyKind>();
}

}  // namespace kgw::agw_plugin
