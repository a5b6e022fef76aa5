// Translation of one Gateway, in two phases: phase A resolves the Gateway's listeners, the routes
// attached to them and their backends into a per-port IR; phase B turns that IR into Envoy
// listeners, route configurations and clusters. Names, defaults and status follow kgateway
// (COMPATIBILITY.md).
#include "translator/translator.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "envoy/extensions/clusters/dns/v3/dns_cluster.pb.h"
#include "envoy/extensions/filters/http/dynamic_forward_proxy/v3/dynamic_forward_proxy.pb.h"
#include "envoy/extensions/filters/http/gcp_authn/v3/gcp_authn.pb.h"
#include "envoy/extensions/filters/http/router/v3/router.pb.h"
#include "envoy/extensions/filters/http/stateful_session/v3/stateful_session.pb.h"
#include "envoy/extensions/filters/http/upstream_codec/v3/upstream_codec.pb.h"
#include "envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.pb.h"
#include "envoy/extensions/http/stateful_session/cookie/v3/cookie.pb.h"
#include "envoy/extensions/transport_sockets/proxy_protocol/v3/upstream_proxy_protocol.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb.h"
#include "envoy/extensions/upstreams/http/v3/http_protocol_options.pb.h"
#include "model/gateway_api.h"
#include "model/value_reader.h"
#include "sources/manifest_parser.h"
#include "translator/cluster_names.h"
#include "translator/endpoints.h"
#include "translator/policy_attachment.h"
#include "translator/route_precedence.h"
#include "translator/status_builder.h"

namespace kgw::translator {
namespace {

using HCM = envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;
using HttpFilter = envoy::extensions::filters::network::http_connection_manager::v3::HttpFilter;
constexpr const char* kBlackholeCluster = "blackhole-cluster";
constexpr const char* kKgatewayGroup = "gateway.kgateway.dev";
constexpr const char* kGcpAuthnCluster = "gcp_authn";
constexpr const char* kStatefulSessionFilter = "envoy.filters.http.stateful_session";
// The cookie name when sessionPersistence leaves sessionName out.
constexpr const char* kDefaultSessionCookie = "sessionPersistence";
// Ports the proxy itself uses (its metrics endpoint).
const std::set<int32_t> kReservedPorts = {9091};
constexpr const char* kRefNotPermitted = "Reference not permitted by ReferenceGrant.";
constexpr const char* kUnknownBackendKind = "unknown backend kind";

void set_resolved_refs_error(const std::string& error, Conditions& conditions) {
  const char* reason = error == kRefNotPermitted      ? "RefNotPermitted"
                       : error == kUnknownBackendKind ? "InvalidKind"
                                                      : "BackendNotFound";
  conditions.set_if_absent("ResolvedRefs", false, reason, error);
}

// What a built-in or plugin backend type sees while it builds a cluster.

// kgateway infers a Backend's type from the one configuration field it holds when `type` is
// absent: the registered type named like that field, ignoring case (`static` is Static). With no
// such type, the field's own name, so the error names what is not supported.
std::string backend_type_of(const sdk::Object& backend, const plugins::ExtensionRegistry& registry) {
  const sdk::Value* spec = backend.spec();
  if (!spec) return {};
  if (const auto* t = spec->find("type"); t && t->as_string()) return *t->as_string();
  const sdk::Value::Map* fields = spec->as_map();
  if (!fields) return {};
  auto same = [](std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
  };
  for (const auto& [field, value] : *fields) {
    if (field == "type" || value.is_null()) continue;
    for (const auto& [type, owned] : registry.backend_types())
      if (same(type, field)) return type;
    return field;
  }
  return {};
}

std::string key_of(const sdk::ObjectRef& ref) { return ref.ns + "/" + ref.name; }

bool is_http_protocol(std::string_view p) { return p == "HTTP" || p == "HTTPS"; }
bool is_supported_protocol(std::string_view p) { return is_http_protocol(p) || p == "TCP" || p == "TLS"; }

std::vector<sdk::GroupKind> supported_kinds(const model::Listener& l) {
  if (is_http_protocol(l.protocol)) return {{model::kGatewayGroup, "HTTPRoute"}, {model::kGatewayGroup, "GRPCRoute"}};
  if (l.protocol == "TCP") return {{model::kGatewayGroup, "TCPRoute"}};
  if (l.protocol == "TLS" && l.tls_mode.value_or("Terminate") == "Terminate")
    return {{model::kGatewayGroup, "TLSRoute"}, {model::kGatewayGroup, "TCPRoute"}};
  if (l.protocol == "TLS") return {{model::kGatewayGroup, "TLSRoute"}};
  return {};
}

// kgateway still sets the deprecated (and default) google_re2 engine field; so do we, to match.
void set_regex(const std::string& regex, envoy::type::matcher::v3::RegexMatcher& out) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  out.mutable_google_re2();
#pragma GCC diagnostic pop
  out.set_regex(regex);
}

void set_duration(int64_t ms, google::protobuf::Duration& out) {
  out.set_seconds(ms / 1000);
  out.set_nanos(static_cast<int32_t>(ms % 1000) * 1000000);
}

void set_string_match(const model::HeaderMatch& m, envoy::type::matcher::v3::StringMatcher& out) {
  if (m.type == "RegularExpression")
    set_regex(m.value, *out.mutable_safe_regex());
  else
    out.set_exact(m.value);
}

void build_match(const model::HttpRouteMatch& m, envoy::config::route::v3::RouteMatch& out) {
  const auto& path = m.path;
  if (path.type == "Exact") {
    out.set_path(path.value);
  } else if (path.type == "RegularExpression") {
    set_regex(path.value, *out.mutable_safe_regex());
  } else if (path.value == "/" || path.value.back() == '/') {
    out.set_prefix(path.value);
  } else {
    out.set_path_separated_prefix(path.value);
  }
  for (const auto& h : m.headers) {
    auto* header = out.add_headers();
    header->set_name(h.name);
    set_string_match(h, *header->mutable_string_match());
  }
  if (m.method) {
    auto* header = out.add_headers();
    header->set_name(":method");
    header->mutable_string_match()->set_exact(*m.method);
  }
  for (const auto& q : m.query_params) {
    auto* param = out.add_query_parameters();
    param->set_name(q.name);
    set_string_match(q, *param->mutable_string_match());
  }
}

// Whether `text` holds a PEM block ("-----BEGIN ...-----" up to its "-----END ...-----").
bool has_pem_block(std::string_view text) {
  const size_t begin = text.find("-----BEGIN ");
  return begin != std::string_view::npos && text.find("-----END ", begin) != std::string_view::npos;
}

// How a TLS listener validates client certificates (Gateway spec.tls.frontend).
struct ClientValidation {
  std::string trusted_ca;  // the PEM bundle of every CA certificate referenced
  bool insecure = false;   // AllowInsecureFallback: certificates optional, untrusted chains accepted
};

// The PEM blocks of `text` as Go's pem.Encode writes them: base64 in 64-column lines, each
// line ending in a newline; anything outside the blocks dropped. kgateway re-encodes the CA
// certificates it reads this way.
std::string reencode_pem(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t begin = text.find("-----BEGIN ", pos);
    if (begin == std::string_view::npos) break;
    const size_t header_end = text.find("-----", begin + 11);
    if (header_end == std::string_view::npos) break;
    const std::string_view type = text.substr(begin + 11, header_end - begin - 11);
    const std::string end_marker = "-----END " + std::string(type) + "-----";
    const size_t end = text.find(end_marker, header_end + 5);
    if (end == std::string_view::npos) break;
    std::string body;
    for (char c : text.substr(header_end + 5, end - header_end - 5))
      if (!std::isspace(static_cast<unsigned char>(c))) body += c;
    out += "-----BEGIN " + std::string(type) + "-----\n";
    for (size_t i = 0; i < body.size(); i += 64) out += body.substr(i, 64) + "\n";
    out += end_marker + "\n";
    pos = end + end_marker.size();
  }
  return out;
}

// A route's backends as resolved for one rule: cluster names and weights.
struct ResolvedBackend {
  std::string cluster;
  int32_t weight = 1;
  std::optional<std::string> app_protocol;  // of the Service port or Static Backend
  std::string backend_type;                 // of a kgateway Backend
};

struct Translation {
  const Input& input;
  const sdk::ObjectRef& gateway_ref;
  Output out;

  const plugins::ExtensionRegistry& registry;
  const config::TranslationSettings& settings;
  // ReferenceGrants by namespace: (from group/kind/namespace) -> (to group/kind/name, "" = any)
  struct Grant {
    sdk::GroupKind from;
    std::string from_ns;
    sdk::GroupKind to;
    std::string to_name;
  };
  std::multimap<std::string, Grant> grants;

  // Whether an object of `from` in `from_ns` may refer to `to` (its namespace and name in `to`).
  bool permitted(const sdk::GroupKind& from, const std::string& from_ns, const sdk::ObjectRef& to) const {
    if (from_ns == to.ns || settings.reference_grant_mode == config::ReferenceGrantMode::Off) return true;
    auto [begin, end] = grants.equal_range(to.ns);
    for (auto it = begin; it != end; ++it) {
      const Grant& g = it->second;
      if (g.from == from && g.from_ns == from_ns && g.to.group == to.group && g.to.kind == to.kind &&
          (g.to_name.empty() || g.to_name == to.name))
        return true;
    }
    return false;
  }
  // "ns/name"; shared with the translation memo, which keeps them while no Service changes.
  std::shared_ptr<const std::map<std::string, model::Service>> services_;
  const std::map<std::string, model::Service>& services() const { return *services_; }
  // Secrets by "ns/name": those among the input objects, plus those fetched from
  // Input::find_secret (kgw serve keeps Secrets apart) as they are asked for.
  mutable std::map<std::string, std::shared_ptr<const sdk::Secret>> secrets;

  std::shared_ptr<const sdk::Secret> secret(const std::string& ns, const std::string& name) const {
    const std::string key = ns + "/" + name;
    if (auto it = secrets.find(key); it != secrets.end()) return it->second;
    auto found = input.find_secret ? input.find_secret(ns, name) : nullptr;
    secrets.emplace(key, found);
    return found;
  }
  // Every input object by group/kind/ns/name, built on the first find_object().
  mutable std::unordered_map<std::string, const sdk::Object*> objects_by_ref;

  // An object `from` may refer to (HostApi::find_object), or nullptr.
  // kgateway's own references across namespaces (a policy's GatewayExtension) need a ReferenceGrant
  // only in Strict mode; the Gateway API's kinds follow permitted().
  const sdk::Object* find_object(const sdk::ObjectRef& from, const sdk::ObjectRef& target, std::string* why) const {
    const bool extension_ref = target.group == kKgatewayGroup && from.group == kKgatewayGroup;
    const bool checked = !extension_ref || settings.reference_grant_mode == config::ReferenceGrantMode::Strict;
    if (checked && !permitted({from.group, from.kind}, from.ns, target)) {
      if (why) *why = "missing reference grant";
      return nullptr;
    }
    auto key = [](const sdk::ObjectRef& r) { return r.group + "/" + r.kind + "/" + r.ns + "/" + r.name; };
    if (objects_by_ref.empty())
      for (const auto& object : input.objects) objects_by_ref.emplace(key(object.ref), &object);
    auto it = objects_by_ref.find(key(target));
    if (it == objects_by_ref.end()) {
      if (why) *why = "not found";
      return nullptr;
    }
    return it->second;
  }
  std::map<std::string, const sdk::Object*> backends;          // kgateway Backends, "ns/name"
  std::map<std::string, const sdk::Object*> direct_responses;  // "ns/name"
  std::map<std::string, const sdk::Object*> config_maps;       // "ns/name"
  std::vector<model::BackendTlsPolicy> backend_tls_policies;   // in load order: the older wins
  std::set<std::string> used_clusters;                         // clusters the Gateway's routes reach
  // While one route is built for the memo: what it uses, to be replayed when it is reused.
  TranslationMemo::Route* recording = nullptr;
  void use_cluster(const std::string& name) {
    if (recording) recording->used_clusters.push_back(name);
    if (!backend_tls_policies.empty()) used_clusters.insert(name);
  }
  const model::Gateway* gateway = nullptr;
  bool needs_gcp_authn_cluster = false;  // a listener runs the gcp_authn filter

  // The BackendTLSPolicy for a Service port, or nullptr.
  const model::BackendTlsPolicy* tls_policy_for(const model::Service& service, const model::ServicePort& port) const {
    for (const auto& p : backend_tls_policies)
      for (const auto& target : p.targets)
        if (target.group.empty() && target.kind == "Service" && target.name == service.ref.name &&
            p.ref.ns == service.ref.ns && (!target.section_name || target.section_name == port.name))
          return &p;
    return nullptr;
  }
  // The BackendTLSPolicy for a kgateway Backend, or nullptr.
  const model::BackendTlsPolicy* tls_policy_for(const sdk::ObjectRef& backend) const {
    for (const auto& p : backend_tls_policies)
      for (const auto& target : p.targets)
        if (target.group == kKgatewayGroup && target.kind == "Backend" && target.name == backend.name &&
            p.ref.ns == backend.ns)
          return &p;
    return nullptr;
  }
  // The Gateway's client certificate for upstream TLS (spec.tls.backend), when it resolves.
  const sdk::Secret* backend_client_certificate() const {
    if (!gateway || !gateway->backend_client_certificate) return nullptr;
    const auto& ref = *gateway->backend_client_certificate;
    if (!permitted({model::kGatewayGroup, "Gateway"}, gateway_ref.ns, ref)) return nullptr;
    std::string error;
    return find_secret(ref, error);
  }
  std::string client_certificate_cluster(const model::Service& service, const model::ServicePort& port) const {
    return "kube_" + service.ref.ns + "_" + service.ref.name + "_gw_backend_client_cert_" + gateway_ref.ns + "_" +
           gateway_ref.name + "_" + std::to_string(port.port);
  }
  // The CA bundle of a BackendTLSPolicy's references (ConfigMaps or Secrets, key ca.crt), or
  // nullopt with the reason when one does not resolve.
  std::optional<std::string> policy_ca(const model::BackendTlsPolicy& p, std::string& error) const {
    std::string out;
    for (const auto& ref : p.ca_certificate_refs) {
      const std::string* ca = nullptr;
      if (ref.group.empty() && ref.kind == "ConfigMap") {
        if (auto it = config_maps.find(ref.ns + "/" + ref.name); it != config_maps.end())
          if (const auto* data = it->second->body.find("data"))
            if (const auto* crt = data->find("ca.crt")) ca = crt->as_string();
      } else if (ref.group.empty() && ref.kind == "Secret") {
        if (auto found = secret(ref.ns, ref.name))
          if (auto it = found->data.find("ca.crt"); it != found->data.end()) ca = &it->second;
      } else {
        error = "unsupported CA certificate reference kind " + ref.kind;
        return std::nullopt;
      }
      if (!ca) {
        error = ref.kind + " " + ref.ns + "/" + ref.name + " not found or without ca.crt";
        return std::nullopt;
      }
      out += *ca;
    }
    return out;
  }

