#include "agw/listeners.h"

#include <algorithm>
#include <set>

#include "agw/status.h"
#include "agw/value_access.h"

namespace kgw::agw {
namespace {

namespace res = ::agentgateway::dev::resource;

constexpr const char* kInternalPorts = "agentgateway.dev/internal-ports";
constexpr const char* kCertificateSource = "agentgateway.dev/tls-certificate-source";
constexpr const char* kIstioTerminateMode = "gateway.istio.io/tls-terminate-mode";
constexpr const char* kNoErrors = "No errors found";
constexpr const char* kConflict = "Listener conflicts with another listener on the same port";
// What a listener whose certificate cannot be loaded serves, so it fails TLS handshakes.
constexpr const char* kInvalidCert = "invalid";

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// A listener's problem with its references, if any.
struct RefProblem {
  std::string reason, message;
};

struct TlsResult {
  std::optional<res::TLSConfig> tls;
  std::optional<RefProblem> problem;
};

// The TLS a terminating listener serves: its first certificateRef's Secret, the certificate
// source option, or the invalid certificate when the reference does not resolve.
TlsResult listener_tls(const Inputs& inputs, const sdk::Object& owner, const sdk::Value* listener,
                       const std::string& protocol) {
  TlsResult out;
  const sdk::Value* tls = field(listener, "tls");
  if (protocol != "HTTPS" && !(protocol == "TLS" && tls && str(tls, "mode", "Terminate") == "Terminate" &&
                               !items(tls, "certificateRefs").empty()))
    return out;
  const sdk::Value* options = field(tls, "options");
  const std::string source = str(options, kCertificateSource);
  res::TLSConfig config;
  if (source == "SPIFFE" && str(options, kIstioTerminateMode) == "ISTIO_MUTUAL") {
    out.problem = RefProblem{"InvalidCertificateRef",
                             "TLS certificate source SPIFFE cannot be combined with the ISTIO_MUTUAL termination mode"};
  } else if (const auto& refs = items(tls, "certificateRefs"); !refs.empty()) {
    const sdk::Value& ref = refs.front();
    const std::string written_ns = str(&ref, "namespace");
    const std::string ns = written_ns.empty() ? owner.ref.ns : written_ns;
    const std::string name = str(&ref, "name");
    if (!inputs.permitted({owner.ref.group, owner.ref.kind}, owner.ref.ns, {"", "Secret", ns, name})) {
      out.problem = RefProblem{"RefNotPermitted", "certificateRef " + name + "/" + ns +
                                                      " not accessible to a Gateway in namespace \"" + owner.ref.ns +
                                                      "\" (missing a ReferenceGrant?)"};
    } else if (auto secret = inputs.secret(ns, name); !secret) {
      out.problem = RefProblem{"InvalidCertificateRef", "invalid certificate reference " + str(&ref, "group") + "/" +
                                                            str(&ref, "kind", "Secret") + "/" + name + "." +
                                                            written_ns + ", secret not found"};
    } else {
      auto get = [&](const char* key) {
        auto it = secret->data.find(key);
        return it == secret->data.end() ? std::string() : it->second;
      };
      config.set_cert(get("tls.crt"));
      config.set_private_key(get("tls.key"));
    }
  }
  if (out.problem) {
    config.Clear();
    config.set_cert(kInvalidCert);
    config.set_private_key(kInvalidCert);
  } else if (!source.empty()) {
    res::TLSConfig::CertificateSource value;
    if (res::TLSConfig::CertificateSource_Parse(source, &value)) config.set_certificate_source(value);
  }
  out.tls = std::move(config);
  return out;
}

// The Gateway's backend client certificate problem, if its reference does not resolve.
std::optional<RefProblem> backend_client_certificate(const Inputs& inputs, const sdk::Object& gateway) {
  const sdk::Value* ref = field(field(field(gateway.spec(), "tls"), "backend"), "clientCertificateRef");
  if (!ref) return std::nullopt;
  const std::string written_ns = str(ref, "namespace");
  const std::string ns = written_ns.empty() ? gateway.ref.ns : written_ns;
  const std::string name = str(ref, "name");
  if (!inputs.permitted({gateway.ref.group, gateway.ref.kind}, gateway.ref.ns, {"", "Secret", ns, name}))
    return RefProblem{"RefNotPermitted", "clientCertificateRef " + name + "/" + ns +
                                             " not accessible to a Gateway in namespace \"" + gateway.ref.ns +
                                             "\" (missing a ReferenceGrant?)"};
  if (!inputs.secret(ns, name))
    return RefProblem{"InvalidClientCertificateRef", "invalid certificate reference " + str(ref, "group") + "/" +
                                                         str(ref, "kind", "Secret") + "/" + name + "." + written_ns +
                                                         ", secret not found"};
  return std::nullopt;
}

sdk::Value kinds_value(const std::vector<sdk::GroupKind>& kinds) {
  sdk::Value::List list;
  for (const auto& k : kinds) {
    sdk::Value v;
    v.set("group", k.group);
    v.set("kind", k.kind);
    list.push_back(std::move(v));
  }
  return sdk::Value(std::move(list));
}

// The `agentgateway.dev/internal-ports` of an owner: ports bound only inside the proxy. A port
// no listener of the owner defines makes the annotation invalid.
struct InternalPorts {
  std::set<int64_t> ports;
  std::optional<std::string> error;
};

InternalPorts internal_ports(const sdk::Object& owner) {
  InternalPorts out;
  auto it = owner.annotations.find(kInternalPorts);
  if (it == owner.annotations.end()) return out;
  std::set<int64_t> defined;
  for (const auto& l : items(owner.spec(), "listeners"))
    if (auto p = integer(&l, "port")) defined.insert(*p);
  std::string_view rest = it->second;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string item(trim(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item.empty()) continue;
    int64_t port = 0;
    try {
      port = std::stoll(item);
    } catch (...) {
      out.error = "invalid " + std::string(kInternalPorts) + " annotation: " + item + " is not a port";
      return out;
    }
    if (!defined.contains(port)) {
      out.error = "invalid " + std::string(kInternalPorts) + " annotation: port " + item +
                  " is not defined by any listener on this resource";
      return out;
    }
    out.ports.insert(port);
  }
  return out;
}

struct BuiltListener {
  ListenerModel model;
  res::Listener resource;
  bool valid = true;    // no reference problem
  std::string problem;  // for the Gateway's Accepted message
};

BuiltListener build_listener(const Inputs& inputs, const sdk::Object& gateway, const sdk::Object& owner,
                             const sdk::Value& spec, const std::optional<RefProblem>& gateway_problem) {
  BuiltListener b;
  ListenerModel& m = b.model;
  m.gateway = gateway.ref;
  if (&owner != &gateway) m.listener_set = owner.ref;
  m.name = str(&spec, "name");
  m.protocol = str(&spec, "protocol");
  m.port = integer(&spec, "port").value_or(0);
  m.hostname = opt_str(&spec, "hostname");
  m.allowed_routes = field(&spec, "allowedRoutes");
  m.supported_kinds = supported_kinds(m.protocol, m.allowed_routes);
  m.key = owner.ref.ns + "/" + owner.ref.name + "." + m.name;
  m.bind_key = std::to_string(m.port) + "/" + gateway.ref.ns + "/" + gateway.ref.name;
  m.route_key_suffix = m.listener_set ? owner.ref.ns + "." + owner.ref.name + "." + m.name : m.name;

  res::Listener& l = b.resource;
  l.set_key(m.key);
  l.set_bind_key(m.bind_key);
  l.mutable_name()->set_gateway_name(gateway.ref.name);
  l.mutable_name()->set_gateway_namespace(gateway.ref.ns);
  l.mutable_name()->set_listener_name(m.name);
  if (m.listener_set) {
    l.mutable_name()->mutable_listener_set()->set_name(owner.ref.name);
    l.mutable_name()->mutable_listener_set()->set_namespace_(owner.ref.ns);
  }
  if (m.hostname) l.set_hostname(*m.hostname);
  res::Protocol protocol = res::UNKNOWN;
  const bool protocol_known = res::Protocol_Parse(m.protocol, &protocol) && protocol != res::UNKNOWN;
  if (protocol_known) l.set_protocol(protocol);
  TlsResult tls = listener_tls(inputs, owner, &spec, m.protocol);
  if (tls.tls) *l.mutable_tls() = std::move(*tls.tls);

  std::optional<RefProblem> problem = tls.problem ? tls.problem : gateway_problem;
  // Kinds the listener's protocol cannot serve make the allowed kinds an unresolved reference.
  if (!problem)
    for (const auto& wanted : items(m.allowed_routes, "kinds")) {
      const std::string group = str(&wanted, "group", kGatewayGroup), kind = str(&wanted, "kind");
      bool known = false;
      for (const auto& k : m.supported_kinds) known = known || (k.group == group && k.kind == kind);
      if (!known) {
        problem = RefProblem{"InvalidRouteKinds",
                             "route kind " + group + "/" + kind + " is not supported by protocol " + m.protocol};
        break;
      }
    }
  const bool tls_invalid = tls.problem.has_value();
  m.unsupported = !protocol_known;
  b.valid = !problem.has_value() && !m.unsupported;
  sdk::Value::List conditions;
  if (m.unsupported)
    conditions.push_back(
        condition("Accepted", false, "UnsupportedProtocol", "protocol \"" + m.protocol + "\" is unsupported"));
  else if (problem && m.listener_set)
    conditions.push_back(condition("Accepted", false, "ListenersNotValid", problem->message));
  else
    conditions.push_back(condition("Accepted", true, "Accepted", kNoErrors));
  conditions.push_back(condition("Conflicted", false, "NoConflicts", kNoErrors));
  if (tls_invalid) {
    conditions.push_back(condition("Programmed", false, "Invalid", "Bad TLS configuration"));
    b.problem = "Bad TLS configuration";
  } else if (m.unsupported) {
    conditions.push_back(condition("Programmed", false, "Invalid", "Unsupported protocol"));
    b.problem = "Unsupported protocol";
  } else {
    conditions.push_back(condition("Programmed", true, "Programmed", kNoErrors));
  }
  if (problem)
    conditions.push_back(condition("ResolvedRefs", false, problem->reason, problem->message));
  else
    conditions.push_back(condition("ResolvedRefs", true, "ResolvedRefs", kNoErrors));
  m.status.set("name", m.name);
  m.status.set("conditions", sdk::Value(std::move(conditions)));
  m.status.set("supportedKinds", kinds_value(m.supported_kinds));
  return b;
}

// The ListenerSets whose parentRef is `gateway`.
std::vector<const sdk::Object*> listener_sets_of(const Inputs& inputs, const sdk::Object& gateway) {
  std::vector<const sdk::Object*> out;
  for (const sdk::Object* ls : inputs.of_kind("ListenerSet")) {
    const sdk::Value* parent = field(ls->spec(), "parentRef");
    if (!parent) continue;
    if (str(parent, "group", kGatewayGroup) != kGatewayGroup || str(parent, "kind", "Gateway") != "Gateway") continue;
    if (str(parent, "name") != gateway.ref.name || str(parent, "namespace", ls->ref.ns) != gateway.ref.ns) continue;
    out.push_back(ls);
  }
  return out;
}

// Listeners sharing a port must agree on the protocol family, and then on distinct hostnames
// (TLS ones are told apart by SNI, HTTP ones by Host): in order, the Gateway's own listeners
// first, a later listener that does not conflicts.
void mark_conflicts(const std::vector<ListenerModel*>& ordered) {
  struct Port {
    std::string family;
    std::set<std::string> hostnames;
  };
  std::map<int64_t, Port> ports;
  for (ListenerModel* l : ordered) {
    if (l->unsupported) continue;
    const std::string family = l->protocol == "HTTPS" || l->protocol == "TLS" ? "TLS" : l->protocol;
    auto [it, fresh] = ports.try_emplace(l->port, Port{family, {}});
    std::string reason;
    if (!fresh && it->second.family != family)
      reason = "ProtocolConflict";
    else if (!it->second.hostnames.insert(l->hostname.value_or("")).second)
      reason = "HostnameConflict";
    if (reason.empty()) continue;
    l->conflicted = true;
    sdk::Value::List conditions;
    if (const sdk::Value* old = l->status.find("conditions"); old && old->as_list())
      for (const auto& c : *old->as_list()) {
        const std::string type = str(&c, "type");
        if (type == "Conflicted")
          conditions.push_back(condition("Conflicted", true, reason, kConflict));
        else if (type == "Programmed")
          conditions.push_back(condition("Programmed", false, "Invalid", kConflict));
        else
          conditions.push_back(c);
      }
    l->status.set("conditions", sdk::Value(std::move(conditions)));
  }
}

void add_resource(Output& output, const sdk::ObjectRef& gateway, res::Resource resource) {
  output.resources.push_back({gateway, std::move(resource)});
}

}  // namespace

bool namespace_allowed(const Inputs& inputs, const sdk::Value* namespaces, const std::string& owner_ns,
                       const std::string& ns, const char* fallback) {
  const std::string from = str(namespaces, "from", fallback);
  if (from == "All") return true;
  if (from == "Same") return ns == owner_ns;
  if (from == "Selector") {
    const sdk::Object* n = inputs.find("", "Namespace", "", ns);
    const sdk::Value* selector = field(namespaces, "selector");
    if (!n || !selector) return false;
    if (const sdk::Value* labels = field(selector, "matchLabels"); labels && labels->as_map())
      for (const auto& [k, v] : *labels->as_map()) {
        auto it = n->labels.find(k);
        if (it == n->labels.end() || !v.as_string() || it->second != *v.as_string()) return false;
      }
    return true;
  }
  return false;
}

std::vector<sdk::GroupKind> supported_kinds(const std::string& protocol, const sdk::Value* allowed_routes) {
  std::vector<sdk::GroupKind> all, defaults;
  if (protocol == "HTTP" || protocol == "HTTPS") {
    defaults = {{kGatewayGroup, "HTTPRoute"}, {kGatewayGroup, "GRPCRoute"}};
    all = defaults;
    all.push_back({kAgentgatewayGroup, "AgentgatewayModel"});
  } else if (protocol == "TCP") {
    defaults = all = {{kGatewayGroup, "TCPRoute"}};
  } else if (protocol == "TLS") {
    defaults = all = {{kGatewayGroup, "TLSRoute"}};
  }
  const auto& wanted = items(allowed_routes, "kinds");
  if (wanted.empty()) return defaults;
  std::vector<sdk::GroupKind> out;
  for (const auto& k : all)
    for (const auto& w : wanted)
      if (str(&w, "group", kGatewayGroup) == k.group && str(&w, "kind") == k.kind) {
        out.push_back(k);
        break;
      }
  return out;
}

GatewaysModel translate_listeners(const Inputs& inputs, Output& output) {
  GatewaysModel model;
  for (const sdk::Object* gateway : inputs.gateways()) {
    GatewayModel g;
    g.gateway = gateway;
    const std::optional<RefProblem> client_cert = backend_client_certificate(inputs, *gateway);
    // Binds per port: the protocol and mode each port's listeners ask for.
    struct BindInfo {
      bool tls = false, tcp = false, hbone = false, internal = false;
    };
    std::map<int64_t, BindInfo> binds;
    // The listener resources in the order of the models (the Gateway's, then each set's), and
    // whether their port binds internally.
    std::vector<std::pair<res::Listener, bool>> listeners;

    const InternalPorts gateway_internal = internal_ports(*gateway);
    std::vector<std::string> not_accepted;
    for (const auto& spec : items(gateway->spec(), "listeners")) {
      BuiltListener b = build_listener(inputs, *gateway, *gateway, spec, client_cert);
      if (!b.problem.empty()) not_accepted.push_back(b.model.name + ": " + b.problem);
      listeners.emplace_back(std::move(b.resource), gateway_internal.ports.contains(b.model.port));
      g.listeners.push_back(std::move(b.model));
    }

    const sdk::Value* allowed = field(gateway->spec(), "allowedListeners");
    for (const sdk::Object* ls : listener_sets_of(inputs, *gateway)) {
      ListenerSetModel s;
      s.listener_set = ls;
      if (!namespace_allowed(inputs, field(allowed, "namespaces"), gateway->ref.ns, ls->ref.ns, "None")) {
        s.conditions.push_back(
            condition("Accepted", false, "NotAllowed", "ListenerSet is not allowed by its parent Gateway"));
        s.conditions.push_back(
            condition("Programmed", false, "NotAllowed", "ListenerSet is not allowed by its parent Gateway"));
        g.listener_sets.push_back(std::move(s));
        continue;
      }
      const InternalPorts internal = internal_ports(*ls);
      bool any_valid = false;
      for (const auto& spec : items(ls->spec(), "listeners")) {
        BuiltListener b = build_listener(inputs, *gateway, *ls, spec, std::nullopt);
        any_valid = any_valid || b.valid;
        listeners.emplace_back(std::move(b.resource), internal.ports.contains(b.model.port));
        s.listeners.push_back(std::move(b.model));
      }
      if (internal.error) {
        s.conditions.push_back(condition("Accepted", false, "Invalid", *internal.error));
        s.conditions.push_back(condition("Programmed", true, "Programmed", "Resource programmed"));
        s.accepted = true;
      } else if (any_valid || s.listeners.empty()) {
        s.conditions.push_back(condition("Accepted", true, "Accepted", "Resource accepted"));
        s.conditions.push_back(condition("Programmed", true, "Programmed", "Resource programmed"));
        s.accepted = true;
      } else {
        s.conditions.push_back(condition("Accepted", false, "ListenersNotValid", ""));
        s.conditions.push_back(condition("Programmed", false, "ListenersNotValid", ""));
      }
      g.listener_sets.push_back(std::move(s));
    }

    std::vector<ListenerModel*> ordered;
    for (auto& l : g.listeners) ordered.push_back(&l);
    for (auto& set : g.listener_sets)
      for (auto& l : set.listeners) ordered.push_back(&l);
    mark_conflicts(ordered);
    for (const auto& l : g.listeners)
      if (l.conflicted) not_accepted.push_back(l.name + ": " + kConflict);

    if (gateway_internal.error)
      g.conditions.push_back(condition("Accepted", false, "Invalid", *gateway_internal.error));
    else if (!not_accepted.empty()) {
      std::string message = "Some listeners are not accepted: ";
      for (size_t i = 0; i < not_accepted.size(); ++i) message += (i ? "; " : "") + not_accepted[i];
      g.conditions.push_back(condition("Accepted", true, "ListenersNotValid", message));
    } else {
      g.conditions.push_back(condition("Accepted", true, "Accepted", ""));
    }
    if (client_cert)
      g.conditions.push_back(condition("ResolvedRefs", false, client_cert->reason, client_cert->message));
    g.conditions.push_back(condition("Programmed", true, "Programmed", "Successfully programmed Gateway"));

    // A conflicted listener is left out (its port serves the listener it conflicts with), as is
    // one of a protocol agentgateway does not serve.
    for (size_t i = 0; i < ordered.size(); ++i) {
      if (!ordered[i]->usable()) continue;
      BindInfo& b = binds[ordered[i]->port];
      const std::string& protocol = ordered[i]->protocol;
      if (protocol == "HTTPS" || protocol == "TLS") b.tls = true;
      if (protocol == "TCP") b.tcp = true;
      if (protocol == "HBONE") b.hbone = true;
      if (listeners[i].second) b.internal = true;
    }
    for (const auto& [port, info] : binds) {
      res::Resource r;
      res::Bind* bind = r.mutable_bind();
      bind->set_key(std::to_string(port) + "/" + gateway->ref.ns + "/" + gateway->ref.name);
      bind->set_port(static_cast<uint32_t>(port));
      if (info.tls)
        bind->set_protocol(res::Bind::TLS);
      else if (info.tcp)
        bind->set_protocol(res::Bind::TCP);
      if (info.hbone) bind->set_tunnel_protocol(res::Bind::HBONE_GATEWAY);
      if (info.internal) bind->set_mode(res::Bind::INTERNAL);
      add_resource(output, gateway->ref, std::move(r));
    }
    for (size_t i = 0; i < ordered.size(); ++i) {
      if (!ordered[i]->usable()) continue;
      res::Resource r;
      *r.mutable_listener() = std::move(listeners[i].first);
      add_resource(output, gateway->ref, std::move(r));
    }
    model.gateways.push_back(std::move(g));
  }
  return model;
}

void write_listener_statuses(const GatewaysModel& model, Output& output) {
  auto listener_statuses = [](const std::vector<ListenerModel>& listeners) {
    sdk::Value::List list;
    for (const auto& l : listeners) {
      sdk::Value s = l.status;
      s.set("attachedRoutes", l.attached_routes);
      list.push_back(std::move(s));
    }
    return sdk::Value(std::move(list));
  };
  for (const auto& g : model.gateways) {
    int64_t attached_sets = 0;
    for (const auto& s : g.listener_sets) {
      if (s.accepted) ++attached_sets;
      sdk::Value status;
      status.set("conditions", sdk::Value(s.conditions));
      status.set("listeners", listener_statuses(s.listeners));
      output.statuses.push_back({s.listener_set->ref, s.listener_set->api_version, std::move(status)});
    }
    sdk::Value status;
    status.set("attachedListenerSets", attached_sets);
    status.set("conditions", sdk::Value(g.conditions));
    status.set("listeners", listener_statuses(g.listeners));
    output.statuses.push_back({g.gateway->ref, g.gateway->api_version, std::move(status)});
  }
}

}  // namespace kgw::agw
