// The Attached condition a policy kind reports where several of its policies meet.
#pragma once

#include <set>

#include "kgw/sdk/policy_kind.h"

namespace kgw::filters {

// Attached when a policy supplied everything alone, Merged when others supplied some too,
// Overridden when higher-priority policies supplied all it has. `contributors` are the policies
// (of `policies`) that supplied at least one setting; nothing is reported for a lone policy.
inline void report_attachment(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies,
                              const std::set<const sdk::ObjectRef*>& contributors) {
  if (policies.size() < 2) return;
  for (const auto& p : policies) {
    sdk::Condition c;
    c.type = "Attached";
    if (!contributors.count(&p.policy)) {
      c.status = sdk::Condition::Status::False;
      c.reason = "Overridden";
      c.message = "Overridden due to conflict with higher priority policy in target(s)";
    } else if (contributors.size() > 1) {
      c.status = sdk::Condition::Status::True;
      c.reason = "Merged";
      c.message = "Merged with other policies in target(s) and attached";
    } else {
      continue;
    }
    ctx.host().report_condition(p.policy, &ctx.gateway(), c);
  }
}

}  // namespace kgw::filters
