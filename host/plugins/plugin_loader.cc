#include "plugins/plugin_loader.h"

#include <dlfcn.h>

#include <cstring>
#include <regex>

#include "kgw/sdk/registry.h"
#include "kgw/sdk/toolchain.h"

namespace kgw::plugins {
namespace {

std::string describe_version(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// True when `address` lies inside the shared object at `path`: guards against an alias that is
// not what it claims (a function of the same name, a stray pointer).
bool points_into(const void* address, const std::filesystem::path& path) {
  Dl_info info{};
  if (dladdr(address, &info) == 0 || info.dli_fname == nullptr) return false;
  std::error_code ec;
  return std::filesystem::equivalent(info.dli_fname, path, ec);
}

// Which parts of two toolchains differ in ways that change the C++ ABI of what crosses.
std::vector<std::string> toolchain_differences(const kgw_toolchain& plugin, const kgw_toolchain& host) {
  std::vector<std::string> diffs;
  const char* pc = plugin.compiler ? plugin.compiler : "?";
  if (std::strcmp(pc, host.compiler) != 0 || plugin.compiler_major != host.compiler_major)
    diffs.push_back("compiler " + std::string(pc) + " " + std::to_string(plugin.compiler_major) +
                    " (host: " + host.compiler + " " + std::to_string(host.compiler_major) + ")");
  if (plugin.cxx11_abi != host.cxx11_abi)
    diffs.push_back("_GLIBCXX_USE_CXX11_ABI=" + std::to_string(plugin.cxx11_abi) +
                    " (host: " + std::to_string(host.cxx11_abi) + ")");
  // Generated protobuf code is only compatible with the exact runtime version.
  if (plugin.protobuf_version != host.protobuf_version)
    diffs.push_back("protobuf " + std::to_string(plugin.protobuf_version) +
                    " (host: " + std::to_string(host.protobuf_version) + ")");
  if (plugin.boost_version / 100 != host.boost_version / 100)
    diffs.push_back("boost " + std::to_string(plugin.boost_version) + " (host: " + std::to_string(host.boost_version) +
                    ")");
  if (plugin.cxx_standard != host.cxx_standard)
    diffs.push_back("C++ standard " + std::to_string(plugin.cxx_standard) +
                    " (host: " + std::to_string(host.cxx_standard) + ")");
  return diffs;
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

class Registration final : public sdk::RegistrationContext {
 public:
  Registration(std::string name, const sdk::Value& config, const sdk::HostApi& host, sdk::Registry& registry)
      : name_(std::move(name)), config_(config), host_(host), registry_(registry) {}

  std::string_view plugin_name() const noexcept override { return name_; }
  const sdk::Value& config() const noexcept override { return config_; }
  const sdk::HostApi& host() const noexcept override { return host_; }
  sdk::Registry& registry() noexcept override { return registry_; }
  void record_errors(const sdk::Status& status) noexcept override {
    try {
      errors_ = status.errors();
    } catch (...) {
    }
  }
  const std::vector<sdk::FieldError>& errors() const { return errors_; }

 private:
  std::string name_;
  const sdk::Value& config_;
  const sdk::HostApi& host_;
  sdk::Registry& registry_;
  std::vector<sdk::FieldError> errors_;
};

}  // namespace

PluginLoader::PluginLoader(std::shared_ptr<const HostServices> services) : services_(std::move(services)) {}

ManifestInfo PluginLoader::host_info() {
  ManifestInfo info;
  info.name = "kgw";
  info.sdk_version = KGW_SDK_VERSION;
  info.abi_major = KGW_ABI_MAJOR;
  info.abi_minor = KGW_ABI_MINOR;
  info.toolchain = sdk::current_toolchain();
  info.toolchain_description = sdk::describe(info.toolchain);
  return info;
}

std::variant<PluginLoader::Opened, Refusal> PluginLoader::open(const std::filesystem::path& path) {
  const std::string where = "plugin " + path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Refusal{where + ": file does not exist"};
  if (!std::filesystem::is_regular_file(path, ec)) return Refusal{where + ": not a regular file"};

  boost::dll::shared_library lib;
  try {
    lib.load(boost::dll::fs::path(path.string()), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    const char* detail = dlerror();
    return Refusal{where + ": not a loadable shared library (" + (detail ? detail : e.what()) + ")"};
  }
  if (!lib.has(KGW_PLUGIN_MANIFEST_SYMBOL))
    return Refusal{where + ": no '" KGW_PLUGIN_MANIFEST_SYMBOL
                           "' symbol; not a kgw plugin (a plugin declares "
                           "itself with KGW_PLUGIN from <kgw/sdk/plugin.h>)"};

  // The alias is a pointer-sized variable holding the manifest function's address.
  void* const* alias = &lib.get<void*>(KGW_PLUGIN_MANIFEST_SYMBOL);
  const void* fn_address = *alias;
  if (fn_address == nullptr || !points_into(fn_address, path))
    return Refusal{where + ": '" KGW_PLUGIN_MANIFEST_SYMBOL
                           "' is not a manifest alias (it does not point to a "
                           "function of the plugin)"};
  auto manifest_fn = reinterpret_cast<kgw_manifest_fn>(const_cast<void*>(fn_address));
  const kgw_plugin_manifest* m = manifest_fn();
  if (m == nullptr || !points_into(m, path) || m->magic != KGW_PLUGIN_MAGIC)
    return Refusal{where + ": '" KGW_PLUGIN_MANIFEST_SYMBOL "' returned no valid manifest (bad magic number)"};

  ManifestInfo info;
  info.path = path;
  info.abi_major = m->abi_major;
  info.abi_minor = m->abi_minor;
  // Strings are only read once the ABI is known to match: before that their layout is unknown.
  if (m->abi_major != KGW_ABI_MAJOR)
    return Refusal{where + ": built for plugin ABI " + describe_version(m->abi_major, m->abi_minor) +
                   ", but this host speaks ABI " + describe_version(KGW_ABI_MAJOR, KGW_ABI_MINOR) +
                   " (the major version must match); rebuild the plugin against this host's SDK"};
  info.name = m->name ? m->name : "";
  info.version = m->version ? m->version : "";
  info.description = m->description ? m->description : "";
  info.sdk_version = m->sdk_version ? m->sdk_version : "";
  info.toolchain = m->toolchain;
  info.toolchain_description = sdk::describe(m->toolchain);
  const std::string who = where + " (" + info.name + " " + info.version + ")";
  if (m->abi_minor > KGW_ABI_MINOR)
    return Refusal{who + ": built for plugin ABI " + describe_version(m->abi_major, m->abi_minor) +
                   ", newer than this host's ABI " + describe_version(KGW_ABI_MAJOR, KGW_ABI_MINOR) +
                   "; upgrade kgw or rebuild the plugin against this host's SDK"};
  const kgw_toolchain host = sdk::current_toolchain();
  if (auto diffs = toolchain_differences(m->toolchain, host); !diffs.empty())
    return Refusal{who + ": toolchain mismatch: built with " + info.toolchain_description + ", but this host needs " +
                   sdk::describe(host) + " (differs in " + join(diffs, ", ") + ")"};
  static const std::regex name_re("[a-z0-9][a-z0-9-]*");
  if (!std::regex_match(info.name, name_re))
    return Refusal{who + ": invalid plugin name '" + info.name + "' (lowercase letters, digits and '-')"};
  if (m->register_plugin == nullptr || !points_into(reinterpret_cast<const void*>(m->register_plugin), path))
    return Refusal{who + ": the manifest has no registration entry"};

  libraries_.push_back(std::move(lib));  // never unloaded
  return Opened{std::move(info), m};
}

std::variant<ManifestInfo, Refusal> PluginLoader::read_manifest(const std::filesystem::path& path) {
  auto opened = open(path);
  if (auto* r = std::get_if<Refusal>(&opened)) return std::move(*r);
  return std::get<Opened>(std::move(opened)).info;
}

std::variant<LoadedPlugin, Refusal> PluginLoader::load(const LoadRequest& request, ExtensionRegistry& registry) {
  auto opened = open(request.path);
  if (auto* r = std::get_if<Refusal>(&opened)) return std::move(*r);
  auto [info, manifest] = std::get<Opened>(std::move(opened));
  const std::string who = "plugin " + request.path.string() + " (" + info.name + " " + info.version + ")";
  if (!request.expected_name.empty() && request.expected_name != info.name)
    return Refusal{who + ": the configuration names it '" + request.expected_name + "', but the plugin calls itself '" +
                   info.name + "'"};

  // Kept even when the plugin is refused: it may have held on to the HostApi it was given.
  host_apis_.push_back(std::make_unique<PluginHostApi>(info.name, services_));
  ExtensionRegistry staged(info.name);
  Registration ctx(info.name, request.config, *host_apis_.back(), staged);
  char error[2048] = {0};
  int rc = 0;
  try {
    rc = manifest->register_plugin(&ctx, error, sizeof error);
  } catch (...) {
    // The SDK's barrier should have caught this; a plugin that bypasses it is still refused.
    return Refusal{who + ": registration threw an exception"};
  }
  if (rc != 0) {
    Refusal refusal{who + ": registration failed: " + (error[0] ? std::string(error) : std::string("no reason given"))};
    refusal.config_errors = ctx.errors();
    return refusal;
  }
  LoadedPlugin loaded{info, staged.describe()};
  if (auto st = registry.merge(std::move(staged)); !st) return Refusal{who + ": " + st.message()};
  return loaded;
}

}  // namespace kgw::plugins
