// Logging: one spdlog logger per component ("host", "config", "plugins", "plugin.<name>", ...),
// all writing to stderr as text or JSON lines, each with its own level.
#pragma once

#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace kgw::logging {

struct Options {
  std::string level = "info";                     // default for every component
  std::string format = "text";                    // text | json
  std::map<std::string, std::string> components;  // component -> level
};

// Parses "trace", "debug", "info", "warn", "error", "off".
std::optional<spdlog::level::level_enum> parse_level(const std::string& name);

// (Re)configures every logger, present and future. Call from the main thread at start-up.
void configure(const Options& options);

// The logger of a component, created on first use with the configured level.
std::shared_ptr<spdlog::logger> get(const std::string& component);

}  // namespace kgw::logging
