// Loads the plugins a configuration enables, applying `required`: a refused required plugin
// stops start-up; any other refused plugin is logged and skipped.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"
#include "plugins/plugin_loader.h"

namespace kgw::plugins {

// Where plugins without a `path` are looked for: $KGW_PLUGIN_DIR if set, else `plugins/` next to
// the kgw executable (the build tree), else `../lib/kgw/plugins` from it (an installed tree).
std::filesystem::path default_plugin_dir();

// The file a plugin entry refers to: its `path`, or `<plugin_dir>/kgw-<name>.so`.
std::filesystem::path plugin_file(const config::PluginConfig& plugin, const std::filesystem::path& plugin_dir);

struct PluginSetResult {
  std::vector<LoadedPlugin> loaded;
  std::vector<std::string> errors;  // every refusal, formatted with file and line
  bool fatal = false;               // a required plugin was refused
};

PluginSetResult load_configured_plugins(const config::Config& config, const std::filesystem::path& plugin_dir,
                                        PluginLoader& loader, ExtensionRegistry& registry);

}  // namespace kgw::plugins
