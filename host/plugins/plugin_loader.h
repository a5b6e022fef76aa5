// Loads plugin libraries with Boost.DLL, checks their manifest before touching anything else,
// and runs their registration into a staging registry that is merged only on success.
// Libraries stay loaded for the life of the loader, which lives as long as the process:
// extensions they registered point into their code.
#pragma once

#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kgw/sdk/abi.h"
#include "kgw/sdk/status.h"
#include "kgw/sdk/value.h"
#include "plugins/extension_registry.h"
#include "plugins/host_api.h"

namespace kgw::plugins {

// What a plugin says about itself, copied out of its manifest.
struct ManifestInfo {
  std::filesystem::path path;
  std::string name;
  std::string version;
  std::string description;
  std::string sdk_version;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  kgw_toolchain toolchain{};
  std::string toolchain_description;
};

struct LoadedPlugin {
  ManifestInfo manifest;
  std::vector<std::string> registrations;  // ExtensionRegistry::describe() of what it added
};

// Why a plugin was refused: a one-line summary plus, for a rejected configuration, each error
// with its key path inside `[plugins.config]`.
struct Refusal {
  std::string message;
  std::vector<sdk::FieldError> config_errors;
};

struct LoadRequest {
  std::filesystem::path path;
  std::string expected_name;  // the name the configuration uses; empty to accept any
  sdk::Value config;          // the plugin's [plugins.config] table
};

class PluginLoader {
 public:
  explicit PluginLoader(std::shared_ptr<const HostServices> services = nullptr);
  PluginLoader(const PluginLoader&) = delete;
  PluginLoader& operator=(const PluginLoader&) = delete;

  // Loads, checks and registers one plugin into `registry`. On refusal nothing is added.
  std::variant<LoadedPlugin, Refusal> load(const LoadRequest& request, ExtensionRegistry& registry);

  // Reads and checks the manifest only (no registration).
  std::variant<ManifestInfo, Refusal> read_manifest(const std::filesystem::path& path);

  // The host's own ABI and toolchain, for messages and `kgw version`.
  static ManifestInfo host_info();

 private:
  struct Opened {
    ManifestInfo info;
    const kgw_plugin_manifest* manifest = nullptr;
  };
  std::variant<Opened, Refusal> open(const std::filesystem::path& path);

  std::shared_ptr<const HostServices> services_;
  std::vector<boost::dll::shared_library> libraries_;
  std::vector<std::unique_ptr<PluginHostApi>> host_apis_;
};

}  // namespace kgw::plugins
