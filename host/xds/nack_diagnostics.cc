#include "xds/nack_diagnostics.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

namespace kgw::xds {
namespace {

std::string join(const std::vector<Diagnostic>& diagnostics, bool errors) {
  std::string out;
  for (const auto& d : diagnostics) {
    if (d.error != errors) continue;
    if (!out.empty()) out += "; ";
    out += d.key + ": " + d.message;
  }
  return out;
}

}  // namespace

std::optional<std::vector<Diagnostic>> parse_diagnostics(std::string_view message) {
  const auto first = message.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || message[first] != '[') return std::nullopt;
  google::protobuf::ListValue list;
  if (!google::protobuf::util::JsonStringToMessage(std::string(message), &list).ok() || list.values_size() == 0)
    return std::nullopt;
  std::vector<Diagnostic> out;
  for (const auto& value : list.values()) {
    if (!value.has_struct_value()) return std::nullopt;
    const auto& fields = value.struct_value().fields();
    auto string_of = [&](const char* name) -> std::optional<std::string> {
      auto it = fields.find(name);
      if (it == fields.end() || it->second.kind_case() != google::protobuf::Value::kStringValue) return std::nullopt;
      return it->second.string_value();
    };
    auto key = string_of("key");
    if (!key || key->empty()) return std::nullopt;
    auto error = string_of("error");
    auto warn = string_of("warn");
    if (!error && !warn) return std::nullopt;
    if (error) out.push_back({*key, *error, true});
    if (warn) out.push_back({*key, *warn, false});
  }
  return out;
}

std::string errors_text(const std::vector<Diagnostic>& diagnostics) { return join(diagnostics, true); }
std::string warnings_text(const std::vector<Diagnostic>& diagnostics) { return join(diagnostics, false); }

}  // namespace kgw::xds
