// Plugins loaded from their .so files into one registry, as `kgw serve` loads them, for the rest
// of the test program: libraries are never unloaded, since extensions point into their code.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "builtin/builtin_extensions.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"

namespace kgw::test_support {

struct LoadedPlugins {
  plugins::PluginLoader loader;
  plugins::ExtensionRegistry registry;
  std::vector<std::string> errors;  // a refused plugin's message each
};

// The plugins at `paths` (and the host's built-in extensions first, when `builtin`). Call it once
// per set and keep the result: it is never freed.
inline const LoadedPlugins& load_plugins(const std::vector<std::string>& paths, bool builtin) {
  auto* loaded = new LoadedPlugins;
  if (builtin) builtin::register_builtin_extensions(loaded->registry);
  for (const auto& path : paths) {
    auto result = loaded->loader.load({path, "", sdk::Value::Map{}}, loaded->registry);
    if (auto* refusal = std::get_if<plugins::Refusal>(&result)) loaded->errors.push_back(refusal->message);
  }
  return *loaded;
}

}  // namespace kgw::test_support
