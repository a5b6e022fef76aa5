// Reading policy specs: Go durations, Kubernetes quantities and optional fields of a Value tree.
#pragma once

#include <cctype>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/duration.pb.h"
#include "kgw/sdk/value.h"

namespace kgw::filters {

using sdk::Value;

// A Go duration ("500ms", "1m30s", "1.5s") in milliseconds, or nullopt.
inline std::optional<int64_t> parse_duration_ms(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (start == i) return std::nullopt;
    double n = std::stod(text.substr(start, i - start));
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string unit = text.substr(unit_start, i - unit_start);
    if (unit == "h")
      total += n * 3600000;
    else if (unit == "m")
      total += n * 60000;
    else if (unit == "s")
      total += n * 1000;
    else if (unit == "ms")
      total += n;
    else if (unit == "us" || unit == "µs")
      total += n / 1000;
    else if (unit == "ns")
      total += n / 1000000;
    else
      return std::nullopt;
  }
  return static_cast<int64_t>(std::llround(total));
}

inline void set_duration(int64_t ms, google::protobuf::Duration& out) {
  out.set_seconds(ms / 1000);
  out.set_nanos(static_cast<int32_t>((ms % 1000) * 1000000));
}

// A Kubernetes quantity ("65536", "64Ki", "1Mi", "1k") in bytes, or nullopt.
inline std::optional<uint64_t> parse_quantity(const Value& v) {
  if (auto i = v.as_int()) return *i >= 0 ? std::optional<uint64_t>(*i) : std::nullopt;
  const std::string* s = v.as_string();
  if (!s || s->empty()) return std::nullopt;
  size_t end = 0;
  while (end < s->size() && std::isdigit(static_cast<unsigned char>((*s)[end]))) ++end;
  if (end == 0) return std::nullopt;
  uint64_t n = std::stoull(s->substr(0, end));
  const std::string suffix = s->substr(end);
  static const std::vector<std::pair<std::string, uint64_t>> units = {
      {"", 1},     {"Ki", 1ull << 10}, {"Mi", 1ull << 20}, {"Gi", 1ull << 30},  {"Ti", 1ull << 40},
      {"k", 1000}, {"M", 1000000},     {"G", 1000000000},  {"T", 1000000000000}};
  for (const auto& [u, m] : units)
    if (u == suffix) return n * m;
  return std::nullopt;
}

inline const Value* field(const Value* v, const char* key) { return v ? v->find(key) : nullptr; }
inline std::optional<std::string> string_field(const Value* v, const char* key) {
  const Value* f = field(v, key);
  if (const std::string* s = f ? f->as_string() : nullptr) return *s;
  return std::nullopt;
}
inline std::optional<int64_t> int_field(const Value* v, const char* key) {
  const Value* f = field(v, key);
  return f ? f->as_int() : std::nullopt;
}

inline std::optional<bool> bool_field(const Value* v, const char* key) {
  const Value* f = field(v, key);
  return f ? f->as_bool() : std::nullopt;
}

}  // namespace kgw::filters
