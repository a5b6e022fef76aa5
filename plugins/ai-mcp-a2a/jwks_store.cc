#include "jwks_store.h"

#include <cstdint>

namespace kgw::agw_backend {
namespace {

constexpr const char* kJwksStoreNamespace = "agentgateway-system";

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

  // Skips any JSON value; false when malformed.
  bool skip_value(int depth = 0) {
    if (depth > 64) return false;
    skip_space();
    if (peek('"')) return string().has_value();
    if (eat('{')) {
      if (eat('}')) return true;
      do {
        if (!string() || !eat(':') || !skip_value(depth + 1)) return false;
      } while (eat(','));
      return eat('}');
    }
    if (eat('[')) {
      if (eat(']')) return true;
      do {
        if (!skip_value(depth + 1)) return false;
      } while (eat(','));
      return eat(']');
    }
    const size_t start = i_;
    while (i_ < s_.size() && std::string_view("+-.0123456789eEtruefalsn").find(s_[i_]) != std::string_view::npos) ++i_;
    return i_ > start;
  }

 private:
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

}  // namespace

std::optional<std::map<std::string, std::string>> json_string_members(std::string_view json) {
  JsonReader r(json);
  std::map<std::string, std::string> out;
  if (!r.eat('{')) return std::nullopt;
  if (!r.eat('}')) {
    do {
      auto key = r.string();
      if (!key || !r.eat(':')) return std::nullopt;
      if (r.peek('"')) {
        auto value = r.string();
        if (!value) return std::nullopt;
        out[*key] = std::move(*value);
      } else if (!r.skip_value()) {
        return std::nullopt;
      }
    } while (r.eat(','));
    if (!r.eat('}')) return std::nullopt;
  }
  if (!r.at_end()) return std::nullopt;
  return out;
}

std::optional<std::string> persisted_jwks(const sdk::AgentgatewayContext& ctx, std::string_view url) {
  // Only the controller's namespace: a labeled ConfigMap elsewhere could plant keys for a URL.
  for (const sdk::Object* cm :
       ctx.list_objects({"", "ConfigMap"}, kJwksStoreNamespace, {{"app.kubernetes.io/component", "jwks-store"}})) {
    const sdk::Value* data = cm->body.find("data");
    const sdk::Value* record = data ? data->find("jwks-store") : nullptr;
    if (!record || !record->as_string()) continue;
    auto members = json_string_members(*record->as_string());
    if (!members) continue;
    auto u = members->find("url"), jwks = members->find("jwks");
    if (u != members->end() && u->second == url && jwks != members->end() && !jwks->second.empty()) return jwks->second;
  }
  return std::nullopt;
}

}  // namespace kgw::agw_backend
