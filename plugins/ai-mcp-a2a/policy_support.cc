#include "policy_support.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "cel_syntax.h"

namespace kgw::agw_plugin {
namespace {

const Value::List kNoList;
const Value::Map kNoMap;

void write_json_string(std::string& out, const std::string& s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '<':
      case '>':
      case '&': {
        // Go's encoder escapes these for HTML safety.
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
        break;
      }
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

class JsonReader {
 public:
  explicit JsonReader(const std::string& s) : s_(s) {}

  std::optional<Value> document() {
    auto v = value(0);
    skip();
    if (!v || i_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }

  std::optional<std::string> string() {
    if (i_ >= s_.size() || s_[i_] != '"') return std::nullopt;
    ++i_;
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return std::nullopt;
      char e = s_[i_++];
      switch (e) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'u': {
          if (i_ + 4 > s_.size()) return std::nullopt;
          unsigned cp = std::stoul(s_.substr(i_, 4), nullptr, 16);
          i_ += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 6 <= s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
            unsigned lo = std::stoul(s_.substr(i_ + 2, 4), nullptr, 16);
            i_ += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
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
          break;
        }
        default:
          out.push_back(e);
      }
    }
    if (i_ >= s_.size()) return std::nullopt;
    ++i_;
    return out;
  }

  std::optional<Value> value(int depth) {
    if (depth > 100) return std::nullopt;
    skip();
    if (i_ >= s_.size()) return std::nullopt;
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      Value::Map m;
      skip();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return Value(std::move(m));
      }
      for (;;) {
        skip();
        auto key = string();
        skip();
        if (!key || i_ >= s_.size() || s_[i_] != ':') return std::nullopt;
        ++i_;
        auto v = value(depth + 1);
        if (!v) return std::nullopt;
        m.emplace_back(std::move(*key), std::move(*v));
        skip();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == '}') {
          ++i_;
          return Value(std::move(m));
        }
        return std::nullopt;
      }
    }
    if (c == '[') {
      ++i_;
      Value::List l;
      skip();
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return Value(std::move(l));
      }
      for (;;) {
        auto v = value(depth + 1);
        if (!v) return std::nullopt;
        l.push_back(std::move(*v));
        skip();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == ']') {
          ++i_;
          return Value(std::move(l));
        }
        return std::nullopt;
      }
    }
    if (c == '"') {
      auto s = string();
      if (!s) return std::nullopt;
      return Value(std::move(*s));
    }
    for (const char* word : {"true", "false", "null"})
      if (s_.compare(i_, std::strlen(word), word) == 0) {
        i_ += std::strlen(word);
        if (word[0] == 'n') return Value();
        return Value(word[0] == 't');
      }
    const size_t start = i_;
    if (s_[i_] == '-') ++i_;
    bool is_float = false;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == 'e' ||
                              s_[i_] == 'E' || s_[i_] == '+' || s_[i_] == '-')) {
      if (!std::isdigit(static_cast<unsigned char>(s_[i_]))) is_float = true;
      ++i_;
    }
    if (start == i_ || (i_ == start + 1 && s_[start] == '-')) return std::nullopt;
    const std::string text = s_.substr(start, i_ - start);
    try {
      if (!is_float) return Value(static_cast<int64_t>(std::stoll(text)));
      return Value(std::stod(text));
    } catch (...) {
      return std::nullopt;
    }
  }

  const std::string& s_;
  size_t i_ = 0;
};

}  // namespace

const Value* at(const Value* v, const char* key) { return v ? v->find(key) : nullptr; }

const std::string* str(const Value* v, const char* key) {
  const Value* f = at(v, key);
  return f ? f->as_string() : nullptr;
}

std::optional<int64_t> integer(const Value* v, const char* key) {
  const Value* f = at(v, key);
  if (!f) return std::nullopt;
  if (auto i = f->as_int()) return i;
  if (const std::string* s = f->as_string()) try {
      size_t used = 0;
      int64_t n = std::stoll(*s, &used);
      if (used == s->size()) return n;
    } catch (...) {
    }
  return std::nullopt;
}

