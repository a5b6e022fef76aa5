// Backend kinds (AgentgatewayBackend, from plugins) into agentgateway Backends, sent to every
// agentgateway Gateway, and their status.
#pragma once

#include "agw/inputs.h"
#include "agw/output.h"

namespace kgw::plugins {
class ExtensionRegistry;
}

namespace kgw::agw {

void translate_backends(const Inputs& inputs, const plugins::ExtensionRegistry& registry, Output& output);

}  // namespace kgw::agw