  // The client certificate validation of TLS listeners on `port`: nullopt when there is none, or
  // when a CA reference fails, which makes the listener invalid (every failure in the message).
  std::optional<ClientValidation> client_validation(const model::Gateway& gateway, int32_t port, Conditions& conditions,
                                                    std::optional<std::string>& not_programmed, bool& failed) const {
    failed = false;
    const model::FrontendValidation* v = gateway.frontend_validation(port);
    if (!v) return std::nullopt;
    ClientValidation out;
    out.insecure = v->mode == "AllowInsecureFallback";
    std::string errors;
    const char* reason = nullptr;
    auto fail = [&](const char* why, const std::string& message) {
      if (!reason) reason = why;
      errors += (errors.empty() ? "" : "\n") + message;
    };
    for (const auto& ref : v->ca_certificate_refs) {
      // kgateway names the ConfigMap "<name>/<Gateway namespace>" in these messages.
      const std::string fetch_failed = "failed to fetch CA certificate ConfigMap " + ref.name + "/" + gateway_ref.ns;
      // The CA bundle is the ca.crt key of a ConfigMap or a Secret.
      if (!ref.group.empty() || (ref.kind != "ConfigMap" && ref.kind != "Secret")) {
        fail("InvalidCACertificateKind",
             "invalid ca.crt kind " + ref.kind + " in " + ref.ns + "/" + ref.name + ": InvalidCACertificateKind");
        continue;
      }
      if (!permitted({model::kGatewayGroup, "Gateway"}, gateway_ref.ns, ref)) {
        fail("RefNotPermitted", fetch_failed + ": missing CA certificate reference grant");
        continue;
      }
      const std::string* ca = nullptr;
      std::shared_ptr<const sdk::Secret> ca_secret;
      if (ref.kind == "Secret") {
        ca_secret = secret(ref.ns, ref.name);
        if (ca_secret)
          if (auto it = ca_secret->data.find("ca.crt"); it != ca_secret->data.end()) ca = &it->second;
      } else if (auto it = config_maps.find(ref.ns + "/" + ref.name); it != config_maps.end()) {
        if (const auto* data = it->second->body.find("data"))
          if (const auto* crt = data->find("ca.crt")) ca = crt->as_string();
      }
      if (!ca || !has_pem_block(*ca)) {
        fail("InvalidCACertificateRef", fetch_failed + ": InvalidCACertificateRef");
        continue;
      }
      out.trusted_ca += reencode_pem(*ca);
    }
    if (!reason) return out;
    failed = true;
    conditions.set_if_absent("ResolvedRefs", false, reason, errors);
    conditions.set_if_absent("Programmed", false, "Invalid", errors);
    conditions.set_if_absent("Accepted", false, "NoValidCACertificate", errors);
    if (!not_programmed) not_programmed = errors;
    return std::nullopt;
  }
  std::set<std::string> direct_responses_used;

  // A TLS Secret whose tls.crt and tls.key hold PEM data; otherwise nullptr and, in `error`, why
  // (kgateway's wording, which carries Go's tls.X509KeyPair errors).
  const sdk::Secret* find_secret(const sdk::ObjectRef& ref, std::string& error) const {
    auto found = secret(ref.ns, ref.name);
    if (!found) {
      error = "Secret " + ref.ns + "/" + ref.name + " not found.";
      return nullptr;
    }
    auto data = [&](const char* key) -> std::string_view {
      auto it = found->data.find(key);
      return it == found->data.end() ? std::string_view() : std::string_view(it->second);
    };
    const char* problem = nullptr;
    if (!has_pem_block(data("tls.crt")))
      problem = "tls: failed to find any PEM data in certificate input";
    else if (!has_pem_block(data("tls.key")))
      problem = "tls: failed to find any PEM data in key input";
    if (problem) {
      error = "invalid TLS secret " + ref.ns + "/" + ref.name + ": " + problem;
      return nullptr;
    }
    return found.get();
  }

  // Resolves a backendRef; on failure returns the blackhole cluster and a ResolvedRefs message.
  // `from` is the object holding the reference (a route, or a policy through HostApi).
  ResolvedBackend resolve(const sdk::ObjectRef& from, const model::BackendRef& ref, std::string& error) {
    const std::string& ns = ref.ns ? *ref.ns : from.ns;
    // Most references stay in their namespace: no grant to look for.
    if (ns != from.ns && !permitted({from.group, from.kind}, from.ns, {ref.group, ref.kind, ns, ref.name})) {
      error = kRefNotPermitted;
      return {kBlackholeCluster, ref.weight};
    }
    if (std::string_view(ref.kind) == "Backend" && std::string_view(ref.group) == kKgatewayGroup) {
      if (!backends.count(ns + "/" + ref.name)) {
        error = "Backend " + ns + "/" + ref.name + " not found";
        return {kBlackholeCluster, ref.weight};
      }
      if (ref.port) {
        error = "BackendRef to \"" + ref.name +
                "\" includes a port. Do not specify a port when referencing a Backend resource, as it defines its "
                "own port configuration";
        return {kBlackholeCluster, ref.weight};
      }
      std::optional<std::string> app_protocol;
      const sdk::Object& backend = *backends.at(ns + "/" + ref.name);
      if (const sdk::Value* spec = backend.spec())
        if (const auto* st = spec->find("static"))
          if (const auto* ap = st->find("appProtocol"); ap && ap->as_string()) app_protocol = *ap->as_string();
      use_cluster(backend_cluster_name(ns, ref.name));
      return {backend_cluster_name(ns, ref.name), ref.weight, app_protocol, backend_type_of(backend, registry)};
    }
    if (!ref.group.empty() || std::string_view(ref.kind) != "Service") {
      error = kUnknownBackendKind;
      return {kBlackholeCluster, ref.weight};
    }
    auto it = services().find(ns + "/" + ref.name);
    if (it == services().end()) {
      error = "Service " + ns + "/" + ref.name + " not found";
      return {kBlackholeCluster, ref.weight};
    }
    if (!ref.port) {
      error = "port is required for Service backends";
      return {kBlackholeCluster, ref.weight};
    }
    std::string cluster = service_cluster_name(ns, ref.name, *ref.port);
    std::optional<std::string> app_protocol;
    const model::ServicePort* service_port = nullptr;
    for (const auto& p : it->second.ports)
      if (p.port == *ref.port) {
        app_protocol = p.app_protocol;
        service_port = &p;
      }
    // With a Gateway client certificate, the Gateway's routes reach TLS upstreams through a
    // cluster of their own that presents it.
    if (service_port && backend_client_certificate() && tls_policy_for(it->second, *service_port))
      cluster = client_certificate_cluster(it->second, *service_port);
    use_cluster(cluster);
    return {cluster, ref.weight, app_protocol};
  }

  // The certificate Secrets of a listener; a reference that is not permitted, missing or invalid
  // makes the listener invalid, as in kgateway.
  std::vector<const sdk::Secret*> certificates(const model::Listener& l, Conditions& conditions,
                                               std::optional<std::string>& not_programmed) const {
    std::vector<const sdk::Secret*> out;
    for (const auto& ref : l.certificate_refs) {
      const sdk::GroupKind owner = l.listener_set ? sdk::GroupKind{l.listener_set->group, l.listener_set->kind}
                                                  : sdk::GroupKind{model::kGatewayGroup, "Gateway"};
      const std::string owner_ns = l.listener_set ? l.listener_set->ns : gateway_ref.ns;
      std::string error;
      const char* reason = "InvalidCertificateRef";
      const sdk::Secret* secret = nullptr;
      if (!permitted(owner, owner_ns, ref)) {
        error = kRefNotPermitted;
        reason = "RefNotPermitted";
      } else {
        secret = find_secret(ref, error);
      }
      if (secret) {
        out.push_back(secret);
        continue;
      }
      conditions.set_if_absent("ResolvedRefs", false, reason, error);
      conditions.set_if_absent("Programmed", false, "Invalid", error);
      conditions.set_if_absent("Accepted", false, "Invalid", error);
      if (!not_programmed) not_programmed = error;
    }
    return out;
  }

  using Parents = std::vector<std::pair<const model::ParentRef*, Conditions>>;

  // The backends of a route rule, each failure reported on every parent of the route. kgateway
  // lists an accepted TCP or TLS route's (empty-message) Accepted condition before the error.
  std::vector<ResolvedBackend> resolve_backends(const model::HttpRoute& route, const model::HttpRouteRule& rule,
                                                Parents& parents, bool l4) {
    std::vector<ResolvedBackend> out;
    for (const auto& ref : rule.backend_refs) {
      std::string error;
      auto b = resolve(route.ref, ref, error);
      if (!error.empty())
        for (auto& [parent, conditions] : parents) {
          if (l4) conditions.set_if_absent("Accepted", true, "Accepted", "");
          set_resolved_refs_error(error, conditions);
        }
      out.push_back(std::move(b));
    }
    return out;
  }

  // The backends of a TCP or TLS route rule; the blackhole cluster when it has none.
  std::vector<ResolvedBackend> resolve_rule(const model::HttpRoute& route, const model::HttpRouteRule& rule,
                                            Parents& parents) {
    auto out = resolve_backends(route, rule, parents, /*l4=*/true);
    if (out.empty()) out.push_back({kBlackholeCluster, 1});
    return out;
  }

  // One Envoy route for one match of a rule, on a listener of `port` (whose protocol's default
  // port a redirect leaves out of Location).
  // Built once however many parents the route has; resolution errors go to each parent.
  void build_route(const model::HttpRoute& route, const model::HttpRouteRule& rule, int32_t port, bool https,
                   envoy::config::route::v3::Route& out, Parents& parents) {
    // The action a filter set, named as kgateway's error messages name its Go type.
    const char* set_by_filter = nullptr;
    for (const auto& f : rule.filters) {
      if (f.redirect && !set_by_filter) {
        build_redirect(*f.redirect, port, https, *out.mutable_redirect());
        set_by_filter = "*routev3.Route_Redirect";
      }
      if (f.extension_ref && f.extension_ref->group == kKgatewayGroup && f.extension_ref->kind == "DirectResponse") {
        auto it = direct_responses.find(f.extension_ref->ns + "/" + f.extension_ref->name);
        if (it == direct_responses.end()) continue;
        direct_responses_used.insert(it->first);
        if (recording) recording->direct_responses_used.push_back(it->first);
        if (set_by_filter) {
          replace_rule(route, rule,
                       std::string("DirectResponse cannot be applied to route with existing action: ") + set_by_filter,
                       out, parents);
          return;
        }
        build_direct_response(*it->second, *out.mutable_direct_response());
        set_by_filter = "*routev3.Route_DirectResponse";
      }
    }
    for (const auto& f : rule.filters)
      if (f.header_modifier) apply_header_modifier(*f.header_modifier, f.type == "RequestHeaderModifier", out);
    if (set_by_filter) return;
    const auto backends = resolve_backends(route, rule, parents, /*l4=*/false);
    auto* action = out.mutable_route();
    if (backends.size() == 1) {
      action->set_cluster(backends[0].cluster);
    } else if (!backends.empty()) {
      for (const auto& b : backends) {
        if (b.weight == 0) continue;
        auto* c = action->mutable_weighted_clusters()->add_clusters();
        c->set_name(b.cluster);
        c->mutable_weight()->set_value(b.weight);
      }
    }
    action->set_cluster_not_found_response_code(envoy::config::route::v3::RouteAction::INTERNAL_SERVER_ERROR);
    if (backends.size() == 1 && backends[0].backend_type == "GCP") {
      // A GCP service wants its own host name; kgateway sets no not-found code on these routes.
      action->mutable_auto_host_rewrite()->set_value(true);
      action->clear_cluster_not_found_response_code();
    }
    if (std::any_of(backends.begin(), backends.end(),
                    [](const ResolvedBackend& b) { return b.app_protocol == "kubernetes.io/ws"; }))
      action->add_upgrade_configs()->set_upgrade_type("websocket");
    for (const auto& f : rule.filters)
      if (f.url_rewrite) apply_url_rewrite(*f.url_rewrite, *action);
    apply_timeouts(rule, *action);
    if (rule.session_persistence) apply_session_persistence(*rule.session_persistence, out);
  }

  // Request and ResponseHeaderModifier filters: headers added (appended when present), set
  // (overwritten) and removed on the route.
  static void apply_header_modifier(const model::HeaderModifier& m, bool request,
                                    envoy::config::route::v3::Route& out) {
    using Option = envoy::config::core::v3::HeaderValueOption;
    auto add = [&](const std::string& name, const std::string& value, Option::HeaderAppendAction action) {
      Option* option = request ? out.add_request_headers_to_add() : out.add_response_headers_to_add();
      option->mutable_header()->set_key(name);
      option->mutable_header()->set_value(value);
      option->set_append_action(action);
    };
    for (const auto& [name, value] : m.add) add(name, value, Option::APPEND_IF_EXISTS_OR_ADD);
    for (const auto& [name, value] : m.set) add(name, value, Option::OVERWRITE_IF_EXISTS_OR_ADD);
    for (const auto& name : m.remove)
      *(request ? out.add_request_headers_to_remove() : out.add_response_headers_to_remove()) = name;
  }

  // kgateway replaces a rule it cannot translate with a 500 and reports it on every parent.
  // `position` overrides the rule's index in the message.
  static void replace_rule(const model::HttpRoute& route, const model::HttpRouteRule& rule, const std::string& why,
                           envoy::config::route::v3::Route& out, Parents& parents,
                           std::optional<size_t> position = std::nullopt) {
    const size_t index = position.value_or(static_cast<size_t>(&rule - route.rules.data()));
    out.clear_action();
    auto* dr = out.mutable_direct_response();
    dr->set_status(500);
    dr->mutable_body()->set_inline_string("invalid route configuration detected and replaced with a direct response.");
    for (auto& [parent, conditions] : parents)
      conditions.set_if_absent("kgateway.dev/Programmed", false, "RouteRuleReplaced",
                               "Replaced Rule (" + std::to_string(index) + "): " + why);
  }

  // Cookie session persistence through the stateful_session filter, configured per route (the
  // listener carries the filter disabled).
  static void apply_session_persistence(const model::SessionPersistence& sp, envoy::config::route::v3::Route& out) {
    if (sp.type != "Cookie") return;
    envoy::extensions::http::stateful_session::cookie::v3::CookieBasedSessionState state;
    auto* cookie = state.mutable_cookie();
    cookie->set_name(sp.session_name.value_or(kDefaultSessionCookie));
    cookie->set_path("/");
    if (sp.lifetime_type == "Permanent" && sp.absolute_timeout_ms)
      set_duration(*sp.absolute_timeout_ms, *cookie->mutable_ttl());
    envoy::extensions::filters::http::stateful_session::v3::StatefulSessionPerRoute per_route;
    auto* session_state = per_route.mutable_stateful_session()->mutable_session_state();
    session_state->set_name("envoy.http.stateful_session.cookie");
    session_state->mutable_typed_config()->PackFrom(state);
    (*out.mutable_typed_per_filter_config())[kStatefulSessionFilter].PackFrom(per_route);
  }

