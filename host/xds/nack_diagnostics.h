// agentgateway's NACK format: error_detail.message is a JSON array of per-resource diagnostics,
// `[{"key": "<resource name>", "error": "..."}, {"key": "...", "warn": "..."}]`. A response that
// only drew warnings was applied in full; the proxy still sends them as error_detail.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kgw::xds {

struct Diagnostic {
  std::string key;  // the resource name as sent (or as removed)
  std::string message;
  bool error = true;  // false: a warning

  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

// The diagnostics of a message in that form: a non-empty JSON array whose every element has a
// non-empty "key" and an "error" or a "warn" string. nullopt for any other message, which is then
// one opaque error text.
std::optional<std::vector<Diagnostic>> parse_diagnostics(std::string_view message);

// The errors as one line for logs and status ("<key>: <error>; ..."); "" when there are none.
std::string errors_text(const std::vector<Diagnostic>& diagnostics);
std::string warnings_text(const std::vector<Diagnostic>& diagnostics);

}  // namespace kgw::xds
