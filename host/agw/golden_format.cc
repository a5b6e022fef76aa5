#include "agw/golden_format.h"

#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>

#include "snapshot/agentgateway.h"
#include "sources/yaml_scalar.h"

namespace kgw::agw {
namespace {

// The message's protobuf JSON as a Value; JSON is read as YAML, quoted scalars stay strings.
sdk::Value from_node(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      sdk::Value::Map map;
      for (const auto& entry : node) map.emplace_back(entry.first.as<std::string>(), from_node(entry.second));
      return sdk::Value(std::move(map));
    }
    case YAML::NodeType::Sequence: {
      sdk::Value::List list;
      for (const auto& item : node) list.push_back(from_node(item));
      return sdk::Value(std::move(list));
    }
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!") return sdk::Value(node.Scalar());
      return sources::resolve_plain_scalar(node.Scalar(), sources::Overflow::KeepText);
    default:
      return sdk::Value();
  }
}

sdk::Value message_value(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) return sdk::Value();
  return from_node(YAML::Load(json));
}

void write_json_string(std::string& out, const std::string& s) {
  out.push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out.append(buf);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

void write_json(std::string& out, const sdk::Value& v, int level) {
  const std::string pad(2 * (level + 1), ' '), close(2 * level, ' ');
  if (const auto* list = v.as_list()) {
    if (list->empty()) return out.append("[]"), void();
    out.append("[\n");
    for (size_t i = 0; i < list->size(); ++i) {
      out.append(pad);
      write_json(out, (*list)[i], level + 1);
      out.append(i + 1 < list->size() ? ",\n" : "\n");
    }
    out.append(close).push_back(']');
  } else if (const auto* map = v.as_map()) {
    if (map->empty()) return out.append("{}"), void();
    auto entries = *map;
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out.append("{\n");
    for (size_t i = 0; i < entries.size(); ++i) {
      out.append(pad);
      write_json_string(out, entries[i].first);
      out.append(": ");
      write_json(out, entries[i].second, level + 1);
      out.append(i + 1 < entries.size() ? ",\n" : "\n");
    }
    out.append(close).push_back('}');
  } else if (const auto* s = v.as_string()) {
    write_json_string(out, *s);
  } else if (auto b = v.as_bool()) {
    out.append(*b ? "true" : "false");
  } else if (auto i = v.as_int()) {
    out.append(std::to_string(*i));
  } else if (auto d = v.as_double()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    out.append(buf);
  } else {
    out.append("null");
  }
}

}  // namespace

sdk::Value document(const Output& output) {
  std::vector<std::pair<std::string, const GatewayResource*>> resources;
  for (const auto& r : output.resources) resources.emplace_back(snapshot::resource_name(r.resource), &r);
  std::stable_sort(resources.begin(), resources.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  sdk::Value::List out;
  for (const auto& [name, r] : resources) {
    sdk::Value entry;
    sdk::Value gateway;
    gateway.set("Name", r->gateway.name);
    gateway.set("Namespace", r->gateway.ns);
    entry.set("gateway", std::move(gateway));
    entry.set("resource", message_value(r->resource));
    out.push_back(std::move(entry));
  }
  std::vector<std::pair<std::string, const ::istio::workload::Address*>> addresses;
  for (const auto& a : output.addresses) addresses.emplace_back(snapshot::address_name(a), &a);
  std::stable_sort(addresses.begin(), addresses.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  sdk::Value::List address_list;
  for (const auto& [name, a] : addresses) address_list.push_back(message_value(*a));
  sdk::Value::List statuses;
  for (const auto& s : output.statuses) {
    sdk::Value entry;
    entry.set("apiVersion", s.api_version);
    entry.set("kind", s.object.kind);
    sdk::Value metadata;
    metadata.set("name", s.object.name);
    if (!s.object.ns.empty()) metadata.set("namespace", s.object.ns);
    entry.set("metadata", std::move(metadata));
    entry.set("status", s.status);
    statuses.push_back(std::move(entry));
  }
  sdk::Value doc;
  doc.set("output", sdk::Value(std::move(out)));
  if (!address_list.empty()) doc.set("addresses", sdk::Value(std::move(address_list)));
  doc.set("status", sdk::Value(std::move(statuses)));
  return doc;
}

std::string render(const Output& output, translator::Format format) {
  const sdk::Value doc = document(output);
  if (format == translator::Format::Yaml) return translator::render_yaml(doc);
  std::string out;
  write_json(out, doc, 0);
  out.push_back('\n');
  return out;
}

}  // namespace kgw::agw
