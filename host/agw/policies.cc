#include "agw/policies.h"

#include <algorithm>
#include <set>

#include "agw/policy_targets.h"
#include "agw/status.h"
#include "plugins/extension_registry.h"

namespace kgw::agw {
namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

sdk::Value ancestor(sdk::Value ref, std::vector<sdk::Value> conditions) {
  sdk::Value a;
  a.set("ancestorRef", std::move(ref));
  a.set("conditions", sdk::Value(sdk::Value::List(std::move(conditions))));
  a.set("controllerName", kControllerName);
  return a;
}

void translate_policy(const sdk::AgentgatewayPolicyKind& kind, const sdk::Object& policy, const PolicyTargets& targets,
                      const PluginContext& ctx, Output& output) {
  const auto resolved = targets.resolve(policy);
  std::vector<std::string> errors, pending;
  bool any_resources = false;
  std::set<std::pair<sdk::ObjectRef, std::string>> sent;
  std::set<sdk::ObjectRef> ancestors;
  for (const auto& t : resolved) {
    if (!t.pending.empty() && std::find(pending.begin(), pending.end(), t.pending) == pending.end())
      pending.push_back(t.pending);
    if (t.target.key.empty()) continue;
    if (t.attached) ancestors.insert(t.gateways.begin(), t.gateways.end());
    // Translated even when not attached: the policy's own problems go into its status.
    std::vector<sdk::agw_api::Policy> out;
    sdk::Diagnostics diag;
    kind.translate(ctx, policy, t.target, out, diag);
    for (const auto& e : diag.errors())
      if (std::find(errors.begin(), errors.end(), e.message) == errors.end()) errors.push_back(e.message);
    any_resources |= !out.empty();
    for (const auto& gateway : t.gateways)
      for (const auto& p : out)
        if (sent.insert({gateway, p.key()}).second) {
          GatewayResource r{gateway, {}};
          *r.resource.mutable_policy() = p;
          output.resources.push_back(std::move(r));
        }
  }
  if (ancestors.empty() && pending.empty()) return;

  // Errors next to resources leave the policy partially valid: what translated is served.
  const sdk::Value accepted = errors.empty()  ? condition("Accepted", true, "Valid", "Policy accepted")
                              : any_resources ? condition("Accepted", true, "PartiallyValid", join(errors))
                                              : condition("Accepted", false, "Invalid", join(errors));
  sdk::Value::List list;
  for (const auto& gw : ancestors) {
    sdk::Value ref;
    ref.set("group", gw.group);
    ref.set("kind", gw.kind);
    ref.set("name", gw.name);
    ref.set("namespace", gw.ns);
    std::vector<sdk::Value> conditions{accepted};
    if (errors.empty()) conditions.push_back(condition("Attached", true, "Attached", "Attached to all targets"));
    list.push_back(ancestor(std::move(ref), std::move(conditions)));
  }
  if (!pending.empty()) {
    // Targets that attach nowhere are reported under one summary ancestor.
    sdk::Value ref;
    ref.set("group", kAgentgatewayGroup);
    ref.set("name", "StatusSummary");
    list.push_back(ancestor(std::move(ref), {accepted, condition("Attached", false, "Pending",
                                                                 "Policy is not attached: " + join(pending))}));
  }
  sdk::Value status;
  status.set("ancestors", sdk::Value(std::move(list)));
  output.statuses.push_back({policy.ref, policy.api_version, std::move(status)});
}

}  // namespace

std::vector<sdk::GroupKind> policy_kinds(const plugins::ExtensionRegistry& registry) {
  std::vector<sdk::GroupKind> kinds;
  for (const auto& [gk, owned] : registry.agentgateway_policy_kinds()) kinds.push_back(gk);
  return kinds;
}

void translate_policies(const Inputs& inputs, const plugins::ExtensionRegistry& registry, const PolicyTargets& targets,
                        Output& output) {
  const PluginContext ctx(inputs);
  for (const auto& [gk, owned] : registry.agentgateway_policy_kinds())
    for (const sdk::Object* policy : inputs.of_kind(gk.kind))
      if (policy->ref.group == gk.group) translate_policy(*owned.extension, *policy, targets, ctx, output);
}

}  // namespace kgw::agw
