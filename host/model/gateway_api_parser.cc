#include <algorithm>
#include <cctype>
#include <functional>

#include "model/gateway_api.h"
#include "model/value_reader.h"

namespace kgw::model {
namespace {

ValueReader spec_of(const sdk::Object& object, sdk::Diagnostics& diag) {
  return ValueReader(&object.body, "", diag)["spec"];
}

int32_t port_in_range(const ValueReader& r, std::optional<int64_t> v) {
  if (!v) return 0;
  if (*v < 1 || *v > 65535) {
    r.error("Invalid value: " + std::to_string(*v) + ": must be between 1 and 65535");
    return 0;
  }
  return static_cast<int32_t>(*v);
}

void check_one_of(const ValueReader& r, const std::string& value, std::initializer_list<const char*> allowed) {
  if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return value == a; })) {
    std::string list;
    for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + "\"" + a + "\"";
    r.error("Unsupported value: \"" + value + "\": supported values: " + list);
  }
}

HeaderMatch parse_header_match(const ValueReader& r) {
  HeaderMatch m;
  m.type = r["type"].string().value_or("Exact");
  check_one_of(r["type"], m.type, {"Exact", "RegularExpression"});
  m.name = r["name"].required_string();
  m.value = r["value"].required_string();
  return m;
}

HttpRouteMatch parse_match(const ValueReader& r) {
  HttpRouteMatch m;
  if (auto path = r["path"]; path.present()) {
    m.path.type = path["type"].string().value_or("PathPrefix");
    check_one_of(path["type"], m.path.type, {"Exact", "PathPrefix", "RegularExpression"});
    m.path.value = path["value"].string().value_or("/");
    if (m.path.type != "RegularExpression" && (m.path.value.empty() || m.path.value[0] != '/'))
      path["value"].error("Invalid value: \"" + m.path.value + "\": must be an absolute path");
  }
  r["headers"].each([&](const ValueReader& h) { m.headers.push_back(parse_header_match(h)); });
  r["queryParams"].each([&](const ValueReader& q) { m.query_params.push_back(parse_header_match(q)); });
  if (auto method = r["method"].string()) m.method = *method;
  return m;
}

BackendRef parse_backend_ref(const ValueReader& r) {
  BackendRef b;
  b.group = r["group"].string().value_or("");
  b.kind = r["kind"].string().value_or("Service");
  b.ns = r["namespace"].string();
  b.name = r["name"].required_string();
  if (auto port = r["port"].integer()) b.port = port_in_range(r["port"], port);
  if (auto weight = r["weight"].integer()) {
    if (*weight < 0 || *weight > 1000000)
      r["weight"].error("Invalid value: " + std::to_string(*weight) + ": must be between 0 and 1000000");
    else
      b.weight = static_cast<int32_t>(*weight);
  }
  return b;
}

std::optional<int64_t> duration(const ValueReader& r) {
  auto text = r.string();
  if (!text) return std::nullopt;
  auto ms = parse_duration_ms(*text);
  if (!ms) r.error("Invalid value: \"" + *text + "\": must be a duration such as 10s, 1m or 500ms");
  return ms;
}

std::optional<PathModifier> parse_path_modifier(const ValueReader& r) {
  if (!r.present()) return std::nullopt;
  PathModifier p;
  p.type = r["type"].required_string();
  check_one_of(r["type"], p.type, {"ReplaceFullPath", "ReplacePrefixMatch"});
  p.value = (p.type == "ReplaceFullPath" ? r["replaceFullPath"] : r["replacePrefixMatch"]).string().value_or("");
  return p;
}

HeaderModifier parse_header_modifier(const ValueReader& r) {
  HeaderModifier m;
  r["set"].each(
      [&](const ValueReader& h) { m.set.emplace_back(h["name"].required_string(), h["value"].required_string()); });
  r["add"].each(
      [&](const ValueReader& h) { m.add.emplace_back(h["name"].required_string(), h["value"].required_string()); });
  r["remove"].each([&](const ValueReader& h) { m.remove.push_back(h.string().value_or("")); });
  return m;
}

