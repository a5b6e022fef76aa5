// Policy kinds (AgentgatewayPolicy, from plugins; BackendTLSPolicy): targets resolved, policies
// built per target by the kind, sent to the Gateways they apply to, and per-ancestor status.
#pragma once

#include "agw/inputs.h"
#include "agw/output.h"
#include "agw/policy_targets.h"

namespace kgw::plugins {
class ExtensionRegistry;
}

namespace kgw::agw {

// The policy kinds `registry` holds, whose backendRefs also make backends reachable.
std::vector<sdk::GroupKind> policy_kinds(const plugins::ExtensionRegistry& registry);

void translate_policies(const Inputs& inputs, const plugins::ExtensionRegistry& registry, const PolicyTargets& targets,
                        Output& output);

}  // namespace kgw::agw
