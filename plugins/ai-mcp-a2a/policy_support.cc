#include "policy_support.h"

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

std::shared_ptr<const sdk::Secret> PolicyBuilder::secret(const std::string& name) const {
  return ctx_.host().find_secret(policy_.ref, policy_.ref.ns, name);
}

}  // namespace kgw::agw_plugin
