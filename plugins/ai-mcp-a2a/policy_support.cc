#include "policy_support.h"

#include "cel_syntax.h"

namespace kgw::agw_plugin {
namespace {

const Value::List kNoList;
const Value::Map kNoMap;

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
  if (auto d = v.as_double()) return agw_backend::format_double(*d);
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