  static void build_direct_response(const sdk::Object& dr, envoy::config::route::v3::DirectResponseAction& out) {
    sdk::Diagnostics diag;
    auto spec = model::ValueReader(&dr.body, "", diag)["spec"];
    out.set_status(static_cast<uint32_t>(spec["status"].integer().value_or(200)));
    if (auto body = spec["body"].string()) out.mutable_body()->set_inline_string(*body);
    if (auto format = spec["bodyFormat"]; format.present()) {
      auto* f = out.mutable_body_format();
      if (auto text = format["text"].string()) f->mutable_text_format_source()->set_inline_string(*text);
      if (auto type = format["contentType"].string()) f->set_content_type(*type);
    }
  }

  static void build_redirect(const model::RequestRedirect& r, int32_t port, bool https,
                             envoy::config::route::v3::RedirectAction& out) {
    if (r.scheme) out.set_scheme_redirect(*r.scheme);
    if (r.hostname) out.set_host_redirect(*r.hostname);
    if (r.path) {
      if (r.path->type == "ReplaceFullPath")
        out.set_path_redirect(r.path->value);
      else
        out.set_prefix_rewrite(r.path->value);
    }
    // Without an explicit port, Location keeps the listener's port unless the scheme changes or
    // the port is its protocol's default.
    if (r.port)
      out.set_port_redirect(*r.port);
    else if (!r.scheme && port != (https ? 443 : 80))
      out.set_port_redirect(port);
    using RA = envoy::config::route::v3::RedirectAction;
    switch (r.status_code) {
      case 301:
        out.set_response_code(RA::MOVED_PERMANENTLY);
        break;
      case 303:
        out.set_response_code(RA::SEE_OTHER);
        break;
      case 307:
        out.set_response_code(RA::TEMPORARY_REDIRECT);
        break;
      case 308:
        out.set_response_code(RA::PERMANENT_REDIRECT);
        break;
      default:
        out.set_response_code(RA::FOUND);
        break;
    }
  }

  static void apply_url_rewrite(const model::UrlRewrite& r, envoy::config::route::v3::RouteAction& action) {
    if (r.hostname) action.set_host_rewrite_literal(*r.hostname);
    if (r.path) {
      if (r.path->type == "ReplacePrefixMatch") {
        action.set_prefix_rewrite(r.path->value);
      } else {
        auto* rr = action.mutable_regex_rewrite();
        set_regex(".*", *rr->mutable_pattern());
        rr->set_substitution(r.path->value);
      }
    }
  }

  // With retries, `request` bounds the whole request and `backendRequest` each try; without,
  // the backend request timeout (or else the request timeout) is the route timeout.
  static void apply_timeouts(const model::HttpRouteRule& rule, envoy::config::route::v3::RouteAction& action) {
    const auto& t = rule.timeouts;
    if (rule.retry) {
      if (t.request_ms) set_duration(*t.request_ms, *action.mutable_timeout());
      auto* policy = action.mutable_retry_policy();
      policy->set_retry_on(
          "cancelled,connect-failure,refused-stream,reset,retriable-headers,retriable-status-codes,unavailable");
      if (rule.retry->attempts) policy->mutable_num_retries()->set_value(*rule.retry->attempts);
      if (t.backend_request_ms) set_duration(*t.backend_request_ms, *policy->mutable_per_try_timeout());
      for (int32_t code : rule.retry->codes) policy->add_retriable_status_codes(code);
      if (rule.retry->backoff_ms)
        set_duration(*rule.retry->backoff_ms, *policy->mutable_retry_back_off()->mutable_base_interval());
    } else if (t.backend_request_ms || t.request_ms) {
      set_duration(t.backend_request_ms ? *t.backend_request_ms : *t.request_ms, *action.mutable_timeout());
    }
  }
};

envoy::config::listener::v3::Listener empty_listener(int32_t port) {
  envoy::config::listener::v3::Listener listener;
  listener.set_name("listener~" + std::to_string(port));
  auto* addr = listener.mutable_address()->mutable_socket_address();
  addr->set_address("::");
  addr->set_ipv4_compat(true);
  addr->set_port_value(port);
  return listener;
}

// A filter chain with kgateway's HTTP connection manager, its routes from RDS `name`, running
// `filters` before the router.
void add_http_chain(const std::string& name, const std::vector<HttpFilter>& filters,
                    envoy::config::listener::v3::FilterChain& chain,
                    const std::function<void(HCM&)>& customize = nullptr,
                    const std::vector<HttpFilter>& upstream = {}) {
  chain.set_name(name);
  HCM hcm;
  hcm.set_stat_prefix("http");
  hcm.mutable_normalize_path()->set_value(true);
  hcm.set_merge_slashes(true);
  hcm.mutable_use_remote_address()->set_value(true);
  auto* rds = hcm.mutable_rds();
  rds->set_route_config_name(name);
  rds->mutable_config_source()->mutable_ads();
  rds->mutable_config_source()->set_resource_api_version(envoy::config::core::v3::V3);
  for (const auto& f : filters) *hcm.add_http_filters() = f;
  auto* router = hcm.add_http_filters();
  router->set_name("envoy.filters.http.router");
  envoy::extensions::filters::http::router::v3::Router router_config;
  if (!upstream.empty()) {
    // Upstream filters end with the codec that sends the request.
    for (const auto& f : upstream) *router_config.add_upstream_http_filters() = f;
    auto* codec = router_config.add_upstream_http_filters();
    codec->set_name("envoy.filters.http.upstream_codec");
    codec->mutable_typed_config()->PackFrom(envoy::extensions::filters::http::upstream_codec::v3::UpstreamCodec());
  }
  router->mutable_typed_config()->PackFrom(router_config);
  if (customize) customize(hcm);
  auto* filter = chain.add_filters();
  filter->set_name("envoy.filters.network.http_connection_manager");
  filter->mutable_typed_config()->PackFrom(hcm);
}

// TLS termination with the certificates a listener references (offering HTTP/2 and HTTP/1.1 when
// HTTP runs inside).
// Splits a kgateway TLS option list: items separated by commas or whitespace, with YAML list
// dashes ("- a - b", as a folded multi-line string reads) dropped.
std::vector<std::string> option_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  auto flush = [&] {
    if (!item.empty() && item != "-") out.push_back(item);
    item.clear();
  };
  for (char c : text) {
    if (c == ',' || std::isspace(static_cast<unsigned char>(c)))
      flush();
    else
      item += c;
  }
  flush();
  return out;
}

using TlsParameters = envoy::extensions::transport_sockets::tls::v3::TlsParameters;
std::optional<TlsParameters::TlsProtocol> tls_version(const std::string& v) {
  if (v == "1.0") return TlsParameters::TLSv1_0;
  if (v == "1.1") return TlsParameters::TLSv1_1;
  if (v == "1.2") return TlsParameters::TLSv1_2;
  if (v == "1.3") return TlsParameters::TLSv1_3;
  return std::nullopt;
}

void add_downstream_tls(const std::vector<const sdk::Secret*>& certificates, bool http,
                        const std::map<std::string, std::string>& options, const ClientValidation* client,
                        envoy::config::listener::v3::FilterChain& chain) {
  envoy::extensions::transport_sockets::tls::v3::DownstreamTlsContext tls;
  auto* common = tls.mutable_common_tls_context();
  auto option = [&](const char* key) -> const std::string* {
    auto it = options.find(std::string("kgateway.dev/") + key);
    return it == options.end() ? nullptr : &it->second;
  };
  if (const auto* alpn = option("alpn-protocols")) {
    if (*alpn != "allow-empty")
      for (const auto& p : option_list(*alpn)) common->add_alpn_protocols(p);
  } else if (http) {
    common->add_alpn_protocols("h2");
    common->add_alpn_protocols("http/1.1");
  }
  auto* params = common->mutable_tls_params();
  if (const auto* v = option("cipher-suites"))
    for (const auto& c : option_list(*v)) params->add_cipher_suites(c);
  if (const auto* v = option("ecdh-curves"))
    for (const auto& c : option_list(*v)) params->add_ecdh_curves(c);
  if (const auto* v = option("signature-algorithms"))
    for (const auto& c : option_list(*v)) params->add_signature_algorithms(c);
  if (const auto* v = option("min-tls-version"))
    if (auto version = tls_version(*v)) params->set_tls_minimum_protocol_version(*version);
  if (const auto* v = option("max-tls-version"))
    if (auto version = tls_version(*v)) params->set_tls_maximum_protocol_version(*version);
  if (const auto* v = option("verify-certificate-hash"))
    for (const auto& h : option_list(*v)) common->mutable_validation_context()->add_verify_certificate_hash(h);
  if (const auto* v = option("verify-subject-alt-names"))
    for (const auto& name : option_list(*v)) {
      auto* san = common->mutable_validation_context()->add_match_typed_subject_alt_names();
      san->set_san_type(envoy::extensions::transport_sockets::tls::v3::SubjectAltNameMatcher::DNS);
      san->mutable_matcher()->set_exact(name);
    }
  if (client) {
    auto* validation = common->mutable_validation_context();
    validation->mutable_trusted_ca()->set_inline_bytes(client->trusted_ca);
    if (client->insecure)
      validation->set_trust_chain_verification(
          envoy::extensions::transport_sockets::tls::v3::CertificateValidationContext::ACCEPT_UNTRUSTED);
    tls.mutable_require_client_certificate()->set_value(!client->insecure);
  }
  for (const auto* secret : certificates) {
    auto* cert = common->add_tls_certificates();
    cert->mutable_certificate_chain()->set_inline_bytes(secret->data.at("tls.crt"));
    cert->mutable_private_key()->set_inline_bytes(secret->data.at("tls.key"));
  }
  auto* socket = chain.mutable_transport_socket();
  socket->set_name("envoy.transport_sockets.tls");
  socket->mutable_typed_config()->PackFrom(tls);
}

// The HTTP filters a route configuration's routes need, in kgateway's order: those of the
// Backend types they reach, then session persistence.
std::vector<HttpFilter> http_filters(Translation& t, const std::map<std::string, std::vector<RouteEntry>>& vhosts) {
  bool session = false;
  std::set<std::string> backend_types;
  for (const auto& [host, entries] : vhosts)
    for (const auto& e : entries) {
      const auto& rule = e.route->rules[e.rule];
      session |= rule.session_persistence.has_value();
      for (const auto& ref : rule.backend_refs) {
        if (ref.group != kKgatewayGroup || ref.kind != "Backend") continue;
        auto it = t.backends.find(ref.ns.value_or(e.route->ref.ns) + "/" + ref.name);
        if (it != t.backends.end()) backend_types.insert(backend_type_of(*it->second, t.registry));
      }
    }
  std::vector<HttpFilter> out;
  if (backend_types.count("DynamicForwardProxy")) {
    auto& f = out.emplace_back();
    f.set_name("envoy.filters.http.dynamic_forward_proxy");
    envoy::extensions::filters::http::dynamic_forward_proxy::v3::FilterConfig config;
    config.mutable_sub_cluster_config();
    f.mutable_typed_config()->PackFrom(config);
  }
  if (backend_types.count("GCP")) {
    auto& f = out.emplace_back();
    f.set_name("envoy.filters.http.gcp_authn");
    envoy::extensions::filters::http::gcp_authn::v3::GcpAuthnFilterConfig config;
    config.set_cluster(kGcpAuthnCluster);
    config.mutable_timeout()->set_seconds(10);
    f.mutable_typed_config()->PackFrom(config);
    t.needs_gcp_authn_cluster = true;
  }
  if (session) {
    // Disabled here, enabled per route.
    auto& f = out.emplace_back();
    f.set_name(kStatefulSessionFilter);
    f.set_disabled(true);
    f.mutable_typed_config()->PackFrom(envoy::extensions::filters::http::stateful_session::v3::StatefulSession());
  }
  return out;
}

// The GCP metadata server, where the gcp_authn filter gets identity tokens.
envoy::config::cluster::v3::Cluster gcp_authn_cluster() {
  envoy::config::cluster::v3::Cluster c;
  c.set_name(kGcpAuthnCluster);
  c.set_alt_stat_name(kGcpAuthnCluster);
  c.mutable_connect_timeout()->set_seconds(5);
  envoy::extensions::clusters::dns::v3::DnsCluster dns;
  dns.set_dns_lookup_family(envoy::extensions::clusters::common::dns::v3::V4_ONLY);
  dns.set_respect_dns_ttl(true);
  c.mutable_cluster_type()->set_name("envoy.clusters.dns");
  c.mutable_cluster_type()->mutable_typed_config()->PackFrom(dns);
  auto* assignment = c.mutable_load_assignment();
  assignment->set_cluster_name(kGcpAuthnCluster);
  auto* address =
      assignment->add_endpoints()->add_lb_endpoints()->mutable_endpoint()->mutable_address()->mutable_socket_address();
  address->set_address("metadata.google.internal");
  address->set_port_value(80);
  return c;
}

envoy::config::cluster::v3::Cluster eds_cluster(const std::string& name,
                                                const std::optional<std::string>& app_protocol) {
  envoy::config::cluster::v3::Cluster c;
  c.set_name(name);
  c.set_type(envoy::config::cluster::v3::Cluster::EDS);
  c.mutable_connect_timeout()->set_seconds(5);
  auto* eds = c.mutable_eds_cluster_config()->mutable_eds_config();
  eds->mutable_ads();
  eds->set_resource_api_version(envoy::config::core::v3::V3);
  c.mutable_common_lb_config()->mutable_locality_weighted_lb_config();
  c.set_ignore_health_on_host_removal(true);
  // HTTP/2 to the upstream for the application protocols that mean it.
  if (app_protocol == "kubernetes.io/h2c" || app_protocol == "grpc" || app_protocol == "http2") {
    envoy::extensions::upstreams::http::v3::HttpProtocolOptions options;
    options.mutable_explicit_http_config()->mutable_http2_protocol_options();
    (*c.mutable_typed_extension_protocol_options())["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].PackFrom(
        options);
  }
  return c;
}

// "httproute-<name>-<ns>-<rule>-<match>[-<rule name>]": the part of an Envoy route's name that
// says which route object, rule and match it comes from.
std::string route_source_name(const RouteEntry& e) {
  std::string kind = e.route->ref.kind;
  std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string name = kind + "-" + e.route->ref.name + "-" + e.route->ref.ns + "-" + std::to_string(e.rule) + "-" +
                     std::to_string(e.match);
  if (const auto& rule_name = e.route->rules[e.rule].name) name += "-" + *rule_name;
  return name;
}

void add_route_source_metadata(const RouteEntry& e, const std::string& source, envoy::config::route::v3::Route& out) {
  auto& fields = *(*out.mutable_metadata()->mutable_filter_metadata())["dev.kgateway.route_source"].mutable_fields();
  fields["name"].set_string_value(e.route->ref.name);
  fields["namespace"].set_string_value(e.route->ref.ns);
  fields["kind"].set_string_value(e.route->ref.kind);
  fields["group"].set_string_value(e.route->ref.group);
  fields["rule"].set_string_value(source);
}

