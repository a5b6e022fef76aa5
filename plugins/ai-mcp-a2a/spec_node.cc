#include "spec_node.h"

#include <kgw/sdk/agentgateway.h>

#include <cctype>
#include <cmath>

namespace kgw::agw_backend {

std::vector<Node> Node::items() const {
  std::vector<Node> out;
  if (!*this) return out;
  const sdk::Value::List* list = value_->as_list();
  if (!list) {
    invalid(std::string("expected a list, got ") + value_->kind_name());
    return out;
  }
  for (size_t i = 0; i < list->size(); ++i)
    out.emplace_back(&(*list)[i], path_ + "[" + std::to_string(i) + "]", *diag_);
  return out;
}

std::vector<std::pair<std::string, Node>> Node::entries() const {
  std::vector<std::pair<std::string, Node>> out;
  if (!*this) return out;
  const sdk::Value::Map* map = value_->as_map();
  if (!map) {
    invalid(std::string("expected a map, got ") + value_->kind_name());
    return out;
  }
  for (const auto& [key, v] : *map) out.emplace_back(key, Node(&v, path_ + "." + key, *diag_));
  return out;
}

std::optional<std::string> Node::string() const {
  if (!*this) return std::nullopt;
  if (const std::string* s = value_->as_string()) return *s;
  // Plain YAML scalars such as `2024-02-15` or `8080` may arrive typed; their text is wanted.
  if (auto i = value_->as_int()) return std::to_string(*i);
  if (auto b = value_->as_bool()) return *b ? "true" : "false";
  invalid(std::string("expected a string, got ") + value_->kind_name());
  return std::nullopt;
}

std::optional<int64_t> Node::integer() const {
  if (!*this) return std::nullopt;
  if (auto i = value_->as_int()) return i;
  invalid(std::string("expected an integer, got ") + value_->kind_name());
  return std::nullopt;
}

std::optional<bool> Node::boolean() const {
  if (!*this) return std::nullopt;
  if (auto b = value_->as_bool()) return b;
  invalid(std::string("expected a boolean, got ") + value_->kind_name());
  return std::nullopt;
}

std::optional<int64_t> Node::integer_in(int64_t min, int64_t max) const {
  auto i = integer();
  if (i && (*i < min || *i > max)) {
    invalid("must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return i;
}

bool parse_duration(const std::string& text, google::protobuf::Duration& out) {
  if (text.empty()) return false;
  long double total_ns = 0;
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    ++i;
  }
  if (text.substr(i) == "0") {
    out.set_seconds(0);
    out.set_nanos(0);
    return true;
  }
  while (i < text.size()) {
    const size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (start == i) return false;
    long double n;
    try {
      n = std::stold(text.substr(start, i - start));
    } catch (...) {
      return false;
    }
    const size_t unit_start = i;
    while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i])) && text[i] != '.') ++i;
    const std::string unit = text.substr(unit_start, i - unit_start);
    long double scale;
    if (unit == "h")
      scale = 3600e9L;
    else if (unit == "m")
      scale = 60e9L;
    else if (unit == "s")
      scale = 1e9L;
    else if (unit == "ms")
      scale = 1e6L;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      scale = 1e3L;
    else if (unit == "ns")
      scale = 1;
    else
      return false;
    total_ns += n * scale;
  }
  const int64_t ns = static_cast<int64_t>(std::llround(total_ns)) * (negative ? -1 : 1);
  out.set_seconds(ns / 1000000000);
  out.set_nanos(static_cast<int32_t>(ns % 1000000000));
  return true;
}

std::optional<uint64_t> parse_quantity(const sdk::Value& v) {
  if (auto i = v.as_int()) return *i >= 0 ? std::optional<uint64_t>(*i) : std::nullopt;
  const std::string* s = v.as_string();
  if (!s || s->empty()) return std::nullopt;
  size_t end = 0;
  while (end < s->size() && std::isdigit(static_cast<unsigned char>((*s)[end]))) ++end;
  if (end == 0) return std::nullopt;
  uint64_t n;
  try {
    n = std::stoull(s->substr(0, end));
  } catch (...) {  // out of range
    return std::nullopt;
  }
  static const std::vector<std::pair<std::string, uint64_t>> units = {
      {"", 1},     {"Ki", 1ull << 10}, {"Mi", 1ull << 20}, {"Gi", 1ull << 30},  {"Ti", 1ull << 40},
      {"k", 1000}, {"M", 1000000},     {"G", 1000000000},  {"T", 1000000000000}};
  for (const auto& [unit, scale] : units)
    if (s->substr(end) == unit) return n * scale;
  return std::nullopt;
}

std::optional<uint64_t> Node::quantity_in(uint64_t min, uint64_t max) const {
  if (!*this) return std::nullopt;
  auto q = parse_quantity(*value_);
  if (!q || *q < min || *q > max) {
    invalid("must be a quantity between " + std::to_string(min) + " and " + std::to_string(max) + " bytes");
    return std::nullopt;
  }
  return q;
}

std::vector<std::string> Node::strings() const {
  std::vector<std::string> out;
  for (const Node& item : items())
    if (auto s = item.string()) out.push_back(std::move(*s));
  return out;
}

}  // namespace kgw::agw_backend
