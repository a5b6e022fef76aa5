// Lenient reads of manifest fields: a missing or mistyped field reads as absent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kgw/sdk/value.h"

namespace kgw::agw {

inline const sdk::Value* field(const sdk::Value* v, std::string_view key) {
  return v && v->is_map() ? v->find(key) : nullptr;
}

// The string at `key`, or nullptr: for callers that tell absent from empty.
inline const std::string* string_at(const sdk::Value* v, std::string_view key) {
  const sdk::Value* f = field(v, key);
  return f ? f->as_string() : nullptr;
}

inline std::string str(const sdk::Value* v, std::string_view key, std::string fallback = {}) {
  const sdk::Value* f = field(v, key);
  const std::string* s = f ? f->as_string() : nullptr;
  return s ? *s : fallback;
}

inline std::optional<std::string> opt_str(const sdk::Value* v, std::string_view key) {
  const sdk::Value* f = field(v, key);
  const std::string* s = f ? f->as_string() : nullptr;
  return s ? std::optional<std::string>(*s) : std::nullopt;
}

inline std::optional<int64_t> integer(const sdk::Value* v, std::string_view key) {
  const sdk::Value* f = field(v, key);
  return f ? f->as_int() : std::nullopt;
}

inline const sdk::Value::List& items(const sdk::Value* v, std::string_view key) {
  static const sdk::Value::List kEmpty;
  const sdk::Value* f = field(v, key);
  const sdk::Value::List* l = f ? f->as_list() : nullptr;
  return l ? *l : kEmpty;
}

}  // namespace kgw::agw
