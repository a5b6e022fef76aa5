// kgw: a gateway control plane. Dispatches to the subcommands in cli/.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/args.h"
#include "cli/commands.h"

namespace {

const char* const kUsage = R"(usage: kgw <command> [options]

commands:
  serve       run the control plane (watch -> translate -> serve)
  translate   translate manifests offline and print the proxy configuration
  plugins     inspect plugin libraries
  version     print versions, plugin ABI and toolchain

Run 'kgw <command> --help' for a command's options.

exit codes:
  0  success
  1  runtime failure
  2  bad usage or bad configuration (nothing was started)
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace kgw::cli;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (command == "serve") return serve_command(argc, argv, 2);
  if (command == "translate") return translate_command(argc, argv, 2);
  if (command == "plugins") return plugins_command(argc, argv, 2);
  if (command == "version" || command == "--version") return version_command(argc, argv, 2);
  std::fprintf(stderr, "kgw: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return kExitUsage;
}
