#include "store/references.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "sources/manifest_parser.h"

namespace kgw::store {
namespace {

using sdk::Value;

constexpr const char* kGatewayGroup = "gateway.networking.k8s.io";

// Kinds whose relations are all in the fields references_of reads (policies: attaches_as_policy).
bool known_kind(const sdk::ObjectRef& ref) {
  static const std::set<sdk::GroupKind> kinds = {
      {"", "Service"},
      {"", "Secret"},
      {"", "ConfigMap"},
      {"discovery.k8s.io", "EndpointSlice"},
      {kGatewayGroup, "GatewayClass"},
      {kGatewayGroup, "Gateway"},
      {kGatewayGroup, "ListenerSet"},
      {kGatewayGroup, "HTTPRoute"},
      {kGatewayGroup, "GRPCRoute"},
      {kGatewayGroup, "TCPRoute"},
      {kGatewayGroup, "TLSRoute"},
      {kGatewayGroup, "UDPRoute"},
      {"gateway.networking.x-k8s.io", "XListenerSet"},
      {"gateway.kgateway.dev", "Backend"},
      {"gateway.kgateway.dev", "DirectResponse"},
      {"gateway.kgateway.dev", "GatewayExtension"},
      {"gateway.kgateway.dev", "GatewayParameters"},
  };
  return kinds.contains({ref.group, ref.kind});
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Policy attachment (GEP-713): a policy names its targets in spec.targetRefs (or selects them with
// spec.targetSelectors, which the walker marks unsure) and every other relation in reference
// fields, and policy kinds are named "...Policy". So the walker sees all of a policy's relations,
// whatever kind a plugin registers.
bool attaches_as_policy(const sdk::Object& object) {
  if (ends_with(object.ref.kind, "Policy")) return true;
  const Value* spec = object.spec();
  return spec && (spec->find("targetRefs") || spec->find("targetRef") || spec->find("targetSelectors"));
}

bool points_up(std::string_view key) {
  return key == "parentRefs" || key == "parentRef" || key == "targetRefs" || key == "targetRef";
}

// The group and kind a reference under `key` has when it does not write them. Kind kAny when the
// API implies none; a written kind without a group is in the core group, except for parents.
struct Implied {
  std::string group;
  std::string kind;
};
Implied implied_kind(std::string_view key) {
  if (key == "parentRefs" || key == "parentRef") return {kGatewayGroup, "Gateway"};
  if (key == "backendRefs" || key == "backendRef" || ends_with(key, "BackendRef")) return {"", "Service"};
  if (key == "certificateRefs" || key == "clientCertificateRef" || key == "secretRef" || key == "secretKeyRef" ||
      ends_with(key, "SecretRef"))
    return {"", "Secret"};
  if (key == "configMapRef" || key == "configMapKeyRef") return {"", "ConfigMap"};
  return {"", kAny};
}

class Walker {
 public:
  explicit Walker(const sdk::Object& object) : self_(object.ref) {}

  void walk(const Value& v) {
    if (const auto* list = v.as_list()) {
      for (const auto& item : *list) walk(item);
      return;
    }
    const auto* map = v.as_map();
    if (!map) return;
    for (const auto& [key, child] : *map) {
      if (child.is_null()) continue;
      if (key == "targetSelectors" || key == "secretSelector") unsure = true;
      if (ends_with(key, "Refs")) {
        if (const auto* list = child.as_list())
          for (const auto& item : *list) reference(key, item);
      } else if (ends_with(key, "Ref")) {
        reference(key, child);
      }
      walk(child);
    }
  }

  void add(sdk::ObjectRef from, sdk::ObjectRef to) { edges.insert({std::move(from), std::move(to)}); }

  std::set<Edge> edges;
  bool unsure = false;

 private:
  void reference(std::string_view key, const Value& ref) {
    const Value* name = ref.find("name");
    if (!name || !name->is_string()) return;
    const Implied implied = implied_kind(key);
    const Value* group = ref.find("group");
    const Value* kind = ref.find("kind");
    const Value* ns = ref.find("namespace");
    sdk::ObjectRef target;
    target.kind = kind && kind->is_string() ? *kind->as_string() : implied.kind;
    const bool any_kind = target.kind == kAny;
    target.group = any_kind ? std::string(1, *kAny) : group && group->is_string() ? *group->as_string() : implied.group;
    target.name = *name->as_string();
    if (!sources::is_cluster_scoped({target.group, target.kind}))
      target.ns = ns && ns->is_string() ? *ns->as_string() : self_.ns;
    if (points_up(key))
      add(self_, std::move(target));
    else
      add(std::move(target), self_);
  }

  const sdk::ObjectRef& self_;
};

}  // namespace

References references_of(const sdk::Object& object) {
  const sdk::ObjectRef& self = object.ref;
  Walker walker(object);
  if (const Value* spec = object.spec()) walker.walk(*spec);
  if (self.group == kGatewayGroup && self.kind == "Gateway") {
    if (const Value* spec = object.spec())
      if (const Value* cls = spec->find("gatewayClassName"); cls && cls->is_string())
        walker.add({kGatewayGroup, "GatewayClass", "", *cls->as_string()}, self);
  }
  if (self.group == "discovery.k8s.io" && self.kind == "EndpointSlice") {
    if (auto it = object.labels.find("kubernetes.io/service-name"); it != object.labels.end())
      walker.add(self, {"", "Service", self.ns, it->second});
  }
  References out;
  out.edges.assign(walker.edges.begin(), walker.edges.end());
  out.unsure = walker.unsure || !(known_kind(self) || attaches_as_policy(object));
  return out;
}

std::vector<sdk::ObjectRef> reference_keys(const sdk::ObjectRef& ref) {
  return {ref, {kAny, kAny, ref.ns, ref.name}, {ref.group, ref.kind, ref.ns, kAny}};
}

}  // namespace kgw::store
