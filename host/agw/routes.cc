#include "agw/routes.h"

#include <algorithm>
#include <optional>
#include <set>

#include "agw/listeners.h"
#include "agw/route_filters.h"
#include "agw/status.h"
#include "agw/value_access.h"
#include "translator/route_precedence.h"

namespace kgw::agw {
namespace {

namespace res = ::agentgateway::dev::resource;

const std::vector<std::string> kRouteKinds = {"HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute"};

bool is_tcp_kind(const std::string& kind) { return kind == "TCPRoute" || kind == "TLSRoute"; }

// A rule's index in route keys: at least two digits.
std::string two_digits(size_t i) { return (i < 10 ? "0" : "") + std::to_string(i); }

// A backendRef of `route` as a route backend; `problem` becomes the last reference problem.
res::RouteBackend route_backend(const Inputs& inputs, const sdk::Object& route, const sdk::Value& ref,
                                std::optional<Problem>& problem) {
  res::RouteBackend out;
  out.set_weight(static_cast<int32_t>(integer(&ref, "weight").value_or(1)));
  const std::string group = str(&ref, "group"), kind = str(&ref, "kind", "Service");
  const std::string name = str(&ref, "name"), ns = str(&ref, "namespace", route.ref.ns);
  const std::optional<int64_t> port = integer(&ref, "port");
  auto not_permitted = [&] {
    if (inputs.permitted({route.ref.group, route.ref.kind}, route.ref.ns, {group, kind, ns, name})) return false;
    problem = Problem{"RefNotPermitted", "backendRef " + ns + "/" + name + " not accessible to a " + route.ref.kind +
                                             " in namespace \"" + route.ref.ns + "\" (missing a ReferenceGrant?)"};
    return true;
  };
  if (group.empty() && kind == "Service") {
    if (not_permitted()) return out;
    const std::string hostname = inputs.service_hostname(ns, name);
    res::BackendReference* b = out.mutable_backend();
    b->mutable_service()->set_hostname(hostname);
    b->mutable_service()->set_namespace_(ns);
    if (port) b->set_port(static_cast<uint32_t>(*port));
    if (!inputs.find("", "Service", ns, name))
      problem = Problem{"BackendNotFound", "backend(" + hostname + ") not found"};
  } else if (group == kAgentgatewayGroup && kind == "AgentgatewayBackend") {
    if (not_permitted()) return out;
    out.mutable_backend()->set_backend(ns + "/" + name);
    if (!inputs.find(group, kind, ns, name))
      problem = Problem{"BackendNotFound", "backend(" + ns + "/" + name + ") not found"};
  } else if (group == kInferenceGroup && kind == "InferencePool") {
    if (not_permitted()) return out;
    const sdk::Object* pool = inputs.find(group, kind, ns, name);
    const std::string hostname = name + "." + ns + ".inference." + inputs.cluster_domain();
    res::BackendReference* b = out.mutable_backend();
    b->mutable_service()->set_hostname(hostname);
    b->mutable_service()->set_namespace_(ns);
    // A pool serves on its first target port.
    const auto& ports = items(pool ? pool->spec() : nullptr, "targetPorts");
    if (!ports.empty()) b->set_port(static_cast<uint32_t>(integer(&ports.front(), "number").value_or(0)));
    if (!pool) problem = Problem{"BackendNotFound", "backend(" + hostname + ") not found"};
  } else if (group == kAgentgatewayGroup && kind == "AgentgatewayModel" && route.ref.kind == "HTTPRoute") {
    // Models are served by model routes on the route's listeners, not as a backend.
  } else if (group == kGatewayGroup && kind == "HTTPRoute" && route.ref.kind == "HTTPRoute") {
    out.set_route_group_key(route.ref.ns + "/" + route.ref.name + "/" + ns + "/" + name);
  } else {
    out.mutable_backend();
    problem =
        Problem{"InvalidKind", "referencing unsupported backendRef: group \"" + group + "\" kind \"" + kind + "\""};
  }
  return out;
}

std::vector<res::RouteMatch> http_matches(const sdk::Value& rule) {
  std::vector<res::RouteMatch> out;
  for (const auto& m : items(&rule, "matches")) {
    res::RouteMatch match;
    if (const sdk::Value* path = field(&m, "path")) {
      const std::string type = str(path, "type", "PathPrefix"), value = str(path, "value", "/");
      if (type == "Exact")
        match.mutable_path()->set_exact(value);
      else if (type == "RegularExpression")
        match.mutable_path()->set_regex(value);
      else
        match.mutable_path()->set_path_prefix(value);
    }
    for (const auto& h : items(&m, "headers")) {
      res::HeaderMatch* header = match.add_headers();
      header->set_name(str(&h, "name"));
      if (str(&h, "type", "Exact") == "RegularExpression")
        header->set_regex(str(&h, "value"));
      else
        header->set_exact(str(&h, "value"));
    }
    for (const auto& q : items(&m, "queryParams")) {
      res::QueryMatch* query = match.add_query_params();
      query->set_name(str(&q, "name"));
      if (str(&q, "type", "Exact") == "RegularExpression")
        query->set_regex(str(&q, "value"));
      else
        query->set_exact(str(&q, "value"));
    }
    if (auto method = opt_str(&m, "method")) match.mutable_method()->set_exact(*method);
    out.push_back(std::move(match));
  }
  return out;
}

// gRPC method matches become path matches on `/<service>/<method>`.
std::vector<res::RouteMatch> grpc_matches(const sdk::Value& rule) {
  std::vector<res::RouteMatch> out;
  for (const auto& m : items(&rule, "matches")) {
    res::RouteMatch match;
    if (const sdk::Value* method = field(&m, "method")) {
      const std::string service = str(method, "service"), name = str(method, "method");
      if (str(method, "type", "Exact") == "RegularExpression")
        match.mutable_path()->set_regex("/" + (service.empty() ? std::string("[^/]+") : service) + "/" +
                                        (name.empty() ? std::string("[^/]+") : name));
      else if (!service.empty() && !name.empty())
        match.mutable_path()->set_exact("/" + service + "/" + name);
      else if (!service.empty())
        match.mutable_path()->set_path_prefix("/" + service + "/");
      else if (!name.empty())
        match.mutable_path()->set_regex("/[^/]+/" + name);
    }
    for (const auto& h : items(&m, "headers")) {
      res::HeaderMatch* header = match.add_headers();
      header->set_name(str(&h, "name"));
      if (str(&h, "type", "Exact") == "RegularExpression")
        header->set_regex(str(&h, "value"));
      else
        header->set_exact(str(&h, "value"));
    }
    out.push_back(std::move(match));
  }
  return out;
}

std::vector<std::string> route_hostnames(const sdk::Object& route) {
  std::vector<std::string> out;
  for (const auto& h : items(route.spec(), "hostnames"))
    if (const std::string* s = h.as_string()) out.push_back(*s);
  return out;
}

// Where one route's rules go: a listener (key and route key suffix) or a route group.
struct Placement {
  std::string listener_key;
  std::optional<std::string> route_group_key;
  std::string key_suffix;
  std::vector<std::string> hostnames;
};

class RouteEmitter {
 public:
  RouteEmitter(const Inputs& inputs, GatewaysModel& model, Output& output)
      : inputs_(inputs), model_(model), output_(output) {}

