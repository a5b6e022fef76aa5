// Typed Gateway API and core objects, as translation reads them. Plain data: the code that builds
// them from manifests is in gateway_api_parser.cc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kgw/sdk/object.h"
#include "kgw/sdk/status.h"

namespace kgw::model {

inline constexpr const char* kGatewayGroup = "gateway.networking.k8s.io";

struct ParentRef {
  std::string group = kGatewayGroup;
  std::string kind = "Gateway";
  std::optional<std::string> ns;
  std::string name;
  std::optional<std::string> section_name;
  std::optional<int32_t> port;
  // The fields as written, for status (kgateway echoes group and kind as given, "" when absent).
  std::optional<std::string> group_as_written;
  std::optional<std::string> kind_as_written;
};

struct AllowedRoutes {
  enum class From { Same, All, Selector } from = From::Same;
  std::vector<sdk::GroupKind> kinds;  // empty: the protocol's default kinds
};

struct Listener {
  std::string name;
  std::string protocol;  // HTTP, HTTPS, TCP, TLS, UDP or a custom one
  int32_t port = 0;
  std::optional<std::string> hostname;
  std::optional<std::string> tls_mode;  // Terminate | Passthrough
  std::vector<sdk::ObjectRef> certificate_refs;
  std::map<std::string, std::string> tls_options;  // tls.options, e.g. kgateway.dev/min-tls-version
  AllowedRoutes allowed_routes;
  // The ListenerSet that contributes this listener; unset for the Gateway's own.
  std::optional<sdk::ObjectRef> listener_set;
};

// Client certificate validation of a Gateway's TLS listeners (spec.tls.frontend).
struct FrontendValidation {
  std::string mode = "AllowValidOnly";              // AllowValidOnly | AllowInsecureFallback
  std::vector<sdk::ObjectRef> ca_certificate_refs;  // namespace defaults to the Gateway's
};

struct Gateway {
  sdk::ObjectRef ref;
  int64_t creation_timestamp = 0;
  std::string gateway_class;
  std::vector<Listener> listeners;
  std::string allowed_listeners = "None";  // spec.allowedListeners.namespaces.from: None | Same | All
  // spec.tls.frontend: the default validation and per-port overrides (an override without
  // validation turns it off for its port).
  std::optional<FrontendValidation> frontend_default;
  std::map<int32_t, std::optional<FrontendValidation>> frontend_per_port;
  // spec.tls.backend.clientCertificateRef: what the proxy presents to TLS upstreams.
  std::optional<sdk::ObjectRef> backend_client_certificate;

