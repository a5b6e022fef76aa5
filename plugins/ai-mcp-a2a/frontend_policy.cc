// AgentgatewayPolicy `spec.frontend`: one agentgateway frontend Policy per feature, keyed
// `frontend/<ns>/<name>:frontend-<feature>:<target>`.
#include <algorithm>

#include "backend_policies.h"
#include "policy_support.h"

namespace kgw::agw_plugin {
namespace {

using Frontend = api::FrontendPolicySpec;

void check_cel(PolicyBuilder& b, const std::string& path, const std::string& expression, const std::string& what) {
  agw_backend::check_cel(b.node(nullptr, path), expression, what);
}

bool set_duration(PolicyBuilder& b, const Value* v, const char* key, const std::string& path,
                  google::protobuf::Duration& out) {
  const std::string* text = str(v, key);
  if (!text) return false;
  if (!parse_duration(*text, out)) b.error(path + "." + key, "invalid duration " + *text);
  return true;
}

std::optional<uint32_t> quantity(const Value* v, const char* key) {
  const Value* f = at(v, key);
  if (!f) return std::nullopt;
  if (auto q = parse_quantity(*f)) return static_cast<uint32_t>(*q);
  return std::nullopt;
}

void http(PolicyBuilder& b, const Value& v, const std::string& path, Frontend::HTTP& out) {
  if (auto q = quantity(&v, "maxBufferSize")) out.set_max_buffer_size(*q);
  if (auto n = integer(&v, "http1MaxHeaders")) out.set_http1_max_headers(static_cast<uint32_t>(*n));
  if (str(&v, "http1IdleTimeout")) set_duration(b, &v, "http1IdleTimeout", path, *out.mutable_http1_idle_timeout());
  if (auto q = quantity(&v, "http2WindowSize")) out.set_http2_window_size(*q);
  if (auto q = quantity(&v, "http2ConnectionWindowSize")) out.set_http2_connection_window_size(*q);
  if (auto q = quantity(&v, "http2FrameSize")) out.set_http2_frame_size(*q);
  if (str(&v, "http2KeepaliveInterval"))
    set_duration(b, &v, "http2KeepaliveInterval", path, *out.mutable_http2_keepalive_interval());
  if (str(&v, "http2KeepaliveTimeout"))
    set_duration(b, &v, "http2KeepaliveTimeout", path, *out.mutable_http2_keepalive_timeout());
  if (str(&v, "maxConnectionDuration"))
    set_duration(b, &v, "maxConnectionDuration", path, *out.mutable_max_connection_duration());
  if (auto q = quantity(&v, "http2MaxHeaderSize")) out.set_http2_max_header_size(*q);
  if (const std::string* c = str(&v, "http1HeaderCase"); c && *c == "Preserve")
    out.set_http1_header_case(Frontend::HTTP::PRESERVE);
}

api::TLSConfig::TLSVersion tls_version(const std::string& v) {
  return v == "1.3"   ? api::TLSConfig::TLS_V1_3
         : v == "1.2" ? api::TLSConfig::TLS_V1_2
                      : api::TLSConfig::TLS_VERSION_UNSPECIFIED;
}

void tls(PolicyBuilder& b, const Value& v, const std::string& path, Frontend::TLS& out) {
  if (str(&v, "handshakeTimeout")) set_duration(b, &v, "handshakeTimeout", path, *out.mutable_handshake_timeout());
  for (const std::string& p : strings(&v, "alpnProtocols")) out.mutable_alpn()->add_protocols(p);
  const auto suites = strings(&v, "cipherSuites");
  for (size_t i = 0; i < suites.size(); ++i) {
    // TLS 1.3 suites are spelled TLS13_* in the API and TLS_* on the wire.
    std::string name = suites[i];
    if (name.rfind("TLS13_", 0) == 0) name = "TLS_" + name.substr(6);
    api::TLSConfig::CipherSuite suite;
    if (api::TLSConfig::CipherSuite_Parse(name, &suite))
      out.add_cipher_suites(suite);
    else
      b.error(path + ".cipherSuites[" + std::to_string(i) + "]", "unsupported cipher suite " + suites[i]);
  }
  if (const std::string* min = str(&v, "minProtocolVersion")) out.set_min_version(tls_version(*min));
  if (const std::string* max = str(&v, "maxProtocolVersion")) out.set_max_version(tls_version(*max));
  for (std::string group : strings(&v, "keyExchangeGroups")) {
    group.erase(std::remove(group.begin(), group.end(), '-'), group.end());
    std::transform(group.begin(), group.end(), group.begin(), [](unsigned char c) { return std::toupper(c); });
    api::TLSConfig::KeyExchangeGroup g;
    if (api::TLSConfig::KeyExchangeGroup_Parse(group, &g)) out.add_key_exchange_groups(g);
  }
}

template <typename Field>
void add_fields(PolicyBuilder& b, const Value* attributes, const std::string& path, const std::string& what,
                google::protobuf::RepeatedPtrField<Field>& out) {
  const auto& add = list(attributes, "add");
  for (size_t i = 0; i < add.size(); ++i) {
    auto* f = out.Add();
    if (const std::string* name = str(&add[i], "name")) f->set_name(*name);
    if (const std::string* expression = str(&add[i], "expression")) {
      f->set_expression(*expression);
      check_cel(b, path + ".add[" + std::to_string(i) + "].expression", *expression, what + " \"" + f->name() + "\"");
    }
  }
}

// A telemetry exporter's backend: a backendRef, or a URL with its path.
void exporter_backend(PolicyBuilder& b, const Value& v, const std::string& path, const std::string& what,
                      api::BackendReference& backend,
                      google::protobuf::RepeatedPtrField<api::BackendPolicySpec>& inline_policies,
                      std::string* url_path) {
  if (at(&v, "backendRef") || at(&v, "url"))
    if (auto target = agw_backend::endpoint_target(
            b.translation(), b.node(&v, path), "failed to translate " + what + " backend", inline_policies, url_path))
      backend = *target;
}

void logging(PolicyBuilder& b, const Value& v, const std::string& path, Frontend::Logging& out) {
  if (const std::string* filter = str(&v, "filter")) {
    out.set_filter(*filter);
    check_cel(b, path + ".filter", *filter, "frontend accessLog filter");
  }
  if (const Value* attributes = at(&v, "attributes")) {
    auto* fields = out.mutable_fields();
    for (const std::string& r : strings(attributes, "remove")) fields->add_remove(r);
    add_fields(b, attributes, path + ".attributes", "frontend accessLog field", *fields->mutable_add());
  }
  if (const Value* otlp = at(&v, "otlp")) {
    auto* o = out.mutable_otlp_access_log();
    std::string url_path;
    exporter_backend(b, *otlp, path + ".otlp", "accessLog otlp", *o->mutable_provider_backend(),
                     *o->mutable_inline_policies(), &url_path);
    if (const std::string* p = str(otlp, "path"))
      o->set_path(*p);
    else if (!url_path.empty())
      o->set_path(url_path);
    if (const std::string* protocol = str(otlp, "protocol"); protocol && *protocol == "GRPC")
      o->set_protocol(Frontend::Logging::OtlpAccessLog::GRPC);
    if (const std::string* filter = str(otlp, "filter")) {
      o->set_filter(*filter);
      check_cel(b, path + ".otlp.filter", *filter, "frontend accessLog otlp filter");
    }
    if (const Value* attributes = at(otlp, "attributes")) {
      auto* fields = o->mutable_fields();
      for (const std::string& r : strings(attributes, "remove")) fields->add_remove(r);
      add_fields(b, attributes, path + ".otlp.attributes", "frontend accessLog otlp field", *fields->mutable_add());
    }
  }
}

void tracing(PolicyBuilder& b, const Value& v, const std::string& path, Frontend::Tracing& out) {
  std::string url_path;
  exporter_backend(b, v, path, "tracing", *out.mutable_provider_backend(), *out.mutable_inline_policies(), &url_path);
  if (out.provider_backend().kind_case() == api::BackendReference::KIND_NOT_SET) out.clear_provider_backend();
  if (const std::string* p = str(&v, "path"))
    out.set_path(*p);
  else if (!url_path.empty())
    out.set_path(url_path);
  if (const Value* attributes = at(&v, "attributes")) {
    for (const std::string& r : strings(attributes, "remove")) out.add_remove(r);
    const auto& add = list(attributes, "add");
    for (size_t i = 0; i < add.size(); ++i) {
      auto* a = out.add_attributes();
      if (const std::string* name = str(&add[i], "name")) a->set_name(*name);
      if (const std::string* expression = str(&add[i], "expression")) {
        a->set_value(*expression);
        check_cel(b, path + ".attributes.add[" + std::to_string(i) + "].expression", *expression,
                  "frontend tracing attribute \"" + a->name() + "\"");
      }
    }
  }
  const auto& resources = list(&v, "resources");
  for (size_t i = 0; i < resources.size(); ++i) {
    auto* r = out.add_resources();
    if (const std::string* name = str(&resources[i], "name")) r->set_name(*name);
    if (const std::string* expression = str(&resources[i], "expression")) {
      r->set_value(*expression);
      check_cel(b, path + ".resources[" + std::to_string(i) + "].expression", *expression,
                "frontend tracing resource \"" + r->name() + "\"");
    }
  }
  if (const std::string* s = str(&v, "randomSampling")) out.set_random_sampling(*s);
  if (const std::string* s = str(&v, "clientSampling")) out.set_client_sampling(*s);
  if (const std::string* protocol = str(&v, "protocol"); protocol && *protocol == "GRPC")
    out.set_protocol(Frontend::Tracing::GRPC);
  if (const std::string* filter = str(&v, "filter")) {
    out.set_filter(*filter);
    check_cel(b, path + ".filter", *filter, "frontend tracing filter");
  }
}

}  // namespace

void translate_frontend(PolicyBuilder& b, const Value& frontend) {
  const std::string path = "spec.frontend";
  auto add = [&](const char* feature) -> Frontend& {
    return *b.add("frontend/", std::string("frontend-") + feature).mutable_frontend();
  };
  if (const Value* v = at(&frontend, "http")) http(b, *v, path + ".http", *add("http").mutable_http());
  if (const Value* v = at(&frontend, "tls")) tls(b, *v, path + ".tls", *add("tls").mutable_tls());
  if (const Value* v = at(&frontend, "tcp")) {
    auto* tcp = add("tcp").mutable_tcp();
    if (const Value* k = at(v, "keepalive"))
      agw_backend::translate_keepalive(b.node(k, path + ".tcp.keepalive"), *tcp->mutable_keepalives());
  }
  if (const Value* v = at(&frontend, "networkAuthorization")) {
    auto* authz = add("network-authz").mutable_network_authorization();
    const std::string* action = str(v, "action");
    const auto expressions = strings(at(v, "policy"), "matchExpressions");
    for (size_t i = 0; i < expressions.size(); ++i) {
      check_cel(b, path + ".networkAuthorization.policy.matchExpressions[" + std::to_string(i) + "]", expressions[i],
                "frontend networkAuthorization matchExpression");
      if (action && *action == "Deny")
        authz->add_deny(expressions[i]);
      else if (action && *action == "Require")
        authz->add_require(expressions[i]);
      else
        authz->add_allow(expressions[i]);
    }
  }
  if (const Value* v = at(&frontend, "accessLog"))
    logging(b, *v, path + ".accessLog", *add("logging").mutable_logging());
  if (const Value* v = at(&frontend, "tracing")) tracing(b, *v, path + ".tracing", *add("tracing").mutable_tracing());
  if (const Value* v = at(&frontend, "metrics")) {
    auto* metrics = add("metrics").mutable_metrics();
    if (const Value* attributes = at(v, "attributes"))
      add_fields(b, attributes, path + ".metrics.attributes", "frontend metrics field",
                 *metrics->mutable_fields()->mutable_add());
  }
  if (const Value* v = at(&frontend, "connect")) {
    auto* connect = add("connect").mutable_connect();
    if (const std::string* mode = str(v, "mode"))
      connect->set_mode(*mode == "Route"    ? Frontend::Connect::ROUTE
                        : *mode == "Tunnel" ? Frontend::Connect::TUNNEL
                                            : Frontend::Connect::DENY);
  }
  if (const Value* v = at(&frontend, "proxyProtocol")) {
    auto* proxy = add("proxy-protocol").mutable_proxy_protocol();
    if (const std::string* version = str(v, "version"))
      proxy->set_version(*version == "V1"    ? Frontend::ProxyProtocol::V1
                         : *version == "All" ? Frontend::ProxyProtocol::ALL
                                             : Frontend::ProxyProtocol::V2);
    if (const std::string* mode = str(v, "mode"); mode && *mode == "Optional")
      proxy->set_mode(Frontend::ProxyProtocol::OPTIONAL);
  }
}

}  // namespace kgw::agw_plugin
