#include <cstdio>
#include <string>

#include "cli/args.h"
#include "cli/commands.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"

namespace kgw::cli {
namespace {

const char* const kUsage = R"(usage: kgw plugins inspect PATH...

Loads each plugin library, checks its manifest against this host, runs its registration with an
empty configuration, and prints its name, version, ABI, SDK, toolchain and what it registers.
Exits 1 when any plugin is refused (the refusal says why).
)";

}  // namespace

int plugins_command(int argc, char** argv, int first) {
  std::string error;
  auto args = parse_args(argc, argv, first, ArgSpec{{}, {}, {"--help", "-h"}}, error);
  if (!args) {
    std::fprintf(stderr, "kgw plugins: %s\n\n%s", error.c_str(), kUsage);
    return kExitUsage;
  }
  if (args->has("--help") || args->has("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (args->positional.size() < 2 || args->positional[0] != "inspect") {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  plugins::PluginLoader loader;
  int rc = kExitOk;
  for (size_t i = 1; i < args->positional.size(); ++i) {
    plugins::ExtensionRegistry registry;
    sdk::Value empty_config{sdk::Value::Map{}};
    auto outcome = loader.load({args->positional[i], "", empty_config}, registry);
    if (auto* refusal = std::get_if<plugins::Refusal>(&outcome)) {
      std::fprintf(stderr, "kgw plugins inspect: refused: %s\n", refusal->message.c_str());
      for (const auto& e : refusal->config_errors) std::fprintf(stderr, "  %s\n", e.to_string().c_str());
      rc = kExitRuntime;
      continue;
    }
    const auto& p = std::get<plugins::LoadedPlugin>(outcome);
    const auto& m = p.manifest;
    if (i > 1) std::puts("");
    std::printf(
        "plugin:      %s\nversion:     %s\ndescription: %s\npath:        %s\nabi:         %u.%u\n"
        "sdk:         %s\ntoolchain:   %s\nregisters:   %s\n",
        m.name.c_str(), m.version.c_str(), m.description.c_str(), m.path.c_str(), m.abi_major, m.abi_minor,
        m.sdk_version.c_str(), m.toolchain_description.c_str(),
        p.registrations.empty() ? "nothing (no extensions yet)" : "");
    for (const auto& r : p.registrations) std::printf("  - %s\n", r.c_str());
  }
  return rc;
}

}  // namespace kgw::cli
