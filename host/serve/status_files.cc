#include "serve/status_files.h"

#include <cstdio>

#include "translator/golden_format.h"

namespace kgw::serve {
namespace {

bool plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

std::string hex_hash(std::string_view s) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

sdk::Value errors_document(const std::string& file, const std::vector<sources::ParseError>& errors) {
  sdk::Value::List list;
  for (const auto& e : errors) {
    sdk::Value v = sdk::Value::Map{};
    if (e.mark.line) {
      v.set("line", int64_t{e.mark.line});
      v.set("column", int64_t{e.mark.column});
    }
    if (!e.path.empty()) v.set("path", e.path);
    v.set("message", e.message);
    list.push_back(std::move(v));
  }
  sdk::Value doc = sdk::Value::Map{};
  doc.set("file", file);
  doc.set("errors", std::move(list));
  return doc;
}

}  // namespace

std::string escape_component(std::string_view component) {
  if (component.empty()) return "_";
  std::string out;
  const bool dots_only = component == "." || component == "..";
  for (char c : component) {
    if (c == '/') {
      out += '~';
    } else if (plain(c) && !dots_only) {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  if (out.size() > 200) out = hex_hash(component) + "-" + out.substr(out.size() - 160);
  return out;
}

std::string status_path(const std::string& section, const std::string& key) {
  std::string path = escape_component(section);
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    path += "/" + escape_component(std::string_view(key).substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return path + ".yaml";
}

std::string errors_path(const std::string& file) {
  return std::string(kErrorsDirectory) + "/" + escape_component(file) + ".yaml";
}

std::string render_errors(const std::string& file, const std::vector<sources::ParseError>& errors) {
  return translator::render_yaml(errors_document(file, errors));
}

std::map<std::string, std::string> status_files(const Statuses& statuses, const FileErrors& errors) {
  std::map<std::string, std::string> files;
  for (const auto& [section, objects] : statuses)
    for (const auto& [key, status] : objects) files[status_path(section, key)] = translator::render_yaml(status);
  for (const auto& [file, list] : errors)
    if (!list.empty()) files[errors_path(file)] = render_errors(file, list);
  return files;
}

StatusFileChanges status_file_changes(const GatewayOutputs& before, const GatewayOutputs& after,
                                      const std::set<sdk::ObjectRef>& gateways, const Statuses& extra,
                                      const std::set<std::pair<std::string, std::string>>& extra_touched) {
  std::set<std::pair<std::string, std::string>> touched = extra_touched;  // section, key
  for (const GatewayOutputs* outputs : {&before, &after})
    for (const auto& gateway : gateways)
      if (auto it = outputs->find(gateway); it != outputs->end() && it->second)
        for (const auto& [section, objects] : it->second->statuses)
          for (const auto& [key, status] : objects) touched.emplace(section, key);
  StatusFileChanges changes;
  for (const auto& [section, key] : touched) {
    std::optional<sdk::Value> status = merged_status(after, section, key);
    if (auto s = extra.find(section); s != extra.end())
      if (auto k = s->second.find(key); k != s->second.end()) {
        if (status)
          merge_status(*status, k->second);
        else
          status = k->second;
      }
    changes[status_path(section, key)] = status ? std::optional(translator::render_yaml(*status)) : std::nullopt;
  }
  return changes;
}

std::vector<std::string> status_directories() {
  return {"gateways",  "listenerSets", "httpRoutes", "grpcRoutes",    "tcpRoutes",
          "tlsRoutes", "policies",     "backends",   kErrorsDirectory};
}

}  // namespace kgw::serve