// Whether a listener takes routes of `kind`: HTTP and GRPC routes on HTTP(S), TCP routes on TCP
// and terminated TLS, TLS routes on TLS.
bool accepts_kind(const model::Listener& l, std::string_view kind) {
  if (kind == "HTTPRoute" || kind == "GRPCRoute") return is_http_protocol(l.protocol);
  if (kind == "TCPRoute")
    return l.protocol == "TCP" || (l.protocol == "TLS" && l.tls_mode.value_or("Terminate") == "Terminate");
  if (kind == "TLSRoute") return l.protocol == "TLS";
  return false;
}

// Plain-HTTP listeners share their port's route configuration; an HTTPS listener has its own.
// A ListenerSet's HTTPS listener is named "<ns>/<set>/<listener>".
std::string route_config_name(const model::Listener& l) {
  if (l.protocol != "HTTPS") return "listener~" + std::to_string(l.port);
  return l.listener_set ? l.listener_set->ns + "/" + l.listener_set->name + "/" + l.name : l.name;
}

sdk::Value parent_ref_value(const model::ParentRef& p) {
  sdk::Value v = sdk::Value::Map{};
  v.set("group", p.group_as_written.value_or(""));
  v.set("kind", p.kind_as_written.value_or(""));
  v.set("name", p.name);
  if (p.ns) v.set("namespace", *p.ns);
  if (p.section_name) v.set("sectionName", *p.section_name);
  if (p.port) v.set("port", int64_t{*p.port});
  return v;
}

// Every kgateway Backend becomes a cluster through the backend type registered for it; a
// Backend with errors becomes a STATIC cluster with no endpoints and Accepted=False.
// What built-in and plugin hooks see while they run: the Gateway, and the objects, Secrets and
// backends of the translation as ReferenceGrants permit them to the object asking. Conditions are
// kept for the caller to put into status.
class TranslationHost : public sdk::TranslationContext, public sdk::HostApi {
 public:
  TranslationHost(const sdk::ObjectRef& gateway, Translation& t) : gateway_(gateway), t_(t) {}
  const sdk::ObjectRef& gateway() const noexcept override { return gateway_; }
  const sdk::HostApi& host() const noexcept override { return *this; }
  std::string merge_strategy(std::string_view kind, std::string_view field) const noexcept override {
    try {
      auto k = t_.settings.policy_merge.find(std::string(kind));
      if (k == t_.settings.policy_merge.end()) return {};
      auto f = k->second.find(std::string(field));
      return f == k->second.end() ? std::string() : config::to_string(f->second);
    } catch (...) {
      return {};
    }
  }
  const sdk::ObjectRef* upstream_tls_policy(std::string_view cluster) const noexcept override {
    try {
      if (t_.backend_tls_policies.empty()) return nullptr;
      if (!tls_owners_) {
        tls_owners_.emplace();
        for (const auto& [key, service] : t_.services())
          for (const auto& port : service.ports)
            if (const auto* p = t_.tls_policy_for(service, port))
              tls_owners_->emplace(service_cluster_name(service.ref.ns, service.ref.name, port.port), p->ref);
        for (const auto& [key, backend] : t_.backends)
          if (const auto* p = t_.tls_policy_for(backend->ref))
            tls_owners_->emplace(backend_cluster_name(backend->ref.ns, backend->ref.name), p->ref);
      }
      auto it = tls_owners_->find(std::string(cluster));
      return it == tls_owners_->end() ? nullptr : &it->second;
    } catch (...) {
      return nullptr;
    }
  }
  void log(sdk::LogLevel, std::string_view) const noexcept override {}
  std::shared_ptr<const sdk::Secret> find_secret(const sdk::ObjectRef& from, std::string_view ns,
                                                 std::string_view name) const noexcept override {
    try {
      if (!t_.permitted({from.group, from.kind}, from.ns, {"", "Secret", std::string(ns), std::string(name)}))
        return nullptr;
      return t_.secret(std::string(ns), std::string(name));
    } catch (...) {
      return nullptr;
    }
  }
  const sdk::Object* find_object(const sdk::ObjectRef& from, const sdk::ObjectRef& target,
                                 std::string* why) const noexcept override {
    try {
      return t_.find_object(from, target, why);
    } catch (...) {
      return nullptr;
    }
  }
  // Every Service port and Backend in scope is a cluster already; this checks the reference.
  std::string backend_cluster(const sdk::ObjectRef& from, const sdk::ObjectRef& target, int32_t port,
                              std::string& error) const noexcept override {
    try {
      model::BackendRef ref;
      ref.group = target.group;
      ref.kind = target.kind;
      ref.ns = target.ns.empty() ? from.ns : target.ns;
      ref.name = target.name;
      if (port) ref.port = port;
      auto resolved = t_.resolve(from, ref, error);
      return error.empty() ? resolved.cluster : std::string();
    } catch (const std::exception& e) {
      error = e.what();
      return {};
    }
  }
  // Refreshes are asked through the registration-time HostApi; inside a translation they mean nothing.
  void refresh(const sdk::ObjectRef&) const noexcept override {}
  void report_condition(const sdk::ObjectRef& object, const sdk::ObjectRef*,
                        const sdk::Condition& condition) const noexcept override {
    try {
      reported_[object].push_back(condition);
    } catch (...) {
    }
  }
  // What hooks reported about `object`, a True condition of a type ahead of a False one of it.
  std::vector<sdk::Condition> reported(const sdk::ObjectRef& object) const {
    auto it = reported_.find(object);
    if (it == reported_.end()) return {};
    std::vector<sdk::Condition> out = it->second;
    std::stable_sort(out.begin(), out.end(), [](const sdk::Condition& a, const sdk::Condition& b) {
      return a.type != b.type ? a.type < b.type
                              : (a.status == sdk::Condition::Status::True) > (b.status == sdk::Condition::Status::True);
    });
    return out;
  }

 private:
  const sdk::ObjectRef& gateway_;
  Translation& t_;
  mutable std::map<sdk::ObjectRef, std::vector<sdk::Condition>> reported_;
  mutable std::optional<std::map<std::string, sdk::ObjectRef>> tls_owners_;  // cluster -> BackendTLSPolicy
};

void translate_backends(Translation& t) {
  TranslationHost ctx(t.gateway_ref, t);
  for (const auto& [key, object] : t.backends) {
    envoy::config::cluster::v3::Cluster cluster;
    cluster.set_name(backend_cluster_name(object->ref.ns, object->ref.name));
    cluster.mutable_connect_timeout()->set_seconds(5);
    sdk::Diagnostics diag;
    const std::string type = backend_type_of(*object, t.registry);
    const sdk::BackendType* backend_type = t.registry.backend_type(type);
    if (!backend_type) {
      diag.error("spec.type", type.empty() ? "the Backend has no configuration" : "unsupported backend type " + type);
    } else if (auto ir = backend_type->parse(*object, ctx, diag); ir && !diag.has_errors()) {
      sdk::ClusterOutput out{cluster};
      backend_type->build_cluster(ctx, *object, *ir, out, diag);
    }
    Conditions conditions;
    if (diag.has_errors()) {
      // kgateway's blackhole cluster: routes to the Backend keep their cluster, which has no hosts.
      cluster.Clear();
      cluster.set_name(backend_cluster_name(object->ref.ns, object->ref.name));
      cluster.set_type(envoy::config::cluster::v3::Cluster::STATIC);
      cluster.mutable_load_assignment()->set_cluster_name(cluster.name());
      cluster.mutable_metadata();
      std::string errors;
      for (const auto& e : diag.errors()) errors += (errors.empty() ? "" : "; ") + e.to_string();
      conditions.set_if_absent("Accepted", false, "Invalid", "Backend error: \"" + errors + "\"");
    } else {
      conditions.set_if_absent("Accepted", true, "Accepted", "Backend accepted");
      for (const auto& c : ctx.reported(object->ref))
        conditions.set_if_absent(c.type, c.status == sdk::Condition::Status::True, c.reason, c.message);
    }
    sdk::Value status = sdk::Value::Map{};
    status.set("conditions", conditions.to_value());
    t.out.statuses["backends"][key] = std::move(status);
    t.out.clusters.push_back(std::move(cluster));
  }
}

sdk::Value policy_status_for_gateway(const sdk::ObjectRef& gateway, Conditions conditions);

// The upstream TLS a BackendTLSPolicy asks for: SNI, and server validation against its CAs or
// the system's (served as the SDS secret SYSTEM_CA_CERT).
envoy::extensions::transport_sockets::tls::v3::UpstreamTlsContext upstream_tls(const model::BackendTlsPolicy& p,
                                                                               const std::string& ca) {
  using envoy::extensions::transport_sockets::tls::v3::SubjectAltNameMatcher;
  envoy::extensions::transport_sockets::tls::v3::UpstreamTlsContext tls;
  tls.set_sni(p.hostname);
  auto* common = tls.mutable_common_tls_context();
  envoy::extensions::transport_sockets::tls::v3::CertificateValidationContext* validation;
  if (p.well_known_ca) {
    auto* combined = common->mutable_combined_validation_context();
    combined->mutable_validation_context_sds_secret_config()->set_name("SYSTEM_CA_CERT");
    validation = combined->mutable_default_validation_context();
  } else {
    common->mutable_tls_params();
    validation = common->mutable_validation_context();
    validation->mutable_trusted_ca()->set_inline_string(ca);
  }
  auto add_san = [&](SubjectAltNameMatcher::SanType type, const std::string& value) {
    auto* san = validation->add_match_typed_subject_alt_names();
    san->set_san_type(type);
    san->mutable_matcher()->set_exact(value);
  };
  for (const auto& san : p.subject_alt_names)
    add_san(san.type == "URI" ? SubjectAltNameMatcher::URI : SubjectAltNameMatcher::DNS, san.value);
  if (p.subject_alt_names.empty()) add_san(SubjectAltNameMatcher::DNS, p.hostname);
  return tls;
}

void set_transport_socket(const envoy::extensions::transport_sockets::tls::v3::UpstreamTlsContext& tls,
                          envoy::config::cluster::v3::Cluster& cluster) {
  // The PROXY protocol header goes out before the TLS handshake: a cluster sending one keeps it
  // around the new TLS socket.
  envoy::extensions::transport_sockets::proxy_protocol::v3::ProxyProtocolUpstreamTransport proxy_protocol;
  const bool wrapped = cluster.has_transport_socket() &&
                       cluster.transport_socket().typed_config().Is<decltype(proxy_protocol)>() &&
                       cluster.transport_socket().typed_config().UnpackTo(&proxy_protocol);
  auto* socket = wrapped ? proxy_protocol.mutable_transport_socket() : cluster.mutable_transport_socket();
  socket->set_name("envoy.transport_sockets.tls");
  socket->mutable_typed_config()->PackFrom(tls);
  if (wrapped) cluster.mutable_transport_socket()->mutable_typed_config()->PackFrom(proxy_protocol);
}

// BackendTLSPolicies: TLS on the clusters of the Services and Backends they target, and a
// status for each one that a route of the Gateway reaches.
void apply_backend_tls_policies(Translation& t) {
  if (t.backend_tls_policies.empty()) return;
  std::map<std::string, envoy::config::cluster::v3::Cluster*> by_name;
  for (auto& c : t.out.clusters) by_name[c.name()] = &c;
  const sdk::Secret* client_certificate = t.backend_client_certificate();
  std::vector<envoy::config::cluster::v3::Cluster> added;
  for (const auto& policy : t.backend_tls_policies) {
    std::string error;
    const auto ca = policy.well_known_ca ? std::optional<std::string>("") : t.policy_ca(policy, error);
    bool used = false;
    auto secure = [&](const std::string& name, bool owned_by_policy) {
      auto it = by_name.find(name);
      if (it == by_name.end()) return;
      used |= t.used_clusters.count(name) > 0;
      if (!ca || !owned_by_policy) return;
      set_transport_socket(upstream_tls(policy, *ca), *it->second);
    };
    for (const auto& target : policy.targets) {
      if (target.group.empty() && target.kind == "Service") {
        auto service = t.services().find(policy.ref.ns + "/" + target.name);
        if (service == t.services().end()) continue;
        for (const auto& port : service->second.ports) {
          if (t.tls_policy_for(service->second, port) != &policy) continue;
          const std::string name = service_cluster_name(policy.ref.ns, target.name, port.port);
          secure(name, true);
          if (!client_certificate || !ca || !by_name.count(name)) continue;
          auto variant = *by_name.at(name);
          variant.set_name(t.client_certificate_cluster(service->second, port));
          used |= t.used_clusters.count(variant.name()) > 0;
          auto tls = upstream_tls(policy, *ca);
          auto* cert = tls.mutable_common_tls_context()->add_tls_certificates();
          cert->mutable_certificate_chain()->set_inline_string(client_certificate->data.at("tls.crt"));
          cert->mutable_private_key()->set_inline_string(client_certificate->data.at("tls.key"));
          set_transport_socket(tls, variant);
          added.push_back(std::move(variant));
        }
      } else if (target.group == kKgatewayGroup && target.kind == "Backend") {
        const sdk::ObjectRef backend{kKgatewayGroup, "Backend", policy.ref.ns, target.name};
        secure(backend_cluster_name(policy.ref.ns, target.name), t.tls_policy_for(backend) == &policy);
      }
    }
    if (!used) continue;
    Conditions conditions;
    if (ca) {
      conditions.set_if_absent("ResolvedRefs", true, "ResolvedRefs", "Resolved all references");
      conditions.set_if_absent("Accepted", true, "Accepted", "Policy accepted");
    } else {
      conditions.set_if_absent("ResolvedRefs", false, "InvalidCACertificateRef", error);
      conditions.set_if_absent("Accepted", false, "NoValidCACertificate", error);
    }
    t.out.statuses["policies"]["BackendTLSPolicy/" + key_of(policy.ref)] =
        policy_status_for_gateway(t.gateway_ref, std::move(conditions));
  }
  for (auto& c : added) t.out.clusters.push_back(std::move(c));
  std::sort(t.out.clusters.begin(), t.out.clusters.end(),
            [](const auto& a, const auto& b) { return a.name() < b.name(); });
}

Conditions accepted_and_attached() {
  Conditions conditions;
  conditions.set_if_absent("Accepted", true, "Valid", "Policy accepted");
  conditions.set_if_absent("Attached", true, "Attached", "Attached to all targets");
  return conditions;
}

