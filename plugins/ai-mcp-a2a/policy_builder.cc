#include "policy_builder.h"

namespace kgw::agw_plugin {

PolicyBuilder::PolicyBuilder(const sdk::AgentgatewayContext& ctx, const sdk::Object& policy,
                             const sdk::AgentgatewayPolicyTarget& target, std::vector<api::Policy>& out,
                             sdk::Diagnostics& diag)
    : ctx_(ctx), policy_(policy), target_(target), out_(out), diag_(diag) {}

api::Policy& PolicyBuilder::add(const std::string& prefix, const std::string& feature) {
  api::Policy& p = out_.emplace_back();
  p.set_key(prefix + policy_.ref.ns + "/" + policy_.ref.name + ":" + feature + ":" + target_.key);
  p.mutable_name()->set_kind(policy_.ref.kind);
  p.mutable_name()->set_name(policy_.ref.name);
  p.mutable_name()->set_namespace_(policy_.ref.ns);
  *p.mutable_target() = target_.target;
  const Value* spec = policy_.spec();
  const Value* strategy = spec ? spec->find("strategy") : nullptr;
  const Value* inheritance = strategy ? strategy->find("inheritance") : nullptr;
  if (inheritance && inheritance->as_string() && *inheritance->as_string() == "Override")
    p.set_inheritance(api::Policy::OVERRIDE);
  return p;
}

std::shared_ptr<const sdk::Secret> PolicyBuilder::secret(const std::string& name) const {
  return ctx_.host().find_secret(policy_.ref, policy_.ref.ns, name);
}

}  // namespace kgw::agw_plugin
