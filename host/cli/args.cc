#include "cli/args.h"

namespace kgw::cli {

std::optional<Args> parse_args(int argc, char** argv, int first, const ArgSpec& spec, std::string& error) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i) args.positional.emplace_back(argv[i]);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      args.positional.push_back(arg);
      continue;
    }
    std::string flag = arg;
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      flag = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    if (spec.switches.count(flag)) {
      if (inline_value) {
        error = "option " + flag + " takes no value";
        return std::nullopt;
      }
      args.switches.insert(flag);
      continue;
    }
    if (!spec.value_flags.count(flag)) {
      error = "unknown option " + flag;
      return std::nullopt;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      error = "option " + flag + " needs a value";
      return std::nullopt;
    }
    auto& slot = args.values[flag];
    if (!slot.empty() && !spec.repeatable.count(flag)) {
      error = "option " + flag + " given more than once";
      return std::nullopt;
    }
    slot.push_back(std::move(value));
  }
  return args;
}

}  // namespace kgw::cli
