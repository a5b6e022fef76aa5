#include "agw/inputs.h"

#include <algorithm>

#include "agw/output.h"
#include "agw/value_access.h"
#include "logging/logging.h"
#include "sources/manifest_parser.h"

namespace kgw::agw {
namespace {

const std::vector<const sdk::Object*> kNone;

}  // namespace

Inputs::Inputs(const std::vector<sdk::Object>& objects, std::string cluster_domain)
    : objects_(objects), cluster_domain_(std::move(cluster_domain)) {
  for (const auto& o : objects_) by_kind_[o.ref.kind].push_back(&o);
  for (auto& [kind, list] : by_kind_) {
    // An object given twice (a case redefining a default, say) is its later definition.
    std::stable_sort(list.begin(), list.end(), [](const sdk::Object* a, const sdk::Object* b) {
      return std::tie(a->ref.ns, a->ref.name, a->ref.group) < std::tie(b->ref.ns, b->ref.name, b->ref.group);
    });
    std::vector<const sdk::Object*> unique;
    for (const sdk::Object* o : list) {
      if (!unique.empty() && unique.back()->ref == o->ref)
        unique.back() = o;
      else
        unique.push_back(o);
    }
    list = std::move(unique);
  }
  for (const sdk::Object* g : of_kind("Gateway"))
    if (g->ref.group == kGatewayGroup && is_agentgateway_gateway(g->ref)) gateways_.push_back(g);
}

const sdk::Object* Inputs::find(std::string_view group, std::string_view kind, std::string_view ns,
                                std::string_view name) const {
  auto it = by_kind_.find(std::string(kind));
  if (it == by_kind_.end()) return nullptr;
  for (const sdk::Object* o : it->second)
    if (o->ref.ns == ns && o->ref.name == name && (group == "*" || o->ref.group == group)) return o;
  return nullptr;
}

const std::vector<const sdk::Object*>& Inputs::of_kind(const std::string& kind) const {
  auto it = by_kind_.find(kind);
  return it == by_kind_.end() ? kNone : it->second;
}

std::vector<const sdk::Object*> Inputs::select(const sdk::GroupKind& kind, std::string_view ns,
                                               const std::map<std::string, std::string>& labels) const {
  std::vector<const sdk::Object*> out;
  for (const sdk::Object* o : of_kind(kind.kind)) {
    if (o->ref.group != kind.group || (!ns.empty() && o->ref.ns != ns)) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto l = o->labels.find(k);
      if (l == o->labels.end() || l->second != v) match = false;
    }
    if (match) out.push_back(o);
  }
  return out;
}

bool Inputs::is_agentgateway_gateway(const sdk::ObjectRef& ref) const {
  const sdk::Object* gateway = find(kGatewayGroup, "Gateway", ref.ns, ref.name);
  const std::string* class_name = gateway ? string_at(gateway->spec(), "gatewayClassName") : nullptr;
  if (!class_name) return false;
  if (const sdk::Object* gc = find(kGatewayGroup, "GatewayClass", "", *class_name)) {
    const std::string* controller = string_at(gc->spec(), "controllerName");
    return controller && *controller == kControllerName;
  }
  return *class_name == "agentgateway";
}

bool Inputs::permitted(const sdk::GroupKind& from, std::string_view from_ns, const sdk::ObjectRef& to) const {
  if (from_ns == to.ns) return true;
  for (const sdk::Object* grant : of_kind("ReferenceGrant")) {
    if (grant->ref.ns != to.ns) continue;
    const sdk::Value* spec = grant->spec();
    bool from_ok = false, to_ok = false;
    if (const sdk::Value* list = spec ? spec->find("from") : nullptr; list && list->as_list())
      for (const auto& f : *list->as_list()) {
        const std::string* g = string_at(&f, "group");
        const std::string* k = string_at(&f, "kind");
        const std::string* n = string_at(&f, "namespace");
        if ((g ? *g : std::string()) == from.group && k && *k == from.kind && n && *n == from_ns) from_ok = true;
      }
    if (const sdk::Value* list = spec ? spec->find("to") : nullptr; list && list->as_list())
      for (const auto& t : *list->as_list()) {
        const std::string* g = string_at(&t, "group");
        const std::string* k = string_at(&t, "kind");
        const std::string* n = string_at(&t, "name");
        if ((g ? *g : std::string()) == to.group && k && *k == to.kind && (!n || n->empty() || *n == to.name))
          to_ok = true;
      }
    if (from_ok && to_ok) return true;
  }
  return false;
}

std::shared_ptr<const sdk::Secret> Inputs::secret(std::string_view ns, std::string_view name) const {
  const std::string key = std::string(ns) + "/" + std::string(name);
  if (auto it = secrets_.find(key); it != secrets_.end()) return it->second;
  std::shared_ptr<const sdk::Secret> found;
  if (const sdk::Object* o = find("", "Secret", ns, name)) {
    std::vector<sdk::FieldError> errors;
    if (auto s = sources::secret_from(*o, errors)) found = std::make_shared<const sdk::Secret>(std::move(*s));
  } else if (secret_lookup_) {
    found = secret_lookup_(ns, name);
  }
  secrets_.emplace(key, found);
  return found;
}

std::string Inputs::service_hostname(std::string_view ns, std::string_view name) const {
  return std::string(name) + "." + std::string(ns) + ".svc." + cluster_domain_;
}

std::string Inputs::inference_hostname(std::string_view ns, std::string_view name) const {
  return std::string(name) + "." + std::string(ns) + ".inference." + cluster_domain_;
}

std::vector<const sdk::Object*> PluginContext::list_objects(
    const sdk::GroupKind& kind, std::string_view ns, const std::map<std::string, std::string>& labels) const noexcept {
  try {
    return in_.select(kind, ns, labels);
  } catch (...) {
    return {};
  }
}

void PluginContext::log(sdk::LogLevel level, std::string_view message) const noexcept {
  if (level >= sdk::LogLevel::Warn) logging::get("agentgateway")->warn("{}", message);
}

std::shared_ptr<const sdk::Secret> PluginContext::find_secret(const sdk::ObjectRef& from, std::string_view ns,
                                                              std::string_view name) const noexcept {
  try {
    if (!in_.permitted({from.group, from.kind}, from.ns, {"", "Secret", std::string(ns), std::string(name)}))
      return nullptr;
    return in_.secret(ns, name);
  } catch (...) {
    return nullptr;
  }
}

const sdk::Object* PluginContext::find_object(const sdk::ObjectRef& from, const sdk::ObjectRef& target,
                                              std::string* why) const noexcept {
  try {
    const sdk::Object* o = in_.find(target.group, target.kind, target.ns, target.name);
    if (!o) {
      if (why) *why = "not found";
      return nullptr;
    }
    if (!in_.permitted({from.group, from.kind}, from.ns, target)) {
      if (why) *why = "missing reference grant";
      return nullptr;
    }
    return o;
  } catch (...) {
    if (why) *why = "lookup failed";
    return nullptr;
  }
}

}  // namespace kgw::agw
