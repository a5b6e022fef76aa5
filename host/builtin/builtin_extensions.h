// The host's own extensions, registered into a registry exactly as plugins register theirs.
#pragma once

#include "plugins/extension_registry.h"

namespace kgw::builtin {

// Registers the built-in backend types into `registry` (whose owner should be "builtin").
void register_builtin_extensions(plugins::ExtensionRegistry& registry);

}  // namespace kgw::builtin
