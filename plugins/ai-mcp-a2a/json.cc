#include "json.h"

#include <kgw/sdk/agentgateway.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace kgw::agw_backend {
namespace {

class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}

  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  bool eat(char c) {
    skip_space();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    skip_space();
    return i_ < s_.size() && s_[i_] == c;
  }
  bool at_end() {
    skip_space();
    return i_ == s_.size();
  }

  std::optional<std::string> string() {
    if (!eat('"')) return std::nullopt;
    std::string out;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return std::nullopt;
      switch (char e = s_[i_++]) {
        case '"':
        case '\\':
        case '/':
          out.push_back(e);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          auto cp = hex4();
          if (!cp) return std::nullopt;
          uint32_t code = *cp;
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (i_ + 1 >= s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u') return std::nullopt;
            i_ += 2;
            auto low = hex4();
            if (!low || *low < 0xDC00 || *low > 0xDFFF) return std::nullopt;
            code = 0x10000 + ((code - 0xD800) << 10) + (*low - 0xDC00);
          }
          append_utf8(out, code);
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt;
  }

  // Any JSON value; nullopt when malformed. Numbers without a fraction or exponent are integers.
  std::optional<sdk::Value> value(int depth = 0) {
    if (depth > 64) return std::nullopt;
    skip_space();
    if (peek('"')) {
      auto s = string();
      if (!s) return std::nullopt;
      return sdk::Value(std::move(*s));
    }
    if (eat('{')) {
      sdk::Value::Map m;
      if (eat('}')) return sdk::Value(std::move(m));
      do {
        auto key = string();
        if (!key || !eat(':')) return std::nullopt;
        auto v = value(depth + 1);
        if (!v) return std::nullopt;
        m.emplace_back(std::move(*key), std::move(*v));
      } while (eat(','));
      if (!eat('}')) return std::nullopt;
      return sdk::Value(std::move(m));
    }
    if (eat('[')) {
      sdk::Value::List l;
      if (eat(']')) return sdk::Value(std::move(l));
      do {
        auto v = value(depth + 1);
        if (!v) return std::nullopt;
        l.push_back(std::move(*v));
      } while (eat(','));
      if (!eat(']')) return std::nullopt;
      return sdk::Value(std::move(l));
    }
    for (std::string_view word : {"true", "false", "null"})
      if (s_.substr(i_, word.size()) == word) {
        i_ += word.size();
        if (word == "null") return sdk::Value();
        return sdk::Value(word == "true");
      }
    return number();
  }

 private:
  std::optional<sdk::Value> number() {
    const size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    bool integral = true;
    while (i_ < s_.size() && std::string_view("+-.0123456789eE").find(s_[i_]) != std::string_view::npos) {
      if (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E') integral = false;
      ++i_;
    }
    const std::string text(s_.substr(start, i_ - start));
    if (text.empty() || text == "-") return std::nullopt;
    char* end = nullptr;
    errno = 0;
    if (integral) {
      const long long n = std::strtoll(text.c_str(), &end, 10);
      if (errno == 0 && *end == '\0') return sdk::Value(static_cast<int64_t>(n));
      errno = 0;
    }
    const double d = std::strtod(text.c_str(), &end);
    if (errno != 0 || *end != '\0') return std::nullopt;
    return sdk::Value(d);
  }

  std::optional<uint32_t> hex4() {
    if (i_ + 4 > s_.size()) return std::nullopt;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return std::nullopt;
    }
    return v;
  }
  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

void append_json_string(std::string& out, const std::string& s) {
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

}  // namespace

std::optional<sdk::Value> parse_json(std::string_view text) {
  JsonReader r(text);
  auto v = r.value();
  if (!v || !r.at_end()) return std::nullopt;
  return v;
}

std::string format_double(double d) {
  if (!std::isfinite(d)) return "null";
  char buf[32] = "";
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

void append_json(std::string& out, const sdk::Value& v) {
  if (const auto* s = v.as_string()) {
    append_json_string(out, *s);
  } else if (auto b = v.as_bool()) {
    out += *b ? "true" : "false";
  } else if (auto i = v.as_int()) {
    out += std::to_string(*i);
  } else if (auto d = v.as_double()) {
    out += format_double(*d);
  } else if (const auto* list = v.as_list()) {
    out.push_back('[');
    for (size_t i = 0; i < list->size(); ++i) {
      if (i) out.push_back(',');
      append_json(out, (*list)[i]);
    }
    out.push_back(']');
  } else if (const auto* map = v.as_map()) {
    out.push_back('{');
    for (size_t i = 0; i < map->size(); ++i) {
      if (i) out.push_back(',');
      append_json_string(out, (*map)[i].first);
      out.push_back(':');
      append_json(out, (*map)[i].second);
    }
    out.push_back('}');
  } else {
    out += "null";
  }
}

void to_proto_value(const sdk::Value& v, google::protobuf::Value& out) {
  if (const auto* l = v.as_list()) {
    auto* lv = out.mutable_list_value();
    for (const auto& item : *l) to_proto_value(item, *lv->add_values());
  } else if (const auto* m = v.as_map()) {
    auto* fields = out.mutable_struct_value()->mutable_fields();
    for (const auto& [k, item] : *m) to_proto_value(item, (*fields)[k]);
  } else if (const auto* s = v.as_string()) {
    out.set_string_value(*s);
  } else if (auto b = v.as_bool()) {
    out.set_bool_value(*b);
  } else if (auto d = v.as_double()) {
    out.set_number_value(*d);
  } else {
    out.set_null_value(google::protobuf::NULL_VALUE);
  }
}

}  // namespace kgw::agw_backend