  // The rules of `route` placed per `where` on `gateway`; with route groups reached from them.
  void emit(const sdk::Object& route, const sdk::ObjectRef& gateway, const Placement& where) {
    const std::string& kind = route.ref.kind;
    const auto& rules = items(route.spec(), "rules");
    for (size_t i = 0; i < rules.size(); ++i) {
      const sdk::Value& rule = rules[i];
      const std::string key = route.ref.ns + "/" + route.ref.name + "." + two_digits(i) + "." +
                              (kind == "GRPCRoute" && !where.route_group_key ? "grpc." : "") + where.key_suffix;
      if (!emitted_.insert({gateway.ns + "/" + gateway.name, key}).second) continue;
      res::RouteName name;
      name.set_kind(kind);
      name.set_name(route.ref.name);
      name.set_namespace_(route.ref.ns);
      if (auto rule_name = opt_str(&rule, "name")) name.set_rule_name(*rule_name);
      std::optional<Problem> ignored;
      res::Resource r;
      if (is_tcp_kind(kind)) {
        res::TCPRoute* t = r.mutable_tcp_route();
        t->set_key(key);
        t->set_listener_key(where.listener_key);
        *t->mutable_name() = name;
        for (const auto& h : where.hostnames) t->add_hostnames(h);
        for (const auto& ref : items(&rule, "backendRefs"))
          *t->add_backends() = route_backend(inputs_, route, ref, ignored);
      } else {
        res::Route* rt = r.mutable_route();
        rt->set_key(key);
        if (where.route_group_key)
          rt->set_route_group_key(*where.route_group_key);
        else
          rt->set_listener_key(where.listener_key);
        *rt->mutable_name() = name;
        for (const auto& h : where.hostnames) rt->add_hostnames(h);
        for (auto& m : kind == "GRPCRoute" ? grpc_matches(rule) : http_matches(rule)) *rt->add_matches() = std::move(m);
        for (const auto& ref : items(&rule, "backendRefs"))
          *rt->add_backends() = route_backend(inputs_, route, ref, ignored);
        add_rule_policies(inputs_, route, rule, *rt);
      }
      output_.resources.push_back({gateway, std::move(r)});
    }
    if (kind == "HTTPRoute") emit_groups(route, gateway);
  }

