#include "sources/yaml_scalar.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string_view>

namespace kgw::sources {
namespace {

using sdk::Value;

bool all_of_class(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool is_core_float(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (i == s.size()) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  return i == s.size();
}

std::optional<double> to_double(std::string_view s, Overflow overflow) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (p != s.data() + s.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range && overflow == Overflow::Approximate)
    return std::strtod(std::string(s).c_str(), nullptr);  // +-inf or 0
  if (ec != std::errc()) return std::nullopt;
  return d;
}

}  // namespace

Value resolve_plain_scalar(const std::string& s, Overflow overflow) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Value();
  if (s == "true" || s == "True" || s == "TRUE") return Value(true);
  if (s == "false" || s == "False" || s == "FALSE") return Value(false);
  std::string_view v = s;
  std::string_view digits = v;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  if (all_of_class(digits, is_digit)) {
    int64_t i = 0;
    std::string_view t = v[0] == '+' ? v.substr(1) : v;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), i);
    if (ec == std::errc() && p == t.data() + t.size()) return Value(i);
    if (overflow == Overflow::Approximate)
      if (auto d = to_double(v, overflow)) return Value(*d);  // too large for 64 bits: keep the magnitude
    return Value(s);
  }
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'o' || v[1] == 'x')) {
    std::string_view body = v.substr(2);
    const bool hex = v[1] == 'x';
    if (all_of_class(body, hex ? is_hex : is_octal)) {
      uint64_t u = 0;
      auto [p, ec] = std::from_chars(body.data(), body.data() + body.size(), u, hex ? 16 : 8);
      if (ec == std::errc() && u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return Value(static_cast<int64_t>(u));
      return Value(s);
    }
  }
  if (is_core_float(v))
    if (auto d = to_double(v, overflow)) return Value(*d);
  std::string_view mag = v;
  bool negative = false;
  if (!mag.empty() && (mag[0] == '-' || mag[0] == '+')) negative = mag[0] == '-', mag.remove_prefix(1);
  if (mag == ".inf" || mag == ".Inf" || mag == ".INF")
    return Value(negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity());
  if (v == ".nan" || v == ".NaN" || v == ".NAN") return Value(std::numeric_limits<double>::quiet_NaN());
  return Value(s);
}

}  // namespace kgw::sources