// A policy's status with the same conditions on each ancestor.
sdk::Value policy_status_for(const std::vector<sdk::ObjectRef>& ancestors, const Conditions& conditions) {
  sdk::Value::List list;
  for (const auto& a : ancestors) {
    sdk::Value ancestor = sdk::Value::Map{};
    sdk::Value ref = sdk::Value::Map{};
    ref.set("group", a.group);
    ref.set("kind", a.kind);
    ref.set("name", a.name);
    ref.set("namespace", a.ns);
    ancestor.set("ancestorRef", std::move(ref));
    ancestor.set("conditions", conditions.to_value());
    ancestor.set("controllerName", "kgateway.dev/kgateway");
    list.push_back(std::move(ancestor));
  }
  sdk::Value status = sdk::Value::Map{};
  status.set("ancestors", std::move(list));
  return status;
}

// A policy's status with the Gateway as its one ancestor.
sdk::Value policy_status_for_gateway(const sdk::ObjectRef& gateway, Conditions conditions) {
  sdk::Value ancestor = sdk::Value::Map{};
  sdk::Value ref = sdk::Value::Map{};
  ref.set("group", model::kGatewayGroup);
  ref.set("kind", "Gateway");
  ref.set("name", gateway.name);
  ref.set("namespace", gateway.ns);
  ancestor.set("ancestorRef", std::move(ref));
  ancestor.set("conditions", conditions.to_value());
  ancestor.set("controllerName", "kgateway.dev/kgateway");
  sdk::Value status = sdk::Value::Map{};
  status.set("ancestors", sdk::Value::List{std::move(ancestor)});
  return status;
}

// The host's filters of a chain with the staged filters policy kinds contribute: each name once
// (the first contribution wins), in stage order, ahead of the host's own and the router.
std::vector<HttpFilter> with_staged_filters(std::vector<sdk::StagedHttpFilter> staged, std::vector<HttpFilter> host,
                                            std::vector<HttpFilter>& upstream) {
  std::vector<sdk::StagedHttpFilter> unique;
  std::set<std::string> names;
  for (auto& f : staged)
    if (names.insert(f.filter.name()).second) unique.push_back(std::move(f));
  // Stage, then name: the order of a stage's filters must not depend on which policy came first.
  std::stable_sort(unique.begin(), unique.end(), [](const auto& a, const auto& b) {
    return a.stage != b.stage ? a.stage < b.stage : a.filter.name() < b.filter.name();
  });
  std::vector<HttpFilter> out;
  out.reserve(unique.size() + host.size());
  // After the Route stage means after the router: its upstream filters.
  for (auto& f : unique) {
    const bool after_route =
        f.stage.stage == sdk::WellKnownStage::Route && f.stage.relative == sdk::FilterStage::Relative::After;
    (after_route ? upstream : out).push_back(std::move(f.filter));
  }
  for (auto& f : host)
    if (!names.count(f.name())) out.push_back(std::move(f));
  return out;
}

void append_unique(sdk::AttachedPolicies from, std::vector<sdk::AttachedPolicy>& to) {
  for (const auto& p : from)
    if (std::none_of(to.begin(), to.end(), [&](const sdk::AttachedPolicy& q) { return q.ir == p.ir; })) to.push_back(p);
}

struct RouteEntryHash {
  size_t operator()(const RouteEntry& e) const {
    return std::hash<const void*>()(e.route) ^ (e.rule * 0x9e3779b97f4a7c15ULL) ^ (e.match << 16);
  }
};
struct RouteEntryEqual {
  bool operator()(const RouteEntry& a, const RouteEntry& b) const {
    return a.route == b.route && a.rule == b.rule && a.match == b.match;
  }
};

// Positions by address: a flat open-addressing table, as each Envoy route built looks up its
// route's state by the route's address.
class PositionOf {
 public:
  explicit PositionOf(const std::vector<const void*>& keys) {
    size_t capacity = 16;
    while (capacity < keys.size() * 2) capacity <<= 1;
    table_.assign(capacity, {nullptr, 0});
    mask_ = capacity - 1;
    for (size_t i = 0; i < keys.size(); ++i) {
      size_t at = slot(keys[i]);
      while (table_[at].first) at = (at + 1) & mask_;
      table_[at] = {keys[i], i};
    }
  }
  size_t at(const void* key) const {
    for (size_t at = slot(key);; at = (at + 1) & mask_) {
      if (table_[at].first == key) return table_[at].second;
      if (!table_[at].first) throw std::out_of_range("no position for this address");
    }
  }

 private:
  size_t slot(const void* key) const {
    auto x = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(key));
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return static_cast<size_t>(x) & mask_;
  }
  std::vector<std::pair<const void*, size_t>> table_;
  size_t mask_ = 0;
};

// What one translation knows of a route that parsed.
struct RouteState {
  std::shared_ptr<const model::HttpRoute> model;
  TranslationMemo::Route* remembered = nullptr;  // with a memo
  // Where phase A attached it: found by this translation, or kept by the memo (read only).
  TranslationMemo::Attachment attached;
  const TranslationMemo::Attachment* kept = nullptr;
  const TranslationMemo::Attachment& attachment() const { return kept ? *kept : attached; }
  // Its parentRefs naming this Gateway or one of its ListenerSets, with their conditions (empty
  // when it has none here), to add to: the memo's are copied first.
  std::vector<std::pair<const model::ParentRef*, Conditions>>& parents() {
    if (kept) {
      attached = *kept;
      kept = nullptr;
    }
    return attached.parents;
  }
  bool has_parents() const { return !attachment().parents.empty(); }
  // With a memo: what was kept of it, when that is reused as it is; otherwise, what building it
  // records for the next time, until something makes it unfit to keep.
  const TranslationMemo::Route* reusable = nullptr;
  std::unique_ptr<TranslationMemo::Route> rebuilt;
};

// The memo does not hold what the routes need, though nothing said they changed: translate with
// it forgotten.
struct MemoMismatch : std::runtime_error {
  MemoMismatch() : std::runtime_error("translation memo out of step") {}
};

