#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "plugins/plugin_loader.h"

namespace kgw::cli {

int version_command(int argc, char** argv, int first) {
  std::string error;
  auto args = parse_args(argc, argv, first, ArgSpec{{}, {}, {"--help", "-h"}}, error);
  if (!args) {
    std::fprintf(stderr, "kgw version: %s\n", error.c_str());
    return kExitUsage;
  }
  if (args->has("--help") || args->has("-h")) {
    std::puts(
        "usage: kgw version\n\nPrints kgw's version, the plugin ABI it speaks and the toolchain it was built with.");
    return kExitOk;
  }
  auto host = plugins::PluginLoader::host_info();
  std::printf("kgw %s\nplugin ABI %u.%u (SDK %s)\ntoolchain %s\n", KGW_VERSION, host.abi_major, host.abi_minor,
              host.sdk_version.c_str(), host.toolchain_description.c_str());
  return kExitOk;
}

}  // namespace kgw::cli
