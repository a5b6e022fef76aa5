#include "agw/policies.h"

#include "plugins/extension_registry.h"

namespace kgw::agw {

void translate_policies(const Inputs& inputs, const plugins::ExtensionRegistry& registry, Output& output) {
  // Target resolution, each registered policy kind's policies and their status come here.
}

}  // namespace kgw::agw
