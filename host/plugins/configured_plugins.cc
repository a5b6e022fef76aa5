#include "plugins/configured_plugins.h"

#include <cstdlib>

#include "logging/logging.h"

namespace kgw::plugins {

std::filesystem::path default_plugin_dir() {
  if (const char* env = std::getenv("KGW_PLUGIN_DIR"); env && *env) return env;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "plugins";
  auto beside = exe.parent_path() / "plugins";
  if (std::filesystem::is_directory(beside, ec)) return beside;
  return exe.parent_path().parent_path() / "lib" / "kgw" / "plugins";
}

std::filesystem::path plugin_file(const config::PluginConfig& plugin, const std::filesystem::path& plugin_dir) {
  if (!plugin.path.empty()) return plugin.path;
  return plugin_dir / ("kgw-" + plugin.name + ".so");
}

PluginSetResult load_configured_plugins(const config::Config& config, const std::filesystem::path& plugin_dir,
                                        PluginLoader& loader, ExtensionRegistry& registry) {
  auto log = logging::get("plugins");
  PluginSetResult result;
  for (const auto& plugin : config.plugins) {
    if (!plugin.enabled) {
      log->info("plugin {} is disabled in {}", plugin.name, config.file.string());
      continue;
    }
    LoadRequest request{plugin_file(plugin, plugin_dir), plugin.name, plugin.config};
    auto outcome = loader.load(request, registry);
    if (auto* loaded = std::get_if<LoadedPlugin>(&outcome)) {
      const auto& m = loaded->manifest;
      log->info(
          "loaded plugin {} {} from {} (ABI {}.{}, {}); registers {}", m.name, m.version, m.path.string(), m.abi_major,
          m.abi_minor, m.toolchain_description, loaded->registrations.empty() ? std::string("nothing yet") : [&] {
            std::string s;
            for (const auto& r : loaded->registrations) s += (s.empty() ? "" : ", ") + r;
            return s;
          }());
      result.loaded.push_back(std::move(*loaded));
      continue;
    }
    const auto& refusal = std::get<Refusal>(outcome);
    std::string message = plugin.mark.to_string() + ": plugins: " + refusal.message;
    for (const auto& e : refusal.config_errors) {
      const std::string key = "plugins[" + std::to_string(&plugin - config.plugins.data()) + "].config" +
                              (e.path.empty() ? "" : "." + e.path);
      message += "\n  " + config::locate(plugin.config, e.path).to_string() + ": " + key + ": " + e.message;
    }
    result.errors.push_back(message);
    if (plugin.required) {
      log->error("required plugin {} refused: {}", plugin.name, message);
      result.fatal = true;
    } else {
      log->error("plugin {} refused and skipped (not required): {}", plugin.name, message);
    }
  }
  return result;
}

}  // namespace kgw::plugins