  // The client certificate validation for listeners on `port`, or nullptr.
  const FrontendValidation* frontend_validation(int32_t port) const {
    if (auto it = frontend_per_port.find(port); it != frontend_per_port.end())
      return it->second ? &*it->second : nullptr;
    return frontend_default ? &*frontend_default : nullptr;
  }
  // Whether some validation lets clients without a valid certificate in.
  bool frontend_validation_insecure() const {
    if (frontend_default && frontend_default->mode == "AllowInsecureFallback") return true;
    for (const auto& [port, v] : frontend_per_port)
      if (v && v->mode == "AllowInsecureFallback") return true;
    return false;
  }
};

// A ListenerSet (or the legacy XListenerSet): listeners a Gateway takes in from another object.
struct ListenerSet {
  sdk::ObjectRef ref;
  int64_t creation_timestamp = 0;
  ParentRef parent;  // the Gateway
  std::vector<Listener> listeners;
};

struct HeaderMatch {
  std::string type = "Exact";  // Exact | RegularExpression
  std::string name;
  std::string value;
};

struct PathMatch {
  std::string type = "PathPrefix";  // Exact | PathPrefix | RegularExpression
  std::string value = "/";
};

struct HttpRouteMatch {
  PathMatch path;
  std::vector<HeaderMatch> headers;
  std::vector<HeaderMatch> query_params;
  std::optional<std::string> method;
};

struct BackendRef {
  std::string group;  // "" for core
  std::string kind = "Service";
  std::optional<std::string> ns;
  std::string name;
  std::optional<int32_t> port;
  int32_t weight = 1;
};

struct HeaderModifier {
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::pair<std::string, std::string>> add;
  std::vector<std::string> remove;
};

// HTTPPathModifier: ReplaceFullPath or ReplacePrefixMatch.
struct PathModifier {
  std::string type;
  std::string value;
};

struct RequestRedirect {
  std::optional<std::string> scheme;
  std::optional<std::string> hostname;
  std::optional<PathModifier> path;
  std::optional<int32_t> port;
  int32_t status_code = 302;
};

struct UrlRewrite {
  std::optional<std::string> hostname;
  std::optional<PathModifier> path;
};

struct HttpRouteFilter {
  std::string type;  // RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite, ...
  std::optional<HeaderModifier> header_modifier;  // for both header modifier types
  std::optional<RequestRedirect> redirect;
  std::optional<UrlRewrite> url_rewrite;
  std::optional<sdk::ObjectRef> extension_ref;  // ExtensionRef, namespace of the route
};

// Durations in milliseconds, as parsed from Gateway API duration strings ("1h30m", "500ms").
struct RouteTimeouts {
  std::optional<int64_t> request_ms;
  std::optional<int64_t> backend_request_ms;
};

struct RouteRetry {
  std::optional<int32_t> attempts;
  std::vector<int32_t> codes;
  std::optional<int64_t> backoff_ms;
};

// A rule's sessionPersistence.
struct SessionPersistence {
  std::optional<std::string> session_name;
  std::string type = "Cookie";  // Cookie | Header
  std::optional<int64_t> absolute_timeout_ms;
  std::optional<int64_t> idle_timeout_ms;
  std::string lifetime_type = "Session";  // cookieConfig.lifetimeType: Session | Permanent
};

struct HttpRouteRule {
  std::optional<std::string> name;
  std::vector<HttpRouteMatch> matches;  // at least one (the default match when none written)
  std::vector<HttpRouteFilter> filters;
  std::vector<BackendRef> backend_refs;
  RouteTimeouts timeouts;
  std::optional<RouteRetry> retry;
  std::optional<SessionPersistence> session_persistence;
};

// Parses a Gateway API Duration ("1h", "1m30s", "500ms"): milliseconds, or nullopt when invalid.
std::optional<int64_t> parse_duration_ms(const std::string& text);

// An HTTPRoute, or a GRPCRoute with its method matches expressed as path matches (ref.kind
// tells which).
struct HttpRoute {
  sdk::ObjectRef ref;
  int64_t creation_timestamp = 0;
  std::vector<ParentRef> parent_refs;
  std::vector<std::string> hostnames;
  std::vector<HttpRouteRule> rules;
};

struct ServicePort {
  std::optional<std::string> name;
  int32_t port = 0;
  std::optional<std::string> app_protocol;
};

struct Service {
  sdk::ObjectRef ref;
  std::vector<ServicePort> ports;
};

// discovery.k8s.io/v1 EndpointSlice, as far as endpoints need it.
struct EndpointSlice {
  sdk::ObjectRef ref;
  std::string service;  // label kubernetes.io/service-name
  struct Port {
    std::optional<std::string> name;
    int32_t port = 0;
  };
  struct Endpoint {
    std::vector<std::string> addresses;
    bool ready = true;    // conditions.ready; unset means ready
    bool serving = true;  // conditions.serving; unset means ready
    bool terminating = false;
    std::optional<std::string> zone;
  };
  std::vector<Port> ports;
  std::vector<Endpoint> endpoints;
};

// A BackendTLSPolicy: how the proxy connects with TLS to the Services and Backends it targets.
struct BackendTlsPolicy {
  sdk::ObjectRef ref;
  struct Target {
    std::string group;
    std::string kind;
    std::string name;  // in the policy's namespace
    std::optional<std::string> section_name;
  };
  std::vector<Target> targets;
  std::string hostname;                             // SNI, and the SAN checked when no subjectAltNames
  std::vector<sdk::ObjectRef> ca_certificate_refs;  // in the policy's namespace
  std::optional<std::string> well_known_ca;         // wellKnownCACertificates: System
  struct SubjectAltName {
    std::string type;  // Hostname | URI
    std::string value;
  };
  std::vector<SubjectAltName> subject_alt_names;
};

// Parsers: every problem goes into `diag` with its field path; the result is usable (with
// defaults) even when errors were found, but callers reject the object when diag has errors.
Gateway parse_gateway(const sdk::Object& object, sdk::Diagnostics& diag);
ListenerSet parse_listener_set(const sdk::Object& object, sdk::Diagnostics& diag);
HttpRoute parse_http_route(const sdk::Object& object, sdk::Diagnostics& diag);
HttpRoute parse_grpc_route(const sdk::Object& object, sdk::Diagnostics& diag);
// TCPRoutes and TLSRoutes: parents, hostnames (TLSRoute) and rules with backendRefs only.
HttpRoute parse_l4_route(const sdk::Object& object, sdk::Diagnostics& diag);
Service parse_service(const sdk::Object& object, sdk::Diagnostics& diag);
BackendTlsPolicy parse_backend_tls_policy(const sdk::Object& object, sdk::Diagnostics& diag);
EndpointSlice parse_endpoint_slice(const sdk::Object& object, sdk::Diagnostics& diag);

}  // namespace kgw::model