 private:
  void emit_groups(const sdk::Object& parent, const sdk::ObjectRef& gateway) {
    for (const RouteGroup& group : route_groups(inputs_, parent)) {
      // A group is emitted once per Gateway, which also ends delegation cycles.
      if (!groups_.insert({gateway.ns + "/" + gateway.name, group.key}).second) continue;
      for (const sdk::Object* child : group.children) {
        if (std::find(model_.delegated.begin(), model_.delegated.end(), std::pair(child->ref, gateway)) ==
            model_.delegated.end())
          model_.delegated.emplace_back(child->ref, gateway);
        emit(*child, gateway, Placement{"", group.key, group.key_suffix, {}});
      }
    }
  }

  const Inputs& inputs_;
  GatewaysModel& model_;
  Output& output_;
  std::set<std::pair<std::string, std::string>> emitted_, groups_;
};

sdk::Value parent_ref_value(const std::string& group, const std::string& kind, const std::string& ns,
                            const std::string& name, const sdk::Value& ref) {
  sdk::Value v;
  v.set("group", group);
  v.set("kind", kind);
  v.set("name", name);
  v.set("namespace", ns);
  if (auto section = opt_str(&ref, "sectionName")) v.set("sectionName", *section);
  if (auto port = integer(&ref, "port")) v.set("port", *port);
  return v;
}

// The listeners a parentRef names: a Gateway's own, or an allowed ListenerSet's.
std::vector<ListenerModel*> parent_listeners(GatewaysModel& model, const std::string& kind, const std::string& ns,
                                             const std::string& name, sdk::ObjectRef& gateway) {
  std::vector<ListenerModel*> out;
  for (auto& g : model.gateways) {
    if (kind == "Gateway" && g.gateway->ref.ns == ns && g.gateway->ref.name == name) {
      gateway = g.gateway->ref;
      for (auto& l : g.listeners) out.push_back(&l);
      return out;
    }
    if (kind == "ListenerSet")
      for (auto& s : g.listener_sets)
        if (s.accepted && s.listener_set->ref.ns == ns && s.listener_set->ref.name == name) {
          gateway = g.gateway->ref;
          for (auto& l : s.listeners) out.push_back(&l);
          return out;
        }
  }
  return out;
}

bool delegates_to(const Inputs& inputs, const sdk::Object& parent, const sdk::Object& child) {
  for (const RouteGroup& g : route_groups(inputs, parent))
    for (const sdk::Object* c : g.children)
      if (c == &child) return true;
  return false;
}

}  // namespace

std::vector<RouteGroup> route_groups(const Inputs& inputs, const sdk::Object& parent) {
  std::vector<RouteGroup> out;
  for (const auto& rule : items(parent.spec(), "rules"))
    for (const auto& ref : items(&rule, "backendRefs")) {
      if (str(&ref, "group") != kGatewayGroup || str(&ref, "kind") != "HTTPRoute") continue;
      const std::string ns = str(&ref, "namespace", parent.ref.ns), name = str(&ref, "name");
      RouteGroup group;
      group.key = parent.ref.ns + "/" + parent.ref.name + "/" + ns + "/" + name;
      group.key_suffix = "routegroup." + parent.ref.ns + "." + parent.ref.name + "." + ns + "." +
                         (name == "*" ? std::string("wildcard") : name);
      for (const sdk::Object* child : inputs.of_kind("HTTPRoute")) {
        if (child == &parent || child->ref.group != kGatewayGroup || child->ref.ns != ns) continue;
        if (name != "*" && child->ref.name != name) continue;
        bool has_route_parents = false, names_parent = false;
        for (const auto& p : items(child->spec(), "parentRefs")) {
          if (str(&p, "group", kGatewayGroup) != kGatewayGroup || str(&p, "kind", "Gateway") != "HTTPRoute") continue;
          has_route_parents = true;
          if (str(&p, "name") == parent.ref.name && str(&p, "namespace", child->ref.ns) == parent.ref.ns)
            names_parent = true;
        }
        const bool member = has_route_parents
                                ? names_parent
                                : inputs.permitted({kGatewayGroup, "HTTPRoute"}, parent.ref.ns, child->ref);
        if (member) group.children.push_back(child);
      }
      out.push_back(std::move(group));
    }
  return out;
}

std::vector<const sdk::Object*> delegating_parents(const Inputs& inputs, const sdk::Object& child) {
  std::vector<const sdk::Object*> out;
  if (child.ref.kind != "HTTPRoute") return out;
  for (const sdk::Object* parent : inputs.of_kind("HTTPRoute"))
    if (parent->ref.group == kGatewayGroup && parent != &child && delegates_to(inputs, *parent, child))
      out.push_back(parent);
  return out;
}

void translate_routes(const Inputs& inputs, GatewaysModel& model, Output& output) {
  RouteEmitter emitter(inputs, model, output);
  for (const std::string& kind : kRouteKinds)
    for (const sdk::Object* route : inputs.of_kind(kind)) {
      if (route->ref.group != kGatewayGroup) continue;
      // References are resolved once per route: every parent reports the same ResolvedRefs.
      std::optional<Problem> refs;
      bool serves_models = false;
      for (const auto& rule : items(route->spec(), "rules"))
        for (const auto& ref : items(&rule, "backendRefs")) {
          route_backend(inputs, *route, ref, refs);
          if (str(&ref, "group") == kAgentgatewayGroup && str(&ref, "kind") == "AgentgatewayModel")
            serves_models = true;
        }
      if (!is_tcp_kind(kind))
        for (const auto& rule : items(route->spec(), "rules")) {
          res::Route scratch;
          // A mirror the route may not refer to is a reference problem like a backend's.
          for (const auto& message : add_rule_policies(inputs, *route, rule, scratch))
            if (message.find("not accessible") != std::string::npos) refs = Problem{"RefNotPermitted", message};
        }

      sdk::Value::List parents;
      for (const auto& ref : items(route->spec(), "parentRefs")) {
        const std::string group = str(&ref, "group", kGatewayGroup), parent_kind = str(&ref, "kind", "Gateway");
        const std::string ns = str(&ref, "namespace", route->ref.ns), name = str(&ref, "name");
        if (group != kGatewayGroup) continue;
        sdk::Value parent_ref = parent_ref_value(group, parent_kind, ns, name, ref);
        if (parent_kind == "HTTPRoute") {
          if (kind != "HTTPRoute") continue;
          const sdk::Object* parent = inputs.find(kGatewayGroup, "HTTPRoute", ns, name);
          if (parent && delegates_to(inputs, *parent, *route))
            parents.push_back(parent_status(std::move(parent_ref), condition("Accepted", true, "Accepted", ""), refs));
          else
            parents.push_back(parent_status(
                std::move(parent_ref),
                condition("Accepted", false, "NoMatchingParent", "Parent HTTPRoute does not delegate to this route"),
                refs));
          continue;
        }
        sdk::ObjectRef gateway;
        std::vector<ListenerModel*> candidates = parent_listeners(model, parent_kind, ns, name, gateway);
        if (gateway.name.empty()) continue;  // not an agentgateway parent
        const auto section = opt_str(&ref, "sectionName");
        const auto port = integer(&ref, "port");
        std::optional<Problem> refusal;
        std::vector<std::pair<ListenerModel*, std::vector<std::string>>> accepted;
        for (ListenerModel* l : candidates) {
          if ((section && l->name != *section) || (port && l->port != *port) || !l->usable()) continue;
          bool kind_ok = false;
          for (const auto& k : l->supported_kinds) kind_ok = kind_ok || (k.group == kGatewayGroup && k.kind == kind);
          if (!kind_ok) {
            if (!refusal)
              refusal =
                  Problem{"NotAllowedByListeners", "kind " + route->api_version + ", Kind=" + kind + " is not allowed"};
            continue;
          }
          const std::string owner_ns = l->listener_set ? l->listener_set->ns : l->gateway.ns;
          if (!namespace_allowed(inputs, field(l->allowed_routes, "namespaces"), owner_ns, route->ref.ns, "Same")) {
            refusal = Problem{"NotAllowedByListeners", "route namespace \"" + route->ref.ns +
                                                           "\" is not allowed by the listener's allowedRoutes"};
            continue;
          }
          std::vector<std::string> hostnames;
          if (kind != "TCPRoute") {
            hostnames = translator::effective_hostnames(l->hostname, route_hostnames(*route));
            if (hostnames.empty()) {
              refusal = Problem{"NoMatchingListenerHostname",
                                "no hostnames matched parent hostname \"" + l->hostname.value_or("") + "\""};
              continue;
            }
            if (hostnames.size() == 1 && hostnames.front() == "*") hostnames.clear();
          }
          accepted.emplace_back(l, std::move(hostnames));
        }
        const bool attached = !accepted.empty();
        // A root model-serving route cannot share a listener with directly attached models.
        std::optional<Problem> parent_refs = refs;
        std::string conflicts;
        if (serves_models)
          for (const auto& [l, hostnames] : accepted)
            if (model.model_listeners.contains(l->key)) conflicts += (conflicts.empty() ? "" : ", ") + l->key;
        if (!conflicts.empty())
          parent_refs = Problem{
              "ModelRoutingConflict",
              "root model-serving HTTPRoute conflicts with directly attached models on listeners: " + conflicts};
        for (auto& [l, hostnames] : accepted) {
          ++l->attached_routes;
          model.attachments.push_back({route->ref, gateway, l->key});
          if (conflicts.empty())
            emitter.emit(*route, gateway, Placement{l->key, std::nullopt, l->route_key_suffix, hostnames});
        }
        if (attached)
          parents.push_back(
              parent_status(std::move(parent_ref), condition("Accepted", true, "Accepted", ""), parent_refs));
        else if (refusal)
          parents.push_back(parent_status(std::move(parent_ref),
                                          condition("Accepted", false, refusal->reason, refusal->message), refs));
        else
          parents.push_back(parent_status(
              std::move(parent_ref), condition("Accepted", false, "NoMatchingParent", "no matching listener"), refs));
      }
      sdk::Value status;
      status.set("parents", sdk::Value(std::move(parents)));
      output.statuses.push_back({route->ref, route->api_version, std::move(status)});
    }
}

}  // namespace kgw::agw
