#include "agw/policy_targets.h"

#include <algorithm>

#include "agw/value_access.h"

namespace kgw::agw {
namespace {

const std::vector<std::string> kRouteKinds = {"HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute"};

std::string or_default(const std::string* s, const std::string& fallback) { return s && !s->empty() ? *s : fallback; }

// A backendRef as the object it names: a core Service unless group or kind say otherwise.
sdk::ObjectRef backend_object(const sdk::Value& ref, const std::string& from_ns) {
  const std::string kind = or_default(string_at(&ref, "kind"), "Service");
  const std::string* group = string_at(&ref, "group");
  return {group ? *group : (kind == "Service" ? "" : kAgentgatewayGroup), kind,
          or_default(string_at(&ref, "namespace"), from_ns), or_default(string_at(&ref, "name"), "")};
}

// Every `backendRef` under `v`, wherever a spec nests it.
void collect_backend_refs(const sdk::Value& v, const std::string& from_ns, std::vector<sdk::ObjectRef>& out) {
  if (const auto* m = v.as_map()) {
    for (const auto& [key, child] : *m) {
      if (key == "backendRef" && child.is_map() && string_at(&child, "name"))
        out.push_back(backend_object(child, from_ns));
      else
        collect_backend_refs(child, from_ns, out);
    }
  } else if (const auto* l = v.as_list()) {
    for (const auto& item : *l) collect_backend_refs(item, from_ns, out);
  }
}

bool has_named(const sdk::Value::List& items, const std::string& name) {
  return std::any_of(items.begin(), items.end(), [&](const sdk::Value& item) {
    const std::string* n = string_at(&item, "name");
    return n && *n == name;
  });
}

}  // namespace

PolicyTargets::PolicyTargets(const Inputs& inputs, const GatewaysModel& model,
                             const std::vector<sdk::GroupKind>& policy_kinds)
    : in_(inputs) {
  compute_route_gateways(model);
  compute_reachability(policy_kinds);
}

std::set<sdk::ObjectRef> PolicyTargets::route_gateways(const sdk::Object& route) const {
  auto it = route_gateways_.find(route.ref);
  return it == route_gateways_.end() ? std::set<sdk::ObjectRef>{} : it->second;
}

void PolicyTargets::compute_route_gateways(const GatewaysModel& model) {
  for (const std::string& kind : kRouteKinds)
    for (const sdk::Object* route : in_.of_kind(kind)) route_gateways_[route->ref] = parent_gateways(*route);
  // Routes reached through delegation get the Gateways the route translation sent them to.
  for (const auto& [route, gateway] : model.delegated) route_gateways_[route].insert(gateway);
}

std::set<sdk::ObjectRef> PolicyTargets::parent_gateways(const sdk::Object& route) const {
  std::set<sdk::ObjectRef> out;
  for (const sdk::Value& parent : items(route.spec(), "parentRefs")) {
    const std::string kind = or_default(string_at(&parent, "kind"), "Gateway");
    const std::string ns = or_default(string_at(&parent, "namespace"), route.ref.ns);
    const std::string name = or_default(string_at(&parent, "name"), "");
    if (kind == "Gateway") {
      sdk::ObjectRef gw{kGatewayGroup, "Gateway", ns, name};
      if (in_.is_agentgateway_gateway(gw)) out.insert(gw);
    } else if (kind == "ListenerSet" || kind == "XListenerSet") {
      const sdk::Object* ls = in_.find("*", kind, ns, name);
      const sdk::Value* ref = ls ? field(ls->spec(), "parentRef") : nullptr;
      if (!ref) continue;
      sdk::ObjectRef gw{kGatewayGroup, "Gateway", or_default(string_at(ref, "namespace"), ls->ref.ns),
                        or_default(string_at(ref, "name"), "")};
      if (in_.is_agentgateway_gateway(gw)) out.insert(gw);
    }
  }
  return out;
}

void PolicyTargets::compute_reachability(const std::vector<sdk::GroupKind>& policy_kinds) {
  auto add = [&](const sdk::GroupKind& from, const std::string& from_ns, const sdk::ObjectRef& to,
                 const std::set<sdk::ObjectRef>& gateways) {
    if (gateways.empty() || !in_.permitted(from, from_ns, to)) return false;
    auto& known = backend_gateways_[to];
    const size_t before = known.size();
    known.insert(gateways.begin(), gateways.end());
    return known.size() != before;
  };
  for (const std::string& kind : kRouteKinds)
    for (const sdk::Object* route : in_.of_kind(kind)) {
      const auto gateways = route_gateways(*route);
      for (const sdk::Value& rule : items(route->spec(), "rules")) {
        std::vector<sdk::ObjectRef> refs;
        for (const sdk::Value& ref : items(&rule, "backendRefs")) refs.push_back(backend_object(ref, route->ref.ns));
        collect_backend_refs(rule, route->ref.ns, refs);
        for (const auto& ref : refs) add({route->ref.group, route->ref.kind}, route->ref.ns, ref, gateways);
      }
    }
  // Backends and policies that reach a Gateway pass it on to what they refer to, until nothing
  // changes (chains are short; the bound stops cycles).
  for (int round = 0; round < 16; ++round) {
    bool changed = false;
    for (const sdk::Object* backend : in_.of_kind("AgentgatewayBackend")) {
      const auto gateways = reachable(backend->ref);
      std::vector<sdk::ObjectRef> refs;
      if (const sdk::Value* spec = backend->spec()) collect_backend_refs(*spec, backend->ref.ns, refs);
      for (const auto& ref : refs)
        changed |= add({backend->ref.group, backend->ref.kind}, backend->ref.ns, ref, gateways);
    }
    for (const auto& kind : policy_kinds)
      for (const sdk::Object* policy : in_.of_kind(kind.kind)) {
        if (policy->ref.group != kind.group) continue;
        std::set<sdk::ObjectRef> gateways;
        for (const auto& t : resolve(*policy))
          if (t.attached) gateways.insert(t.gateways.begin(), t.gateways.end());
        std::vector<sdk::ObjectRef> refs;
        for (const char* section : {"traffic", "backend", "frontend"})
          if (const sdk::Value* v = field(policy->spec(), section)) collect_backend_refs(*v, policy->ref.ns, refs);
        for (const auto& ref : refs) changed |= add(kind, policy->ref.ns, ref, gateways);
      }
    if (!changed) break;
  }
}

std::set<sdk::ObjectRef> PolicyTargets::reachable(const sdk::ObjectRef& backend) const {
  auto it = backend_gateways_.find(backend);
  return it == backend_gateways_.end() ? std::set<sdk::ObjectRef>{} : it->second;
}

void PolicyTargets::resolve_ref(const sdk::Object& policy, const std::string& group, const std::string& kind,
                                const std::string& name, const std::string* section, const int64_t* port,
                                std::vector<ResolvedTarget>& out) const {
  const std::string& ns = policy.ref.ns;
  ResolvedTarget r;
  auto& t = r.target.target;
  std::string& key = r.target.key;
  key = ns + "/" + name;
  const std::string what = kind + " " + ns + "/" + name;
  auto attach = [&](const std::set<sdk::ObjectRef>& gateways) {
    r.gateways.assign(gateways.begin(), gateways.end());
    r.attached = !gateways.empty();
    if (!r.attached) r.pending = what + " is not attached to any Gateway";
  };

  if (kind == "Gateway") {
    const sdk::ObjectRef ref{kGatewayGroup, "Gateway", ns, name};
    const sdk::Object* gw = in_.find(kGatewayGroup, "Gateway", ns, name);
    if (gw && !in_.is_agentgateway_gateway(ref)) return;  // another controller's Gateway
    auto* g = t.mutable_gateway();
    g->set_name(name);
    g->set_namespace_(ns);
    if (section) {
      g->set_listener(*section);
      key += "/" + *section;
    }
    if (port) {
      g->set_port(static_cast<uint32_t>(*port));
      key += "/port=" + std::to_string(*port);
    }
    r.gateways.push_back(ref);
    if (!gw)
      r.pending = what + " not found";
    else if (section && !has_named(items(gw->spec(), "listeners"), *section))
      r.pending = "sectionName \"" + *section + "\" not found in " + what;
    else
      r.attached = true;
  } else if (kind == "ListenerSet" || kind == "XListenerSet") {
    auto* l = t.mutable_listener_set();
    l->set_name(name);
    l->set_namespace_(ns);
    if (section) {
      l->set_section(*section);
      key += "/" + *section;
    }
    const sdk::Object* ls = in_.find("*", kind, ns, name);
    if (!ls) {
      r.pending = what + " not found";
    } else {
      const sdk::Value* parent = field(ls->spec(), "parentRef");
      const sdk::ObjectRef gw{kGatewayGroup, "Gateway", or_default(string_at(parent, "namespace"), ns),
                              or_default(string_at(parent, "name"), "")};
      if (!in_.is_agentgateway_gateway(gw)) return;
      r.gateways.push_back(gw);
      if (section && !has_named(items(ls->spec(), "listeners"), *section))
        r.pending = "sectionName \"" + *section + "\" not found in " + what;
      else
        r.attached = true;
    }
  } else if (std::find(kRouteKinds.begin(), kRouteKinds.end(), kind) != kRouteKinds.end()) {
    auto* route = t.mutable_route();
    route->set_name(name);
    route->set_namespace_(ns);
    route->set_kind(kind);
    if (section) {
      route->set_route_rule(*section);
      key += "/" + *section;
    }
    const sdk::Object* obj = in_.find(kGatewayGroup, kind, ns, name);
    if (!obj) {
      r.pending = what + " not found";
    } else {
      attach(route_gateways(*obj));
      if (r.attached && section && !has_named(items(obj->spec(), "rules"), *section)) {
        r.attached = false;
        r.pending = "sectionName \"" + *section + "\" not found in " + what;
      }
    }
  } else if (kind == "Service" && group.empty()) {
    const std::string hostname = in_.service_hostname(ns, name);
    auto* s = t.mutable_service();
    s->set_namespace_(ns);
    s->set_hostname(hostname);
    key = ns + "/" + hostname;
    const sdk::Object* svc = in_.find("", "Service", ns, name);
    // sectionName names a port by name or number.
    std::optional<int64_t> resolved_port;
    bool port_found = true;
    if (port) resolved_port = *port;
    if (section) {
      port_found = false;
      for (const sdk::Value& p : items(svc ? svc->spec() : nullptr, "ports")) {
        const std::string* pname = string_at(&p, "name");
        const sdk::Value* number = field(&p, "port");
        const auto n = number ? number->as_int() : std::nullopt;
        if ((pname && *pname == *section) || (n && std::to_string(*n) == *section)) {
          resolved_port = n;
          port_found = true;
        }
      }
    }
    if (resolved_port) {
      s->set_port(static_cast<uint32_t>(*resolved_port));
      key += "/" + std::to_string(*resolved_port);
    }
    if (!svc)
      r.pending = what + " not found";
    else if (!port_found)
      r.pending = "port " + *section + " not found in " + what;
    else
      attach(reachable({"", "Service", ns, name}));
  } else if (kind == "AgentgatewayBackend") {
    auto* b = t.mutable_backend();
    b->set_name(name);
    b->set_namespace_(ns);
    if (section) {
      b->set_section(*section);
      key += "/" + *section;
    }
    const sdk::ObjectRef ref{kAgentgatewayGroup, kind, ns, name};
    if (!in_.find(kAgentgatewayGroup, kind, ns, name))
      r.pending = what + " not found";
    else
      attach(reachable(ref));
  } else if (kind == "InferencePool" && group == kInferenceGroup) {
    const std::string hostname = name + "." + ns + ".inference." + in_.cluster_domain();
    auto* s = t.mutable_service();
    s->set_namespace_(ns);
    s->set_hostname(hostname);
    key = ns + "/" + hostname;
    if (!in_.find(kInferenceGroup, kind, ns, name))
      r.pending = what + " not found";
    else
      attach(reachable({kInferenceGroup, kind, ns, name}));
  } else {
    r.target.key.clear();
    r.pending = "unsupported target kind " + (group.empty() ? kind : kind + "." + group);
  }
  out.push_back(std::move(r));
}

std::vector<ResolvedTarget> PolicyTargets::resolve(const sdk::Object& policy) const {
  std::vector<ResolvedTarget> out;
  const sdk::Value* spec = policy.spec();
  for (const sdk::Value& ref : items(spec, "targetRefs")) {
    const sdk::Value* port = field(&ref, "port");
    const auto port_number = port ? port->as_int() : std::nullopt;
    resolve_ref(policy, or_default(string_at(&ref, "group"), ""), or_default(string_at(&ref, "kind"), ""),
                or_default(string_at(&ref, "name"), ""), string_at(&ref, "sectionName"),
                port_number ? &*port_number : nullptr, out);
  }
  for (const sdk::Value& selector : items(spec, "targetSelectors")) {
    const std::string group = or_default(string_at(&selector, "group"), "");
    const std::string kind = or_default(string_at(&selector, "kind"), "");
    std::map<std::string, std::string> labels;
    if (const sdk::Value* match = field(&selector, "matchLabels"); match && match->as_map())
      for (const auto& [k, v] : *match->as_map())
        if (const std::string* s = v.as_string()) labels[k] = *s;
    const auto matched = in_.select({group, kind}, policy.ref.ns, labels);
    if (matched.empty()) {
      ResolvedTarget r;
      r.pending = "no " + kind + " matching selector found in namespace " + policy.ref.ns;
      out.push_back(std::move(r));
      continue;
    }
    const sdk::Value* port = field(&selector, "port");
    const auto port_number = port ? port->as_int() : std::nullopt;
    for (const sdk::Object* o : matched)
      resolve_ref(policy, group, kind, o->ref.name, string_at(&selector, "sectionName"),
                  port_number ? &*port_number : nullptr, out);
  }
  // One target per key; reasons without a key (selectors that match nothing) stay.
  std::vector<ResolvedTarget> unique;
  std::set<std::string> seen;
  for (auto& r : out)
    if (r.target.key.empty() || seen.insert(r.target.key).second) unique.push_back(std::move(r));
  return unique;
}

}  // namespace kgw::agw
