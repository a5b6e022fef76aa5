// A small command-line parser for kgw's subcommands: flags with values (`--config FILE` or
// `--config=FILE`), repeatable flags, boolean switches and positional arguments.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kgw::cli {

// Exit codes, documented in `kgw --help`.
enum ExitCode : int { kExitOk = 0, kExitRuntime = 1, kExitUsage = 2 };

struct ArgSpec {
  std::set<std::string> value_flags;  // e.g. "--config"
  std::set<std::string> repeatable;   // subset of value_flags that may repeat, e.g. "-f"
  std::set<std::string> switches;     // e.g. "--help"
};

struct Args {
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> switches;
  std::vector<std::string> positional;

  std::optional<std::string> get(const std::string& flag) const {
    auto it = values.find(flag);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
  }
  const std::vector<std::string>& all(const std::string& flag) const {
    static const std::vector<std::string> none;
    auto it = values.find(flag);
    return it == values.end() ? none : it->second;
  }
  bool has(const std::string& sw) const { return switches.count(sw) > 0; }
};

// Parses argv[first..]; on error returns nullopt and sets `error`.
std::optional<Args> parse_args(int argc, char** argv, int first, const ArgSpec& spec, std::string& error);

}  // namespace kgw::cli