HttpRouteFilter parse_filter(const ValueReader& r, const std::string& ns) {
  HttpRouteFilter f;
  f.type = r["type"].required_string();
  if (f.type == "RequestHeaderModifier") f.header_modifier = parse_header_modifier(r["requestHeaderModifier"]);
  if (f.type == "ResponseHeaderModifier") f.header_modifier = parse_header_modifier(r["responseHeaderModifier"]);
  if (f.type == "RequestRedirect") {
    auto rr = r["requestRedirect"];
    RequestRedirect redirect;
    redirect.scheme = rr["scheme"].string();
    redirect.hostname = rr["hostname"].string();
    redirect.path = parse_path_modifier(rr["path"]);
    if (auto port = rr["port"].integer()) redirect.port = port_in_range(rr["port"], port);
    if (auto code = rr["statusCode"].integer()) redirect.status_code = static_cast<int32_t>(*code);
    f.redirect = redirect;
  }
  if (f.type == "ExtensionRef") {
    auto er = r["extensionRef"];
    f.extension_ref =
        sdk::ObjectRef{er["group"].required_string(), er["kind"].required_string(), ns, er["name"].required_string()};
  }
  if (f.type == "URLRewrite") {
    auto ur = r["urlRewrite"];
    f.url_rewrite = UrlRewrite{ur["hostname"].string(), parse_path_modifier(ur["path"])};
  }
  return f;
}

}  // namespace

std::optional<int64_t> parse_duration_ms(const std::string& text) {
  // Gateway API durations: one or more <number><unit>, units h, m, s, ms; no fractions.
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i - start > 5) return std::nullopt;
    int64_t n = std::stoll(text.substr(start, i - start));
    if (text.compare(i, 2, "ms") == 0) {
      total += n;
      i += 2;
    } else if (i < text.size() && (text[i] == 'h' || text[i] == 'm' || text[i] == 's')) {
      total += n * (text[i] == 'h' ? 3600000 : text[i] == 'm' ? 60000 : 1000);
      ++i;
    } else {
      return std::nullopt;
    }
  }
  return total;
}

namespace {

Listener parse_listener(const ValueReader& r, const std::string& ns) {
  Listener l;
  l.name = r["name"].required_string();
  l.protocol = r["protocol"].required_string();
  l.port = port_in_range(r["port"], r["port"].integer());
  if (!r["port"].present()) r["port"].error("Required value");
  l.hostname = r["hostname"].string();
  if (auto tls = r["tls"]; tls.present()) {
    l.tls_mode = tls["mode"].string().value_or("Terminate");
    if (const auto* options = tls["options"].value(); options && options->as_map())
      for (const auto& [key, value] : *options->as_map())
        if (const auto* text = value.as_string()) l.tls_options[key] = *text;
    tls["certificateRefs"].each([&](const ValueReader& c) {
      l.certificate_refs.push_back({c["group"].string().value_or(""), c["kind"].string().value_or("Secret"),
                                    c["namespace"].string().value_or(ns), c["name"].required_string()});
    });
  }
  if (auto allowed = r["allowedRoutes"]; allowed.present()) {
    auto from = allowed["namespaces"]["from"].string().value_or("Same");
    check_one_of(allowed["namespaces"]["from"], from, {"Same", "All", "Selector"});
    l.allowed_routes.from = from == "All"        ? AllowedRoutes::From::All
                            : from == "Selector" ? AllowedRoutes::From::Selector
                                                 : AllowedRoutes::From::Same;
    allowed["kinds"].each([&](const ValueReader& k) {
      l.allowed_routes.kinds.push_back({k["group"].string().value_or(kGatewayGroup), k["kind"].required_string()});
    });
  }
  return l;
}

}  // namespace

Gateway parse_gateway(const sdk::Object& object, sdk::Diagnostics& diag) {
  Gateway g;
  g.ref = object.ref;
  g.creation_timestamp = object.creation_timestamp;
  auto spec = spec_of(object, diag);
  g.gateway_class = spec["gatewayClassName"].required_string();
  spec["listeners"].each([&](const ValueReader& r) { g.listeners.push_back(parse_listener(r, object.ref.ns)); });
  auto frontend_validation = [&](const ValueReader& v) -> std::optional<FrontendValidation> {
    if (!v.present()) return std::nullopt;
    FrontendValidation out;
    out.mode = v["mode"].string().value_or("AllowValidOnly");
    check_one_of(v["mode"], out.mode, {"AllowValidOnly", "AllowInsecureFallback"});
    v["caCertificateRefs"].each([&](const ValueReader& c) {
      out.ca_certificate_refs.push_back({c["group"].string().value_or(""), c["kind"].string().value_or("ConfigMap"),
                                         c["namespace"].string().value_or(object.ref.ns), c["name"].required_string()});
    });
    return out;
  };
  auto frontend = spec["tls"]["frontend"];
  g.frontend_default = frontend_validation(frontend["default"]["validation"]);
  frontend["perPort"].each([&](const ValueReader& p) {
    const int32_t port = port_in_range(p["port"], p["port"].integer());
    g.frontend_per_port[port] = frontend_validation(p["tls"]["validation"]);
  });
  if (auto cert = spec["tls"]["backend"]["clientCertificateRef"]; cert.present())
    g.backend_client_certificate =
        sdk::ObjectRef{cert["group"].string().value_or(""), cert["kind"].string().value_or("Secret"),
                       cert["namespace"].string().value_or(object.ref.ns), cert["name"].required_string()};
  if (auto from = spec["allowedListeners"]["namespaces"]["from"].string()) {
    check_one_of(spec["allowedListeners"]["namespaces"]["from"], *from, {"None", "Same", "All", "Selector"});
    g.allowed_listeners = *from;
  }
  return g;
}

