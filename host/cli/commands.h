// kgw's subcommands. Each takes argv from the subcommand's first argument on and returns an
// exit code (cli::ExitCode).
#pragma once

namespace kgw::cli {

int serve_command(int argc, char** argv, int first);
int translate_command(int argc, char** argv, int first);
int plugins_command(int argc, char** argv, int first);
int version_command(int argc, char** argv, int first);

}  // namespace kgw::cli
