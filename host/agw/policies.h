// Policy kinds (AgentgatewayPolicy, from plugins; BackendTLSPolicy): targets resolved, policies
// built per target by the kind, sent to the Gateways they apply to, and per-ancestor status.
#pragma once

#include "agw/inputs.h"
#include "agw/output.h"

namespace kgw::plugins {
class ExtensionRegistry;
}

namespace kgw::agw {

void translate_policies(const Inputs& inputs, const plugins::ExtensionRegistry& registry, Output& output);

}  // namespace kgw::agw