ListenerSet parse_listener_set(const sdk::Object& object, sdk::Diagnostics& diag) {
  ListenerSet ls;
  ls.ref = object.ref;
  ls.creation_timestamp = object.creation_timestamp;
  auto spec = spec_of(object, diag);
  auto parent = spec["parentRef"];
  ls.parent.group = parent["group"].string().value_or(kGatewayGroup);
  ls.parent.kind = parent["kind"].string().value_or("Gateway");
  ls.parent.ns = parent["namespace"].string();
  ls.parent.name = parent["name"].required_string();
  spec["listeners"].each([&](const ValueReader& r) {
    Listener l = parse_listener(r, object.ref.ns);
    l.listener_set = object.ref;
    ls.listeners.push_back(std::move(l));
  });
  return ls;
}

namespace {

// What HTTPRoutes and GRPCRoutes share: parents, hostnames, and everything of a rule but its matches.
HttpRoute parse_route_common(const sdk::Object& object, sdk::Diagnostics& diag,
                             const std::function<HttpRouteMatch(const ValueReader&)>& parse_match_fn) {
  HttpRoute route;
  route.ref = object.ref;
  route.creation_timestamp = object.creation_timestamp;
  auto spec = spec_of(object, diag);
  spec["parentRefs"].each([&](const ValueReader& r) {
    ParentRef p;
    p.group_as_written = r["group"].string();
    p.kind_as_written = r["kind"].string();
    if (p.group_as_written) p.group = *p.group_as_written;
    if (p.kind_as_written) p.kind = *p.kind_as_written;
    p.ns = r["namespace"].string();
    p.name = r["name"].required_string();
    p.section_name = r["sectionName"].string();
    if (auto port = r["port"].integer()) p.port = port_in_range(r["port"], port);
    route.parent_refs.push_back(std::move(p));
  });
  spec["hostnames"].each([&](const ValueReader& h) {
    if (auto s = h.string()) route.hostnames.push_back(*s);
  });
  spec["rules"].each([&](const ValueReader& r) {
    HttpRouteRule rule;
    rule.name = r["name"].string();
    r["matches"].each([&](const ValueReader& m) { rule.matches.push_back(parse_match_fn(m)); });
    if (rule.matches.empty()) rule.matches.emplace_back();
    r["filters"].each([&](const ValueReader& f) { rule.filters.push_back(parse_filter(f, object.ref.ns)); });
    r["backendRefs"].each([&](const ValueReader& b) { rule.backend_refs.push_back(parse_backend_ref(b)); });
    rule.timeouts.request_ms = duration(r["timeouts"]["request"]);
    rule.timeouts.backend_request_ms = duration(r["timeouts"]["backendRequest"]);
    if (auto retry = r["retry"]; retry.present()) {
      RouteRetry rr;
      if (auto attempts = retry["attempts"].integer()) rr.attempts = static_cast<int32_t>(*attempts);
      retry["codes"].each([&](const ValueReader& c) {
        if (auto code = c.integer()) rr.codes.push_back(static_cast<int32_t>(*code));
      });
      rr.backoff_ms = duration(retry["backoff"]);
      rule.retry = rr;
    }
    if (auto sp = r["sessionPersistence"]; sp.present()) {
      SessionPersistence p;
      p.session_name = sp["sessionName"].string();
      p.type = sp["type"].string().value_or("Cookie");
      check_one_of(sp["type"], p.type, {"Cookie", "Header"});
      p.absolute_timeout_ms = duration(sp["absoluteTimeout"]);
      p.idle_timeout_ms = duration(sp["idleTimeout"]);
      p.lifetime_type = sp["cookieConfig"]["lifetimeType"].string().value_or("Session");
      check_one_of(sp["cookieConfig"]["lifetimeType"], p.lifetime_type, {"Session", "Permanent"});
      rule.session_persistence = p;
    }
    route.rules.push_back(std::move(rule));
  });
  if (!spec["rules"].present()) route.rules.push_back({std::nullopt, {HttpRouteMatch{}}});
  return route;
}

// A GRPCRoute method match as the path gRPC puts on the wire: /<service>/<method>.
HttpRouteMatch parse_grpc_match(const ValueReader& r) {
  HttpRouteMatch m;
  if (auto method = r["method"]; method.present()) {
    const auto type = method["type"].string().value_or("Exact");
    check_one_of(method["type"], type, {"Exact", "RegularExpression"});
    const auto service = method["service"].string();
    const auto name = method["method"].string();
    if (!service && !name) method.error("Invalid value: one of service or method must be set");
    if (type == "Exact" && service && name) {
      m.path = {"Exact", "/" + *service + "/" + *name};
    } else if (type == "Exact" && service) {
      m.path = {"PathPrefix", "/" + *service + "/"};
    } else {
      m.path = {"RegularExpression", "/" + service.value_or(".+") + "/" + name.value_or(".+")};
    }
  }
  r["headers"].each([&](const ValueReader& h) { m.headers.push_back(parse_header_match(h)); });
  return m;
}

}  // namespace

