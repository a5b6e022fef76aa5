#include "agw/backends.h"

#include "plugins/extension_registry.h"

namespace kgw::agw {

void translate_backends(const Inputs& inputs, const plugins::ExtensionRegistry& registry, Output& output) {
  // Each registered backend kind's objects come here.
}

}  // namespace kgw::agw