std::optional<bool> boolean(const Value* v, const char* key) {
  const Value* f = at(v, key);
  return f ? f->as_bool() : std::nullopt;
}

const Value::List& list(const Value* v, const char* key) {
  const Value* f = at(v, key);
  const Value::List* l = f ? f->as_list() : nullptr;
  return l ? *l : kNoList;
}

const Value::Map& map(const Value* v, const char* key) {
  const Value* f = at(v, key);
  const Value::Map* m = f ? f->as_map() : nullptr;
  return m ? *m : kNoMap;
}

std::string scalar_text(const Value& v) {
  if (const std::string* s = v.as_string()) return *s;
  if (auto b = v.as_bool()) return *b ? "true" : "false";
  if (auto i = v.as_int()) return std::to_string(*i);
  if (v.is_double()) return to_json(v);
  return {};
}

std::vector<std::string> strings(const Value* v, const char* key) {
  std::vector<std::string> out;
  for (const Value& item : list(v, key)) out.push_back(scalar_text(item));
  return out;
}

std::map<std::string, std::string> string_map(const Value* v, const char* key) {
  std::map<std::string, std::string> out;
  for (const auto& [k, item] : map(v, key)) out[k] = scalar_text(item);
  return out;
}

std::string to_json(const Value& v) {
  std::string out;
  if (const auto* l = v.as_list()) {
    out.push_back('[');
    for (size_t i = 0; i < l->size(); ++i) {
      if (i) out.push_back(',');
      out += to_json((*l)[i]);
    }
    out.push_back(']');
  } else if (const auto* m = v.as_map()) {
    auto entries = *m;
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out.push_back('{');
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i) out.push_back(',');
      write_json_string(out, entries[i].first);
      out.push_back(':');
      out += to_json(entries[i].second);
    }
    out.push_back('}');
  } else if (const auto* s = v.as_string()) {
    write_json_string(out, *s);
  } else if (auto b = v.as_bool()) {
    out += *b ? "true" : "false";
  } else if (auto i = v.as_int()) {
    out += std::to_string(*i);
  } else if (auto d = v.as_double()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    // The shortest text that reads back the same, as Go writes floats.
    for (int p = 1; p <= 17; ++p) {
      std::snprintf(buf, sizeof buf, "%.*g", p, *d);
      if (std::strtod(buf, nullptr) == *d) break;
    }
    out += buf;
  } else {
    out += "null";
  }
  return out;
}

std::optional<Value> parse_json(const std::string& text) {
  try {
    return JsonReader(text).document();
  } catch (...) {  // a malformed \u escape
    return std::nullopt;
  }
}