HttpRoute parse_http_route(const sdk::Object& object, sdk::Diagnostics& diag) {
  return parse_route_common(object, diag, parse_match);
}

HttpRoute parse_grpc_route(const sdk::Object& object, sdk::Diagnostics& diag) {
  return parse_route_common(object, diag, parse_grpc_match);
}

HttpRoute parse_l4_route(const sdk::Object& object, sdk::Diagnostics& diag) {
  return parse_route_common(object, diag, [](const ValueReader&) { return HttpRouteMatch{}; });
}

Service parse_service(const sdk::Object& object, sdk::Diagnostics& diag) {
  Service s;
  s.ref = object.ref;
  spec_of(object, diag)["ports"].each([&](const ValueReader& r) {
    ServicePort p;
    p.name = r["name"].string();
    p.port = port_in_range(r["port"], r["port"].integer());
    p.app_protocol = r["appProtocol"].string();
    s.ports.push_back(std::move(p));
  });
  return s;
}

BackendTlsPolicy parse_backend_tls_policy(const sdk::Object& object, sdk::Diagnostics& diag) {
  BackendTlsPolicy p;
  p.ref = object.ref;
  auto spec = spec_of(object, diag);
  spec["targetRefs"].each([&](const ValueReader& t) {
    p.targets.push_back({t["group"].string().value_or(""), t["kind"].required_string(), t["name"].required_string(),
                         t["sectionName"].string()});
  });
  auto validation = spec["validation"];
  p.hostname = validation["hostname"].required_string();
  validation["caCertificateRefs"].each([&](const ValueReader& c) {
    p.ca_certificate_refs.push_back(
        {c["group"].string().value_or(""), c["kind"].required_string(), object.ref.ns, c["name"].required_string()});
  });
  p.well_known_ca = validation["wellKnownCACertificates"].string();
  validation["subjectAltNames"].each([&](const ValueReader& san) {
    const auto type = san["type"].required_string();
    check_one_of(san["type"], type, {"Hostname", "URI"});
    p.subject_alt_names.push_back({type, (type == "URI" ? san["uri"] : san["hostname"]).string().value_or("")});
  });
  return p;
}

}  // namespace kgw::model

namespace kgw::model {

EndpointSlice parse_endpoint_slice(const sdk::Object& object, sdk::Diagnostics& diag) {
  EndpointSlice slice;
  slice.ref = object.ref;
  if (auto it = object.labels.find("kubernetes.io/service-name"); it != object.labels.end()) slice.service = it->second;
  ValueReader root(&object.body, "", diag);
  root["ports"].each([&](const ValueReader& r) {
    slice.ports.push_back({r["name"].string(), static_cast<int32_t>(r["port"].integer().value_or(0))});
  });
  root["endpoints"].each([&](const ValueReader& r) {
    EndpointSlice::Endpoint e;
    r["addresses"].each([&](const ValueReader& a) {
      if (auto s = a.string()) e.addresses.push_back(*s);
    });
    auto conditions = r["conditions"];
    e.ready = conditions["ready"].boolean().value_or(true);
    e.serving = conditions["serving"].boolean().value_or(e.ready);
    e.terminating = conditions["terminating"].boolean().value_or(false);
    e.zone = r["zone"].string();
    slice.endpoints.push_back(std::move(e));
  });
  return slice;
}

}  // namespace kgw::model