Output translate(const Input& input, const sdk::ObjectRef& gateway_ref, const config::TranslationSettings& settings,
                 const plugins::ExtensionRegistry& registry, TranslationMemo* memo) {
  Translation t{input, gateway_ref, {}, registry, settings};
  const sdk::Object* gateway_object = nullptr;
  std::vector<RouteState> routes;  // those that parse, in input order
  if (memo) routes.reserve(memo->routes.size() + 16);
  std::vector<const sdk::Object*> listener_set_objects;
  std::vector<model::EndpointSlice> slices;
  // Services and EndpointSlices are parsed again only when the memo does not hold what they give.
  const bool services_known = memo && memo->services;
  const bool backends_known = memo && memo->backends_valid && services_known;
  std::map<std::string, model::Service> services;
  // Kinds are told apart by their name first, a cheap test for the many objects of other kinds.
  const std::string_view gateway_group = model::kGatewayGroup, kgateway_group = kKgatewayGroup;
  std::vector<TranslationMemo::Route*> scan_order;  // the memo's routes in input order
  size_t scan_cursor = 0;
  if (memo) scan_order.reserve(memo->routes.size() + 16);
  for (const auto& object : input.objects) {
    const auto& ref = object.ref;
    const std::string_view kind = ref.kind, group = ref.group;
    sdk::Diagnostics diag;
    if (kind == "Gateway" && group == gateway_group && ref.ns == gateway_ref.ns && ref.name == gateway_ref.name) {
      gateway_object = &object;
    } else if (TranslationMemo::is_route_kind(ref)) {
      TranslationMemo::Route* remembered = nullptr;
      if (memo) {
        // Routes come in the order of the last scan unless some were added or removed: the next
        // one in that order is tried before a lookup.
        const auto& last_order = memo->scan_order;
        bool added = false;
        if (scan_cursor < last_order.size() && last_order[scan_cursor] && last_order[scan_cursor]->is(ref)) {
          remembered = last_order[scan_cursor++];
        } else {
          auto [it, inserted] = memo->routes.try_emplace(ref);
          remembered = &it->second;
          added = inserted;
          if (added)
            remembered->key = &it->first;
          else
            scan_cursor = remembered->scan_position + 1;
        }
        remembered->scan_position = scan_order.size();
        scan_order.push_back(remembered);
        if (!added) {
          if (remembered->model) routes.push_back({remembered->model, remembered});
          continue;
        }
      }
      auto route = kind == "HTTPRoute"   ? model::parse_http_route(object, diag)
                   : kind == "GRPCRoute" ? model::parse_grpc_route(object, diag)
                                         : model::parse_l4_route(object, diag);
      if (diag.has_errors()) continue;
      routes.push_back({std::make_shared<const model::HttpRoute>(std::move(route)), remembered});
      if (remembered) remembered->model = routes.back().model;
    } else if ((kind == "ListenerSet" && group == gateway_group) ||
               (kind == "XListenerSet" && group == "gateway.networking.x-k8s.io")) {
      listener_set_objects.push_back(&object);
    } else if (kind == "ReferenceGrant" && group == gateway_group) {
      auto spec = model::ValueReader(&object.body, "", diag)["spec"];
      std::vector<std::pair<sdk::GroupKind, std::string>> from;
      spec["from"].each([&](const model::ValueReader& f) {
        from.push_back({{f["group"].string().value_or(""), f["kind"].string().value_or("")},
                        f["namespace"].string().value_or("")});
      });
      spec["to"].each([&](const model::ValueReader& to) {
        for (const auto& [gk, ns] : from)
          t.grants.emplace(ref.ns,
                           Translation::Grant{gk,
                                              ns,
                                              {to["group"].string().value_or(""), to["kind"].string().value_or("")},
                                              to["name"].string().value_or("")});
      });
    } else if (kind == "Backend" && group == kgateway_group) {
      t.backends.emplace(key_of(ref), &object);
    } else if (kind == "BackendTLSPolicy" && group == gateway_group) {
      auto policy = model::parse_backend_tls_policy(object, diag);
      if (!diag.has_errors()) t.backend_tls_policies.push_back(std::move(policy));
    } else if (kind == "ConfigMap" && group.empty()) {
      t.config_maps.emplace(key_of(ref), &object);
    } else if (kind == "DirectResponse" && group == kgateway_group) {
      t.direct_responses.emplace(key_of(ref), &object);
    } else if (kind == "Secret" && group.empty()) {
      std::vector<sdk::FieldError> errors;
      if (auto secret = sources::secret_from(object, errors); secret && errors.empty())
        t.secrets.emplace(key_of(ref), std::make_shared<const sdk::Secret>(std::move(*secret)));
    } else if (kind == "EndpointSlice" && group == "discovery.k8s.io") {
      if (backends_known) continue;
      auto slice = model::parse_endpoint_slice(object, diag);
      if (!diag.has_errors()) slices.push_back(std::move(slice));
    } else if (kind == "Service" && group.empty()) {
      if (services_known) continue;
      auto service = model::parse_service(object, diag);
      if (!diag.has_errors()) services.emplace(key_of(ref), std::move(service));
    }
  }
  if (memo) memo->scan_order = std::move(scan_order);
  t.services_ = services_known ? memo->services
                               : std::make_shared<const std::map<std::string, model::Service>>(std::move(services));
  if (memo) memo->services = t.services_;
  if (!gateway_object) return {};
  // What the memo kept of phase A, valid while nothing but routes changed; its Gateway and
  // ListenerSets are used, as what it kept points at their listeners.
  TranslationMemo::Attachments* kept = memo && memo->attachments ? &*memo->attachments : nullptr;
  std::shared_ptr<const model::Gateway> gateway_model;
  if (kept) {
    gateway_model = kept->gateway;
  } else {
    sdk::Diagnostics gateway_diag;
    gateway_model = std::make_shared<const model::Gateway>(model::parse_gateway(*gateway_object, gateway_diag));
  }
  const model::Gateway& gateway = *gateway_model;
  t.gateway = &gateway;
  const TranslationHost policy_ctx(gateway_ref, t);
  const PolicyIndex policies(input.objects, registry, policy_ctx, settings.global_policy_namespace);
  // Policies of `kind` on a set of listeners (by sectionName), then on their ListenerSets, then,
  // with `gateway`, those on the whole Gateway.
  auto listener_policies = [&](const sdk::PolicyKind* kind, const std::vector<const model::Listener*>& ls,
                               bool gateway = true) {
    std::vector<sdk::AttachedPolicy> out;
    for (const auto* l : ls)
      append_unique(policies.listener(kind, l->listener_set.value_or(gateway_ref), l->name), out);
    for (const auto* l : ls)
      if (l->listener_set) append_unique(policies.gateway(kind, *l->listener_set), out);
    if (gateway) append_unique(policies.gateway(kind, gateway_ref), out);
    return out;
  };
  // Policies of `kind` on one route rule: those its ExtensionRef filters name, then rule-level,
  // then route-level.
  auto route_policies = [&](const sdk::PolicyKind* kind, const RouteEntry& e) {
    std::vector<sdk::AttachedPolicy> out;
    const sdk::GroupKind gk = kind->group_kind();
    for (const auto& f : e.route->rules[e.rule].filters)
      if (f.extension_ref && f.extension_ref->group == gk.group && f.extension_ref->kind == gk.kind)
        if (const auto* p = policies.find_policy(*f.extension_ref)) append_unique(sdk::AttachedPolicies(p, 1), out);
    if (const auto& name = e.route->rules[e.rule].name) append_unique(policies.rule(kind, e.route->ref, *name), out);
    append_unique(policies.route(kind, e.route->ref), out);
    return out;
  };

  // Why kgateway replaces a rule because of its policies: a policy of a registered kind that
  // targets the route or rule has errors, or the rule's ExtensionRef names one that is missing or
  // has errors.
  auto rejected_by_policy = [&](const RouteEntry& e) -> std::optional<std::string> {
    const auto& rule = e.route->rules[e.rule];
    auto name_of = [](const sdk::ObjectRef& r) { return r.group + "/" + r.kind + "/" + r.ns + "/" + r.name; };
    auto errors_of = [&](const ParsedPolicy& p) {
      std::string message;
      for (const auto& err : p.errors) message += (message.empty() ? "" : "; ") + err.message;
      return name_of(p.object->ref) + ": " + message;
    };
    for (const auto& f : rule.filters) {
      if (!f.extension_ref || !registry.policy_kind({f.extension_ref->group, f.extension_ref->kind})) continue;
      auto it = std::find_if(policies.policies().begin(), policies.policies().end(),
                             [&](const ParsedPolicy& p) { return p.object->ref == *f.extension_ref; });
      if (it == policies.policies().end()) return name_of(*f.extension_ref) + ": policy not found";
      if (!it->ir) return errors_of(*it);
    }
    for (const auto& p : policies.policies()) {
      if (p.ir) continue;
      for (const auto& target : p.targets)
        if (target.object == e.route->ref &&
            (target.level == AttachmentLevel::Route ||
             (target.level == AttachmentLevel::Rule && rule.name && target.section == *rule.name)))
          return errors_of(p);
    }
    return std::nullopt;
  };

  // ListenerSets that name this Gateway and that it allows in.
  std::vector<model::ListenerSet> parsed_listener_sets;
  for (const sdk::Object* object : kept ? std::vector<const sdk::Object*>{} : listener_set_objects) {
    const auto& ref = object->ref;
    sdk::Diagnostics diag;
    auto ls = model::parse_listener_set(*object, diag);
    if (diag.has_errors() || ls.parent.kind != "Gateway" || ls.parent.name != gateway_ref.name ||
        ls.parent.ns.value_or(ref.ns) != gateway_ref.ns)
      continue;
    const bool allowed =
        gateway.allowed_listeners == "All" || (gateway.allowed_listeners == "Same" && ref.ns == gateway_ref.ns);
    if (allowed) parsed_listener_sets.push_back(std::move(ls));
  }
  // Phase A's outcome lives in the memo, when there is one, for the next translation.
  TranslationMemo::Attachments local_attachments;
  if (memo && !kept) {
    memo->attachments.emplace();
    memo->attachments->gateway = gateway_model;
    memo->attachments->listener_sets = std::move(parsed_listener_sets);
  } else if (!memo) {
    local_attachments.listener_sets = std::move(parsed_listener_sets);
  }
  TranslationMemo::Attachments& phase_a = memo ? *memo->attachments : local_attachments;
  const std::vector<model::ListenerSet>& listener_sets = phase_a.listener_sets;

  // Phase A: attach routes to listeners.
  struct ListenerState {
    const model::Listener* listener;
    int64_t attached = 0;
    Conditions conditions;
    std::optional<std::string> not_programmed;  // why, when the listener cannot be programmed
    bool invalid = false;                       // rejected outright: nothing attaches, nothing is built
  };
  std::vector<ListenerState> listeners;
  for (const auto& l : gateway.listeners) listeners.push_back({&l});
  for (const auto& set : listener_sets)
    for (const auto& l : set.listeners) listeners.push_back({&l});
  for (auto& ls : listeners) {
    if (!is_supported_protocol(ls.listener->protocol)) {
      // Rejected, though kgateway still reports it programmed.
      ls.conditions.set_if_absent("Accepted", false, "UnsupportedProtocol",
                                  "Protocol " + ls.listener->protocol + " is unsupported.");
      ls.invalid = true;
      continue;
    }
    // The proxy's own ports cannot be taken by a listener.
    if (kReservedPorts.count(ls.listener->port)) {
      const std::string why = "invalid port " + std::to_string(ls.listener->port) + " in listener: port is reserved";
      ls.conditions.set_if_absent("Conflicted", true, "Invalid", why);
      ls.conditions.set_if_absent("Accepted", false, "Invalid", why);
      ls.conditions.set_if_absent("Programmed", false, "Invalid", why);
      ls.not_programmed = why;
      ls.invalid = true;
    }
  }

  // Phase A's outcome. Patched in the memo when it kept the last one, each route configuration is
  // served by one listener (so no hostname's routes give way to a more specific listener's), no
  // TCP or TLS route changed and no route without rules is attached (so a virtual host left
  // without matches has no route attached, and goes); otherwise attached afresh.
  bool patch = kept != nullptr;
  if (patch) {
    std::map<std::string, size_t> serving;  // route configuration -> HTTP listeners
    for (const auto& ls : listeners)
      if (!ls.invalid && is_http_protocol(ls.listener->protocol) && ++serving[route_config_name(*ls.listener)] > 1)
        patch = false;
    auto l4 = [](const model::HttpRoute& r) { return r.ref.kind == "TCPRoute" || r.ref.kind == "TLSRoute"; };
    size_t ruleless = kept->ruleless;
    for (const auto& [route, attachment] : kept->removed) {
      patch &= !l4(*route);
      if (route->rules.empty() && !attachment.listeners.empty()) --ruleless;
    }
    for (const auto& state : routes)
      if (!state.remembered->attachment) patch &= !l4(*state.model) && !state.model->rules.empty();
    patch &= ruleless == 0;
    if (patch) kept->ruleless = 0;
  }
  std::unordered_set<const model::HttpRoute*> gone;  // routes changed since, by their last model
  if (!patch) {
    phase_a.vhosts.clear();
    phase_a.vhost_rank.clear();
    phase_a.vhost_listener.clear();
    phase_a.l4.clear();
    phase_a.ruleless = 0;
  } else {
    ++memo->attachments_patched;
    for (const auto& [route, attachment] : kept->removed) {
      gone.insert(route);
      for (size_t li : attachment.listeners) --kept->attached[li];
    }
    for (size_t li = 0; li < listeners.size(); ++li) listeners[li].attached = kept->attached[li];
    if (!gone.empty())
      for (auto& [rc, hosts] : kept->vhosts)
        for (auto& [host, entries] : hosts)
          std::erase_if(entries, [&](const RouteEntry& e) { return gone.count(e.route) > 0; });
  }
  phase_a.removed.clear();
  auto& l4_attachments = phase_a.l4;
  auto& vhosts = phase_a.vhosts;
  auto& vhost_rank = phase_a.vhost_rank;
  auto& vhost_listener = phase_a.vhost_listener;
  // Where each listener's virtual hosts are kept, found on the first route attached to it.
  struct ListenerHosts {
    std::string rc;  // its route configuration
    std::map<std::string, size_t>* ranks = nullptr;
    std::map<std::string, std::vector<RouteEntry>>* entries = nullptr;
    std::map<std::string, const model::Listener*>* serving = nullptr;
  };
  std::vector<ListenerHosts> listener_hosts(listeners.size());
  // While no virtual host was taken over by a more specific listener (which drops entries already
  // counted), each route's attachment counts the Envoy routes it makes.
  bool entry_counts_exact = true;
  auto attach = [&](RouteState& state) {
    const model::HttpRoute& route = *state.model;
    auto& attached_here = state.attached;
    for (const auto& parent : route.parent_refs) {
      // A route attaches to the Gateway's own listeners, or to those of one of its ListenerSets.
      const std::string& parent_ns = parent.ns ? *parent.ns : route.ref.ns;
      const std::string_view parent_kind = parent.kind;
      std::optional<sdk::ObjectRef> via_set;
      if (parent_kind == "ListenerSet" || parent_kind == "XListenerSet") {
        for (const auto& set : listener_sets)
          if (set.ref.name == parent.name && set.ref.ns == parent_ns) via_set = set.ref;
        if (!via_set) continue;
      } else if (parent_kind != "Gateway" || std::string_view(parent.group) != model::kGatewayGroup ||
                 parent.name != gateway_ref.name || parent_ns != gateway_ref.ns) {
        continue;
      }
      auto& [parent_ptr, conditions] = attached_here.parents.emplace_back(&parent, Conditions{});
      bool attached = false;
      bool section_matched = false;
      for (size_t li = 0; li < listeners.size(); ++li) {
        auto& ls = listeners[li];
        const auto& l = *ls.listener;
        if (ls.invalid || l.listener_set != via_set) continue;
        if (parent.section_name && *parent.section_name != l.name) continue;
        if (parent.port && *parent.port != l.port) continue;
        if (!accepts_kind(l, route.ref.kind)) continue;
        section_matched = true;
        const std::string& listener_ns = l.listener_set ? l.listener_set->ns : gateway_ref.ns;
        if (l.allowed_routes.from == model::AllowedRoutes::From::Same && route.ref.ns != listener_ns) continue;
        auto hosts = effective_hostnames(l.hostname, route.hostnames);
        if (hosts.empty()) continue;
        attached = true;
        ++ls.attached;
        attached_here.listeners.push_back(li);
        if (const std::string_view kind = route.ref.kind; kind == "TCPRoute" || kind == "TLSRoute") {
          l4_attachments[l.port].push_back({&l, &route, hosts});
          continue;
        }
        auto& where = listener_hosts[li];
        if (!where.entries) {
          where.rc = route_config_name(l);
          where.ranks = &vhost_rank[where.rc];
          where.entries = &vhosts[where.rc];
          where.serving = &vhost_listener[where.rc];
        }
        for (const auto& host : hosts) {
          // Listeners sharing a port share the route configuration; a hostname's requests go to the
          // listener whose hostname matches it most specifically, so only its routes serve it.
          const size_t rank = !l.hostname ? 0 : *l.hostname == host ? SIZE_MAX : l.hostname->size();
          auto [best, first] = where.ranks->try_emplace(host, rank);
          if (rank < best->second) continue;
          auto& entries = (*where.entries)[host];
          (*where.serving)[host] = &l;
          if (rank > best->second) {
            entry_counts_exact &= entries.empty();
            entries.clear();
            best->second = rank;
          }
          const size_t before = entries.size();
          for (size_t r = 0; r < route.rules.size(); ++r)
            for (size_t m = 0; m < route.rules[r].matches.size(); ++m) entries.push_back({&route, r, m});
          attached_here.entries += entries.size() - before;
        }
      }
      if (!attached)
        conditions.set_if_absent("Accepted", false, section_matched ? "NotAllowedByListeners" : "NoMatchingParent",
                                 section_matched ? "No listener allowed the route" : "No matching parent");
    }
    if (route.rules.empty() && !attached_here.listeners.empty()) ++phase_a.ruleless;
  };
  for (auto& state : routes) {
    if (patch && state.remembered->attachment) {
      state.kept = &*state.remembered->attachment;
      continue;
    }
    attach(state);
    // Kept as phase A leaves it: phase B adds conditions to the route's own copy.
    if (memo) state.remembered->attachment = state.attached;
  }
  // Virtual hosts whose routes all changed away; none is a ruleless route's, when patched.
  if (patch)
    for (auto& [rc, hosts] : vhosts)
      for (auto it = hosts.begin(); it != hosts.end();) {
        if (!it->second.empty()) {
          ++it;
          continue;
        }
        vhost_rank[rc].erase(it->first);
        vhost_listener[rc].erase(it->first);
        it = hosts.erase(it);
      }
  if (memo) {
    phase_a.attached.clear();
    for (const auto& ls : listeners) phase_a.attached.push_back(ls.attached);
  }
  // Each route's state by its address, as route entries name it.
  const PositionOf position_of = [&] {
    std::vector<const void*> addresses;
    addresses.reserve(routes.size());
    for (const auto& state : routes) addresses.push_back(state.model.get());
    return PositionOf(addresses);
  }();
  auto state_of = [&](const model::HttpRoute* route) -> RouteState& { return routes[position_of.at(route)]; };
  auto parents_of = [&](const model::HttpRoute* route) -> auto& { return state_of(route).parents(); };

  // Routes the memo holds as built last time have their Envoy routes copied, not built; every
  // other HTTP or gRPC route is recorded as it is built, for the next time.
  if (memo) {
    // Counted again where a takeover dropped entries (never when patched, which needs no takeover).
    std::vector<size_t> counted;
    if (!entry_counts_exact) {
      counted.assign(routes.size(), 0);
      for (const auto& [rc_name, hosts] : vhosts)
        for (const auto& [host, entries] : hosts)
          for (const auto& e : entries) ++counted[position_of.at(e.route)];
    }
    for (size_t i = 0; i < routes.size(); ++i) {
      auto& state = routes[i];
      if (const std::string_view kind = state.model->ref.kind; kind != "HTTPRoute" && kind != "GRPCRoute") continue;
      const TranslationMemo::Route& remembered = *state.remembered;
      const size_t entries = counted.empty() ? state.attachment().entries : counted[i];
      if (remembered.built_complete && remembered.entries == entries &&
          remembered.parents == state.attachment().parents.size())
        state.reusable = &remembered;
      else
        state.rebuilt = std::make_unique<TranslationMemo::Route>();
    }
  }

  // Virtual hosts are lent only while no policy applies: policy hooks may change what they hold.
  const bool lend_virtual_hosts = memo && policies.kinds().empty();
  std::set<const TranslationMemo::VirtualHost*> lent_seen;
  auto same_entries = [](const std::vector<RouteEntry>& a, const std::vector<RouteEntry>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const RouteEntry& x, const RouteEntry& y) {
      return x.route == y.route && x.rule == y.rule && x.match == y.match;
    });
  };

  // Phase B: Envoy resources. One listener per port; on it one filter chain for all plain-HTTP
  // Gateway listeners, and one per HTTPS listener, selected by SNI when it has a hostname.
  std::map<int32_t, std::vector<ListenerState*>> by_port;
  std::set<int32_t> emitted_ports;  // ports that got an Envoy listener
  for (auto& ls : listeners)
    if (!ls.invalid) by_port[ls.listener->port].push_back(&ls);
  // Route configuration name -> the Gateway listeners it serves.
  std::map<std::string, std::vector<const model::Listener*>> rc_listeners;
  // An HTTP filter chain with the filters its policies need, and their chain and HCM hooks.
  auto build_http_chain = [&](const std::string& rc_name, envoy::config::listener::v3::FilterChain& chain) {
    const auto& ls = rc_listeners[rc_name];
    std::vector<sdk::StagedHttpFilter> staged;
    // Once per place policies meet (the chain, each route), so a kind can leave out what a
    // higher-precedence policy overrides there.
    // Plain-HTTP listeners share the chain: their policies apply to their virtual hosts and the
    // Gateway's to the route configuration (as below), so each level needs its own filters.
    const bool shared = !ls.empty() && ls.front()->protocol != "HTTPS";
    for (const auto* kind : policies.kinds()) {
      if (!shared) {
        if (auto attached = listener_policies(kind, ls); !attached.empty())
          kind->http_filters(policy_ctx, attached, staged);
      } else {
        for (const auto* l : ls)
          if (auto attached = listener_policies(kind, {l}, false); !attached.empty())
            kind->http_filters(policy_ctx, attached, staged);
        if (auto attached = listener_policies(kind, {}); !attached.empty())
          kind->http_filters(policy_ctx, attached, staged);
      }
      for (const auto& [host, entries] : vhosts[rc_name])
        for (const auto& e : entries)
          if (auto attached = route_policies(kind, e); !attached.empty())
            kind->http_filters(policy_ctx, attached, staged);
    }
    std::vector<HttpFilter> upstream;
    add_http_chain(
        rc_name, with_staged_filters(std::move(staged), http_filters(t, vhosts[rc_name]), upstream), chain,
        [&](HCM& hcm) {
          for (const auto* kind : policies.kinds())
            if (auto attached = listener_policies(kind, ls); !attached.empty())
              kind->apply_http_connection_manager(policy_ctx, attached, hcm);
        },
        upstream);
    for (const auto* kind : policies.kinds())
      if (auto attached = listener_policies(kind, ls); !attached.empty())
        kind->apply_filter_chain(policy_ctx, attached, chain);
  };
  for (const auto& [port, port_listeners] : by_port) {
    auto listener = empty_listener(port);
    bool has_plain_http = false;
    bool needs_sni = false;
    bool chains_l4 = false;  // the TLS inspector reads SNI for chains matched by server name
    std::vector<std::pair<std::string, const model::Listener*>> chains;  // route config name, listener
    for (ListenerState* ls : port_listeners) {
      const auto& l = *ls->listener;
      if (l.protocol == "HTTP") rc_listeners[route_config_name(l)].push_back(&l);
      if (l.protocol == "HTTP" && !has_plain_http) {
        has_plain_http = true;
        chains.emplace_back(route_config_name(l), &l);
      } else if (l.protocol == "HTTPS") {
        bool client_failed = false;
        auto client = t.client_validation(gateway, port, ls->conditions, ls->not_programmed, client_failed);
        if (client_failed) continue;
        auto certificates = t.certificates(*ls->listener, ls->conditions, ls->not_programmed);
        if (certificates.empty()) continue;
        auto* chain = listener.add_filter_chains();
        rc_listeners[route_config_name(l)] = {&l};
        // TLS first: the chain's policy hooks may adjust it.
        add_downstream_tls(certificates, /*http=*/true, l.tls_options, client ? &*client : nullptr, *chain);
        build_http_chain(route_config_name(l), *chain);
        if (l.hostname) {
          chain->mutable_filter_chain_match()->add_server_names(*l.hostname);
          needs_sni = true;
        }
        chains.emplace_back(route_config_name(l), &l);
      }
    }
    if (has_plain_http) {
      const std::string name = "listener~" + std::to_string(port);
      build_http_chain(name, *listener.add_filter_chains());
    }
    for (const auto& a : l4_attachments[port]) {
      const bool terminate = a.listener->protocol == "TLS" && a.listener->tls_mode.value_or("Terminate") == "Terminate";
      std::vector<const sdk::Secret*> certificates;
      std::optional<ClientValidation> client;
      if (terminate) {
        bool client_failed = false;
        for (auto& ls : listeners)
          if (ls.listener == a.listener) {
            client = t.client_validation(gateway, port, ls.conditions, ls.not_programmed, client_failed);
            if (!client_failed) certificates = t.certificates(*a.listener, ls.conditions, ls.not_programmed);
          }
        if (certificates.empty()) continue;
      }
      for (size_t i = 0; i < a.route->rules.size(); ++i) {
        auto* chain = listener.add_filter_chains();
        const std::string name = "listener~" + std::to_string(port) + "-" + a.route->ref.ns + "." + a.route->ref.name +
                                 "-rule-" + std::to_string(i);
        chain->set_name(name);
        if (a.route->ref.kind == "TLSRoute")
          for (const auto& host : a.hostnames)
            if (host != "*") {
              chain->mutable_filter_chain_match()->add_server_names(host);
              needs_sni = true;
            }
        envoy::extensions::filters::network::tcp_proxy::v3::TcpProxy proxy;
        proxy.set_stat_prefix(name);
        auto backends = t.resolve_rule(*a.route, a.route->rules[i], parents_of(a.route));
        if (backends.size() == 1) {
          proxy.set_cluster(backends[0].cluster);
        } else {
          for (const auto& b : backends) {
            auto* c = proxy.mutable_weighted_clusters()->add_clusters();
            c->set_name(b.cluster);
            c->set_weight(b.weight);
          }
        }
        auto* filter = chain->add_filters();
        filter->set_name("envoy.filters.network.tcp_proxy");
        filter->mutable_typed_config()->PackFrom(proxy);
        if (terminate)
          add_downstream_tls(certificates, /*http=*/false, a.listener->tls_options, client ? &*client : nullptr,
                             *chain);
        chains_l4 = true;
      }
    }
    if (chains.empty() && !chains_l4) continue;
    emitted_ports.insert(port);
    // Chains in name order, as kgateway emits them.
    std::sort(listener.mutable_filter_chains()->begin(), listener.mutable_filter_chains()->end(),
              [](const auto& a, const auto& b) { return a.name() < b.name(); });
    if (needs_sni) {
      auto* inspector = listener.add_listener_filters();
      inspector->set_name("envoy.filters.listener.tls_inspector");
      inspector->mutable_typed_config()->PackFrom(
          envoy::extensions::filters::listener::tls_inspector::v3::TlsInspector());
    }
    for (const auto* kind : policies.kinds())
      if (auto attached = policies.gateway(kind, gateway_ref); !attached.empty())
        kind->apply_listener(policy_ctx, attached, listener);
    t.out.listeners.push_back(std::move(listener));
    for (const auto& [rc_name, l] : chains) {
      auto& rc = t.out.routes.emplace_back();
      rc.set_name(rc_name);
      rc.set_ignore_port_in_host_matching(true);
      const bool https = l->protocol == "HTTPS";
      // Virtual hosts are built on their own and borrowed by the configuration; those made of the
      // same route matches as last time are the memo's, lent again.
      std::vector<std::shared_ptr<const envoy::config::route::v3::VirtualHost>> hosts;
      for (const auto& [host, attached_entries] : vhosts[rc_name]) {
        TranslationMemo::VirtualHost* lent = nullptr;
        if (lend_virtual_hosts) {
          lent = &memo->virtual_hosts[{rc_name, host}];
          lent_seen.insert(lent);
          if (lent->built && same_entries(lent->entries, attached_entries) &&
              std::all_of(attached_entries.begin(), attached_entries.end(),
                          [&, last = (const model::HttpRoute*)nullptr](const RouteEntry& e) mutable {
                            if (e.route == last) return true;
                            last = e.route;
                            return state_of(e.route).reusable != nullptr;
                          })) {
            hosts.push_back(lent->built);
            continue;
          }
          lent->entries = attached_entries;
        }
        std::vector<RouteEntry> entries = attached_entries;  // sorted below; phase A's stay as attached
        // The routes of this virtual host as last built, by match: what reused routes copy.
        std::shared_ptr<const envoy::config::route::v3::VirtualHost> previous;
        std::unordered_map<RouteEntry, int, RouteEntryHash, RouteEntryEqual> previous_at;
        if (lent && lent->built) {
          previous = std::move(lent->built);
          for (size_t i = 0; i < lent->sorted.size(); ++i) previous_at.emplace(lent->sorted[i], static_cast<int>(i));
        }
        // A route attached twice to one virtual host has its entries twice: those are sorted whole.
        // The previous order without the entries that went, merged with the new ones: what a sort
        // gives, as precedence is a total order.
        bool merge = previous && previous_at.size() == lent->sorted.size();
        std::vector<char> kept(merge ? lent->sorted.size() : 0);
        std::vector<RouteEntry> added;
        if (merge) {
          std::unordered_map<RouteEntry, int, RouteEntryHash, RouteEntryEqual> added_at;
          for (const auto& e : entries) {
            if (auto at = previous_at.find(e); at != previous_at.end()) {
              merge &= !kept[static_cast<size_t>(at->second)];
              kept[static_cast<size_t>(at->second)] = 1;
            } else {
              merge &= added_at.emplace(e, 0).second;
              added.push_back(e);
            }
          }
          std::stable_sort(added.begin(), added.end(), precedes);
        }
        if (merge) {
          std::vector<RouteEntry> staying;
          staying.reserve(entries.size());
          for (size_t i = 0; i < kept.size(); ++i)
            if (kept[i]) staying.push_back(lent->sorted[i]);
          entries.clear();
          std::merge(staying.begin(), staying.end(), added.begin(), added.end(), std::back_inserter(entries), precedes);
        } else {
          std::stable_sort(entries.begin(), entries.end(), precedes);
        }
        // Routes that keep their place are borrowed from the last version, not copied.
        const bool borrow = previous && lent->generations < TranslationMemo::kGenerationsBound;
        auto vh = RouteConfigurations::new_virtual_host(borrow ? previous : nullptr);
        std::string host_part = host;
        std::replace(host_part.begin(), host_part.end(), '.', '_');
        vh->set_name(rc.name() + "~" + host_part);
        vh->add_domains(host);
        if (https) vh->set_require_tls(envoy::config::route::v3::VirtualHost::ALL);
        for (size_t i = 0; i < entries.size(); ++i) {
          const auto& e = entries[i];
          RouteState& state = state_of(e.route);
          // A reused route as it was in this virtual host last time; its name holds its position.
          const envoy::config::route::v3::Route* was = nullptr;
          bool same_place = false;
          if (state.reusable && lent)
            if (auto at = previous_at.find(e); at != previous_at.end()) {
              was = &previous->routes(at->second);
              same_place = static_cast<size_t>(at->second) == i;
            }
          if (was && same_place && borrow) {
            vh->mutable_routes()->UnsafeArenaAddAllocated(
                const_cast<envoy::config::route::v3::Route*>(was));  // never written: it is lent
            continue;
          }
          auto* r = vh->add_routes();
          auto name = [&] {
            return vh->name() + "-route-" + std::to_string(i) + "-" + route_source_name(e) + "-matcher-" +
                   std::to_string(e.match);
          };
          auto key = [&] { return std::make_tuple(rc_name, host, e.rule, e.match); };
          if (state.reusable) {
            if (lent) {
              // Copied from where it was in this virtual host, renamed when it moved.
              if (was) {
                *r = *was;
                if (!same_place) r->set_name(name());
                continue;
              }
              // Not in this virtual host last time: built below, as it was built elsewhere.
            } else {
              const auto& built = state.reusable->built;
              auto it = std::find_if(built.begin(), built.end(), [&](const auto& b) {
                const auto& [b_rc, b_host, b_rule, b_match] = b.first;
                return b_rule == e.rule && b_match == e.match && b_host == host && b_rc == rc_name;
              });
              if (it == built.end()) throw MemoMismatch();
              *r = it->second;
              r->set_name(name());
              continue;
            }
          }
          r->set_name(name());
          build_match(e.route->rules[e.rule].matches[e.match], *r->mutable_match());
          if (settings.enable_route_source_metadata) add_route_source_metadata(e, route_source_name(e), *r);
          auto& fresh = state.rebuilt;
          t.recording = fresh.get();
          t.build_route(*e.route, e.route->rules[e.rule], port, https, *r, state.parents());
          t.recording = nullptr;
          // The policies of each kind on this match, looked up once.
          std::vector<std::pair<const sdk::PolicyKind*, std::vector<sdk::AttachedPolicy>>> attached_policies;
          for (const auto* kind : policies.kinds())
            if (auto attached = route_policies(kind, e); !attached.empty())
              attached_policies.emplace_back(kind, std::move(attached));
          const auto why = rejected_by_policy(e);
          if (fresh) {
            if (!attached_policies.empty() || why) {
              fresh.reset();
            } else {
              ++fresh->entries;
              // Lent virtual hosts keep the built routes themselves; otherwise the memo keeps a copy.
              if (!lent) fresh->built.emplace_back(key(), *r).second.clear_name();
            }
          }
          if (why) {
            // kgateway counts these among the route's own rules as sorted in the virtual host.
            const auto position =
                static_cast<size_t>(std::count_if(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(i),
                                                  [&](const RouteEntry& other) { return other.route == e.route; }));
            Translation::replace_rule(*e.route, e.route->rules[e.rule], *why, *r, state.parents(), position);
            continue;
          }
          for (const auto& [kind, attached] : attached_policies) kind->apply_route(policy_ctx, attached, *r);
        }
        // The plain-HTTP listeners of a port share one route configuration: what targets one of
        // them by sectionName applies to its virtual hosts.
        if (!https)
          for (const auto* kind : policies.kinds())
            if (auto attached = listener_policies(kind, {vhost_listener[rc_name][host]}, false); !attached.empty())
              kind->apply_virtual_host(policy_ctx, attached, *vh);
        if (lent) {
          lent->built = vh;
          lent->generations = borrow ? lent->generations + 1 : 1;
          lent->sorted = entries;
        }
        hosts.push_back(std::move(vh));
      }
      // kgateway orders virtual hosts by name, where '.' has become '_'.
      std::sort(hosts.begin(), hosts.end(), [](const auto& a, const auto& b) { return a->name() < b->name(); });
      for (auto& host : hosts) t.out.routes.mutate().borrow_virtual_host(rc, std::move(host));
      for (const auto* kind : policies.kinds())
        if (auto attached =
                listener_policies(kind, https ? rc_listeners[rc_name] : std::vector<const model::Listener*>{});
            !attached.empty())
          kind->apply_route_configuration(policy_ctx, attached, rc);
    }
  }
  t.out.routes.mutate().sort([](const auto& a, const auto& b) { return a.name() < b.name(); });
  if (lend_virtual_hosts)
    std::erase_if(memo->virtual_hosts, [&](const auto& entry) { return !lent_seen.count(&entry.second); });
  else if (memo)
    memo->virtual_hosts.clear();
  // What reused routes did when they were built; what rebuilt ones did, for the next time.
  // (Their parent conditions are not restored: their status is the memo's too.)
  for (auto& state : routes) {
    if (const auto* remembered = state.reusable) {
      if (!t.backend_tls_policies.empty())
        for (const auto& cluster : remembered->used_clusters) t.used_clusters.insert(cluster);
      t.direct_responses_used.insert(remembered->direct_responses_used.begin(),
                                     remembered->direct_responses_used.end());
    } else if (state.rebuilt) {
      TranslationMemo::Route& remembered = *state.remembered;
      state.rebuilt->model = std::move(remembered.model);
      state.rebuilt->built_complete = true;
      state.rebuilt->parents = state.attachment().parents.size();
      state.rebuilt->attachment = std::move(remembered.attachment);
      state.rebuilt->key = remembered.key;
      state.rebuilt->scan_position = remembered.scan_position;
      remembered = std::move(*state.rebuilt);
      state.rebuilt.reset();
    }
  }
  // Clusters of every Service port in scope (referenced or not, as in kgateway) and Backend, their
  // load assignments, and what cluster-level policies and BackendTLSPolicies set on them.
  auto build_backends = [&] {
    for (const auto& [key, service] : t.services())
      for (const auto& port : service.ports)
        t.out.clusters.push_back(
            eds_cluster(service_cluster_name(service.ref.ns, service.ref.name, port.port), port.app_protocol));
    std::map<std::string, std::vector<const model::EndpointSlice*>> slices_by_service;  // "ns/name"
    for (const auto& slice : slices) slices_by_service[slice.ref.ns + "/" + slice.service].push_back(&slice);
    for (const auto& [key, service] : t.services())
      for (auto& cla : build_endpoints(service, slices_by_service[key])) t.out.endpoints.push_back(std::move(cla));
    translate_backends(t);
    // Cluster-level policies, before BackendTLSPolicy, which takes precedence over what they set.
    if (!policies.kinds().empty()) {
      std::map<std::string, sdk::ObjectRef> cluster_sources;
      for (const auto& [key, service] : t.services())
        for (const auto& port : service.ports)
          cluster_sources[service_cluster_name(service.ref.ns, service.ref.name, port.port)] =
              sdk::ObjectRef{"", "Service", service.ref.ns, service.ref.name};
      for (const auto& [key, object] : t.backends)
        cluster_sources[backend_cluster_name(object->ref.ns, object->ref.name)] = object->ref;
      for (auto& cluster : t.out.clusters) {
        auto source = cluster_sources.find(cluster.name());
        if (source == cluster_sources.end()) continue;
        for (const auto* kind : policies.kinds())
          if (auto attached = policies.backend(kind, source->second); !attached.empty())
            kind->apply_cluster(policy_ctx, attached, cluster);
      }
    }
    if (t.needs_gcp_authn_cluster) t.out.extra_clusters.push_back(gcp_authn_cluster());
    apply_backend_tls_policies(t);
    std::sort(t.out.clusters.begin(), t.out.clusters.end(),
              [](const auto& a, const auto& b) { return a.name() < b.name(); });
  };
  // What the memo kept of the last translation's clusters, reused while only routes changed. The
  // Backends are still translated for their status. BackendTLSPolicies report on the clusters
  // routes reach, so with them everything is built again.
  const bool reuse_backends = backends_known && t.backend_tls_policies.empty();
  if (reuse_backends) {
    translate_backends(t);
    t.out.clusters = memo->clusters;
    t.out.endpoints = memo->endpoints;
    if (t.needs_gcp_authn_cluster) t.out.extra_clusters.push_back(gcp_authn_cluster());
  } else {
    build_backends();
  }
  if (memo) {
    memo->clusters = t.out.clusters;
    memo->endpoints = t.out.endpoints;
    memo->backends_valid = true;
  }
  for (const auto& key : t.direct_responses_used)
    t.out.statuses["policies"]["DirectResponse/" + key] =
        policy_status_for_gateway(gateway_ref, accepted_and_attached());

  // Policies of the registered kinds that attach to this Gateway or to a route of it, with the
  // Gateway as their ancestor.
  if (!policies.empty()) {
    // Route key -> the parents (this Gateway, or a ListenerSet of it) it attaches to.
    std::map<std::string, std::vector<sdk::ObjectRef>> routes_here;
    std::set<sdk::ObjectRef> referenced;  // by a rule's ExtensionRef filter
    for (const auto& state : routes) {
      if (!state.has_parents()) continue;
      const model::HttpRoute* route = state.model.get();
      const auto& parents = state.attachment().parents;
      auto& parent_refs = routes_here[route->ref.kind + "/" + key_of(route->ref)];
      for (const auto& [parent, conditions] : parents) {
        sdk::ObjectRef ref{parent->group, parent->kind, parent->ns.value_or(route->ref.ns), parent->name};
        if (ref.kind == "Gateway") ref = gateway_ref;
        if (std::find(parent_refs.begin(), parent_refs.end(), ref) == parent_refs.end()) parent_refs.push_back(ref);
      }
      for (const auto& rule : route->rules)
        for (const auto& f : rule.filters)
          if (f.extension_ref) referenced.insert(*f.extension_ref);
    }
    for (const auto& p : policies.policies()) {
      // The Gateway for what targets it or its listeners; a route's parents (the Gateway or its
      // ListenerSets) for what targets the route; Services and Backends in scope for themselves.
      std::vector<sdk::ObjectRef> ancestors;
      auto add = [&](const sdk::ObjectRef& a) {
        if (std::find(ancestors.begin(), ancestors.end(), a) == ancestors.end()) ancestors.push_back(a);
      };
      if (referenced.count(p.object->ref)) add(gateway_ref);
      for (const auto& target : p.targets) {
        switch (target.level) {
          case AttachmentLevel::Gateway:
          case AttachmentLevel::Listener:
            if (target.object.kind == "Gateway" && target.object.ns == gateway_ref.ns &&
                target.object.name == gateway_ref.name) {
              add(gateway_ref);
              // What the whole Gateway gets, its ListenerSets inherit.
              if (target.level == AttachmentLevel::Gateway)
                for (const auto& set : listener_sets) add(set.ref);
            }
            for (const auto& set : listener_sets)
              if (set.ref.kind == target.object.kind && set.ref.ns == target.object.ns &&
                  set.ref.name == target.object.name)
                add(set.ref);
            break;
          case AttachmentLevel::Route:
          case AttachmentLevel::Rule:
            if (auto it = routes_here.find(target.object.kind + "/" + key_of(target.object)); it != routes_here.end())
              for (const auto& parent : it->second) add(parent);
            break;
          case AttachmentLevel::Backend:
            if (target.object.kind == "Service" ? t.services().count(key_of(target.object)) > 0
                                                : t.backends.count(key_of(target.object)) > 0)
              add(target.object);
            break;
        }
      }
      if (ancestors.empty()) continue;
      Conditions conditions;
      if (!p.ir) {
        std::string message;
        for (const auto& e : p.errors) message += (message.empty() ? "" : "; ") + e.message;
        conditions.set_if_absent("Accepted", false, "Invalid", message);
        conditions.set_if_absent("Attached", false, "Pending", "");
      } else {
        conditions.set_if_absent("Accepted", true, "Valid", "Policy accepted");
        const auto reported = policy_ctx.reported(p.object->ref);
        // Attached comes right after Accepted, whether the kind reports it or the host assumes it.
        for (const auto& c : reported)
          if (c.type == "Attached")
            conditions.set_if_absent(c.type, c.status == sdk::Condition::Status::True, c.reason, c.message);
        conditions.set_if_absent("Attached", true, "Attached", "Attached to all targets");
        for (const auto& c : reported)
          conditions.set_if_absent(c.type, c.status == sdk::Condition::Status::True, c.reason, c.message);
      }
      t.out.statuses["policies"][p.object->ref.kind + "/" + key_of(p.object->ref)] =
          policy_status_for(ancestors, conditions);
    }
  }

  // Status.
  // By owner (ListenerSet, or nullopt for the Gateway).
  std::map<std::optional<sdk::ObjectRef>, std::vector<std::string>> not_programmed;
  struct ListenerTally {
    size_t total = 0, valid = 0;
    bool rejected = false;    // some listener is not Accepted
    bool unresolved = false;  // some listener has unresolved references
  };
  std::map<std::optional<sdk::ObjectRef>, ListenerTally> tally;
  sdk::Value::List listener_status;
  std::map<sdk::ObjectRef, sdk::Value::List> set_listener_status;
  const std::optional<int64_t> gateway_generation = stated_generation(*gateway_object);
  for (auto& ls : listeners) {
    const auto& l = *ls.listener;
    // A TCP or TLS listener whose port ends up with no filter chain at all is not programmed.
    if (!is_http_protocol(l.protocol) && !ls.invalid && !ls.not_programmed && !emitted_ports.count(l.port)) {
      ls.conditions.set_if_absent("Programmed", false, "Invalid", "TCP/TLS listener has no valid backends or routes");
      ls.not_programmed = "TCP/TLS listener has no valid backends or routes";
    }
    if (ls.not_programmed) not_programmed[l.listener_set].push_back(l.name + ": " + *ls.not_programmed);
    auto& count = tally[l.listener_set];
    ++count.total;
    const bool rejected = ls.conditions.is_false("Accepted");
    count.rejected |= rejected;
    count.unresolved |= ls.conditions.is_false("ResolvedRefs");
    if (!rejected && !ls.not_programmed) ++count.valid;
    ls.conditions.set_if_absent("Accepted", true, "Accepted", "Successfully accepted Listener");
    ls.conditions.set_if_absent("Conflicted", false, "NoConflicts",
                                "Successfully verified that Listener has no conflicts");
    ls.conditions.set_if_absent("ResolvedRefs", true, "ResolvedRefs", "Successfully resolved all references");
    ls.conditions.set_if_absent("Programmed", true, "Programmed", "Successfully programmed Listener");
    sdk::Value v = sdk::Value::Map{};
    v.set("attachedRoutes", ls.attached);
    v.set("conditions", ls.conditions.to_value(l.listener_set ? std::nullopt : gateway_generation));
    v.set("name", l.name);
    sdk::Value::List kinds;
    for (const auto& gk : supported_kinds(l)) {
      sdk::Value k = sdk::Value::Map{};
      k.set("group", gk.group);
      k.set("kind", gk.kind);
      kinds.push_back(std::move(k));
    }
    if (!kinds.empty()) v.set("supportedKinds", std::move(kinds));
    if (l.listener_set)
      set_listener_status[*l.listener_set].push_back(std::move(v));
    else
      listener_status.push_back(std::move(v));
  }
  Conditions gw;
  auto listeners_not_valid = [&](const std::optional<sdk::ObjectRef>& owner, Conditions& conditions) {
    const auto& reasons = not_programmed[owner];
    if (reasons.empty()) return;
    std::string message = "Some listeners are not programmed: ";
    for (size_t i = 0; i < reasons.size(); ++i) message += (i ? "; " : "") + reasons[i];
    conditions.set_if_absent("Accepted", true, "ListenersNotValid", message);
  };
  if (gateway.frontend_validation_insecure())
    gw.set_if_absent("InsecureFrontendValidationMode", true, "ConfigurationChanged",
                     "Gateway frontend validation is configured to allow insecure fallback");
  listeners_not_valid(std::nullopt, gw);
  if (std::all_of(listeners.begin(), listeners.end(), [](const ListenerState& ls) { return ls.invalid; }) &&
      !listeners.empty())
    gw.set_if_absent("Programmed", false, "Invalid", "");
  gw.set_if_absent("Accepted", true, "Accepted", "Successfully accepted Gateway");
  gw.set_if_absent("Programmed", true, "Programmed", "Successfully programmed Gateway");
  if (tally[std::nullopt].unresolved)
    gw.set_if_absent("ResolvedRefs", false, "ListenersNotResolved", "One or more listeners have unresolved references");
  gw.set_if_absent("ResolvedRefs", true, "ResolvedRefs", "Successfully resolved all Gateway references");
  sdk::Value gw_status = sdk::Value::Map{};
  if (!listener_sets.empty()) gw_status.set("attachedListenerSets", static_cast<int64_t>(listener_sets.size()));
  gw_status.set("conditions", gw.to_value(gateway_generation));
  for (const auto& set : listener_sets) {
    Conditions conditions;
    const auto& count = tally[set.ref];
    if (count.total > 0 && count.valid == 0) {
      conditions.set_if_absent("Accepted", false, "ListenersNotValid", "No valid listeners");
      conditions.set_if_absent("Programmed", false, "ListenersNotValid", "No valid listeners");
    }
    listeners_not_valid(set.ref, conditions);
    // A rejected listener leaves the set accepted, with an empty message.
    if (count.rejected) conditions.set_if_absent("Accepted", true, "ListenersNotValid", "");
    conditions.set_if_absent("Accepted", true, "Accepted", "Successfully accepted ListenerSet");
    conditions.set_if_absent("Programmed", true, "Programmed", "Successfully programmed ListenerSet");
    sdk::Value status = sdk::Value::Map{};
    status.set("conditions", conditions.to_value());
    status.set("listeners", std::move(set_listener_status[set.ref]));
    t.out.statuses["listenerSets"][key_of(set.ref)] = std::move(status);
  }
  gw_status.set("listeners", std::move(listener_status));
  t.out.statuses["gateways"][key_of(gateway_ref)] = std::move(gw_status);

  // Route statuses, a section per route kind.
  static constexpr std::array<std::pair<std::string_view, const char*>, 4> kSections = {
      {{"HTTPRoute", "httpRoutes"}, {"GRPCRoute", "grpcRoutes"}, {"TCPRoute", "tcpRoutes"}, {"TLSRoute", "tlsRoutes"}}};
  auto section_index = [](std::string_view kind) {
    size_t i = 0;
    while (i < kSections.size() && kSections[i].first != kind) ++i;
    return i;
  };
  std::array<StatusSection*, kSections.size()> section_of{};
  auto section_at = [&](size_t i) -> StatusSection& {
    if (!section_of[i]) section_of[i] = &t.out.statuses[kSections[i].second];
    return *section_of[i];
  };
  // With the memo's last statuses, the route sections start as they were (shared): a route built
  // again is set only when its status differs, and a route changed since that has no status here
  // now is dropped. Otherwise every route is set.
  const bool patch_statuses = memo && memo->statuses;
  if (patch_statuses)
    for (size_t i = 0; i < kSections.size(); ++i)
      if (auto last = memo->statuses->find(kSections[i].second); last != memo->statuses->end())
        section_at(i) = last->second;
  std::array<size_t, kSections.size()> routes_of_kind{};  // what each section must hold, to check a patch
  for (auto& state : routes) {
    if (!state.has_parents()) continue;
    const model::HttpRoute* route = state.model.get();
    const size_t kind_index = section_index(route->ref.kind);
    auto& section = section_at(kind_index);
    ++routes_of_kind[kind_index];
    if (state.reusable && state.reusable->status) {
      if (!patch_statuses) section.emplace(key_of(route->ref), *state.reusable->status);
      continue;
    }
    sdk::Value::List parent_list;
    const bool l4 = route->ref.kind == "TCPRoute" || route->ref.kind == "TLSRoute";
    for (auto& [parent, conditions] : state.parents()) {
      // kgateway leaves the message of an accepted TCP or TLS route empty.
      conditions.set_if_absent("Accepted", true, "Accepted", l4 ? "" : "Successfully accepted Route");
      conditions.set_if_absent("ResolvedRefs", true, "ResolvedRefs", "Successfully resolved all references");
      conditions.set_if_absent("kgateway.dev/Programmed", true, "Programmed", "Successfully programmed Route");
      sdk::Value p = sdk::Value::Map{};
      p.set("conditions", conditions.to_value());
      p.set("controllerName", "kgateway");
      p.set("parentRef", parent_ref_value(*parent));
      parent_list.push_back(std::move(p));
    }
    sdk::Value status = sdk::Value::Map{};
    status.set("parents", std::move(parent_list));
    SharedStatus shared(std::move(status));
    const std::string key = key_of(route->ref);
    bool unchanged = false;  // the same status as in the last output: the section stays shared
    if (patch_statuses)
      if (auto was = std::as_const(section).find(key); was != section.cend() && was->second == shared) {
        shared = was->second;
        unchanged = true;
      }
    if (state.remembered && state.remembered->built_complete) state.remembered->status = shared;
    if (!unchanged) section[key] = std::move(shared);
  }
  if (patch_statuses) {
    // Routes changed since with no status here now (gone, unparsable or no longer attached).
    for (const auto& ref : memo->changed_routes) {
      const size_t i = section_index(ref.kind);
      if (i == kSections.size() || !section_of[i] || !section_of[i]->count(key_of(ref))) continue;
      auto now = memo->routes.find(ref);
      if (now == memo->routes.end() || !now->second.model || !now->second.attachment ||
          now->second.attachment->parents.empty())
        section_of[i]->erase(key_of(ref));
    }
    for (size_t i = 0; i < kSections.size(); ++i)
      if (section_of[i] && section_of[i]->size() != routes_of_kind[i]) throw MemoMismatch();
  }
  if (memo) {
    // Shared, not copied: neither the output nor the memo changes statuses from here on.
    memo->statuses = t.out.statuses;
    memo->changed_routes.clear();
  }
  return std::move(t.out);
}

}  // namespace

Output translate_gateway(const Input& input, const sdk::ObjectRef& gateway_ref,
                         const config::TranslationSettings& settings, const plugins::ExtensionRegistry& registry,
                         TranslationMemo* memo) {
  try {
    return translate(input, gateway_ref, settings, registry, memo);
  } catch (const MemoMismatch&) {
    ++memo->mismatches;
    memo->forget_all();
    return translate(input, gateway_ref, settings, registry, memo);
  }
}

}  // namespace kgw::translator