void to_proto_value(const Value& v, google::protobuf::Value& out) {
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

bool is_valid_cel(const std::string& text) { return is_valid_cel(std::string_view(text)); }

PolicyBuilder::PolicyBuilder(const sdk::AgentgatewayContext& ctx, const sdk::Object& policy,
                             const sdk::AgentgatewayPolicyTarget& target, std::vector<api::Policy>& out,
                             sdk::Diagnostics& diag)
    : ctx_(ctx), policy_(policy), target_(target), out_(out), diag_(diag) {}

api::Policy& PolicyBuilder::add(const std::string& prefix, const std::string& feature) {
  api::Policy& p = out_.emplace_back();
  p.set_key(prefix + policy_.ref.ns + "/" + policy_.ref.name + ":" + feature + ":" + target_.key);
  p.mutable_name()->set_kind(policy_.ref.kind);
  p.mutable_name()->set_name(policy_.ref.name);
  p.mutable_name()->set_namespace_(policy_.ref.ns);
  *p.mutable_target() = target_.target;
  const Value* spec = policy_.spec();
  if (const std::string* inheritance = str(at(spec, "strategy"), "inheritance");
      inheritance && *inheritance == "Override")
    p.set_inheritance(api::Policy::OVERRIDE);
  return p;
}

std::string PolicyBuilder::service_hostname(const std::string& ns, const std::string& name) const {
  return name + "." + ns + ".svc." + std::string(ctx_.cluster_domain());
}

const sdk::Object* PolicyBuilder::referenced(const Value& ref, std::string& why) const {
  const std::string* name = str(&ref, "name");
  const std::string* group = str(&ref, "group");
  const std::string* kind = str(&ref, "kind");
  const std::string* ref_ns = str(&ref, "namespace");
  const std::string ns = ref_ns && !ref_ns->empty() ? *ref_ns : policy_.ref.ns;
  const std::string k = kind && !kind->empty() ? *kind : "Service";
  const std::string g = group ? *group : (k == "Service" ? "" : "agentgateway.dev");
  if (!name) {
    why = "backendRef has no name";
    return nullptr;
  }
  std::string reason;
  const sdk::Object* o = ctx_.host().find_object(policy_.ref, {g, k, ns, *name}, &reason);
  if (o) return o;
  if (reason == "missing reference grant")
    why = "backendRef " + ns + "/" + *name + " not accessible to an " + policy_.ref.kind + " in namespace \"" +
          policy_.ref.ns + "\" (missing a ReferenceGrant?)";
  else
    why = "unable to find the " + k + " " + ns + "/" + *name;
  return nullptr;
}

std::optional<api::BackendReference> PolicyBuilder::backend_ref(const Value& ref, std::string& why) const {
  const sdk::Object* o = referenced(ref, why);
  if (!o) return std::nullopt;
  api::BackendReference out;
  if (o->ref.kind == "Service") {
    out.mutable_service()->set_namespace_(o->ref.ns);
    out.mutable_service()->set_hostname(service_hostname(o->ref.ns, o->ref.name));
    if (auto port = integer(&ref, "port")) out.set_port(static_cast<uint32_t>(*port));
  } else {
    out.set_backend(o->ref.ns + "/" + o->ref.name);
  }
  return out;
}

std::shared_ptr<const sdk::Secret> PolicyBuilder::secret(const std::string& name) const {
  return ctx_.host().find_secret(policy_.ref, policy_.ref.ns, name);
}

bool PolicyBuilder::url_backend(const std::string& url, api::BackendReference& backend,
                                std::vector<api::BackendPolicySpec>& inline_policies, std::string* path) const {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  std::string rest = url.substr(scheme_end + 3);
  std::string url_path;
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    url_path = rest.substr(slash);
    rest.resize(slash);
  }
  std::string host = rest;
  uint32_t port = scheme == "https" ? 443 : 80;
  if (const auto colon = rest.rfind(':'); colon != std::string::npos && rest.find(']') == std::string::npos) {
    host = rest.substr(0, colon);
    try {
      port = static_cast<uint32_t>(std::stoul(rest.substr(colon + 1)));
    } catch (...) {
      return false;
    }
  }
  if (host.empty()) return false;
  backend.mutable_inline_()->set_hostname(host);
  backend.mutable_inline_()->set_port(port);
  if (scheme == "https") inline_policies.emplace_back().mutable_backend_tls()->set_hostname(host);
  if (path && !url_path.empty()) *path = url_path;
  return true;
}

void set_location(const Value& location, api::AuthorizationLocation& out) {
  if (const Value* header = at(&location, "header")) {
    auto* h = out.mutable_header();
    if (const std::string* name = str(header, "name")) h->set_name(*name);
    if (const std::string* prefix = str(header, "prefix")) h->set_prefix(*prefix);
  } else if (const Value* query = at(&location, "queryParameter")) {
    if (const std::string* name = str(query, "name")) out.mutable_query_parameter()->set_name(*name);
  } else if (const Value* cookie = at(&location, "cookie")) {
    if (const std::string* name = str(cookie, "name")) out.mutable_cookie()->set_name(*name);
  } else if (const std::string* expression = str(&location, "expression")) {
    out.set_expression(*expression);
  }
}

}  // namespace kgw::agw_plugin
