// AgentgatewayPolicy `spec.frontend`: one agentgateway frontend Policy per feature, keyed
// `frontend/<ns>/<name>:frontend-<feature>:<target>`.
#include <optional>

#include "backend_policy_features.h"
#include "policy_builder.h"

namespace kgw::agw_plugin {
namespace {

using agw_backend::Node;
using Frontend = api::FrontendPolicySpec;

// A quantity of bytes, as agentgateway's 32-bit sizes take it.
std::optional<uint32_t> byte_size(const Node& node) {
  if (!node) return std::nullopt;
  if (auto q = parse_quantity(*node.value())) return static_cast<uint32_t>(*q);
  return std::nullopt;
}

void http(const Node& v, Frontend::HTTP& out) {
  if (auto q = byte_size(v["maxBufferSize"])) out.set_max_buffer_size(*q);
  if (auto n = v["http1MaxHeaders"].integer()) out.set_http1_max_headers(static_cast<uint32_t>(*n));
  if (v["http1IdleTimeout"]) parse_duration(v["http1IdleTimeout"], *out.mutable_http1_idle_timeout());
  if (auto q = byte_size(v["http2WindowSize"])) out.set_http2_window_size(*q);
  if (auto q = byte_size(v["http2ConnectionWindowSize"])) out.set_http2_connection_window_size(*q);
  if (auto q = byte_size(v["http2FrameSize"])) out.set_http2_frame_size(*q);
  if (v["http2KeepaliveInterval"]) parse_duration(v["http2KeepaliveInterval"], *out.mutable_http2_keepalive_interval());
  if (v["http2KeepaliveTimeout"]) parse_duration(v["http2KeepaliveTimeout"], *out.mutable_http2_keepalive_timeout());
  if (v["maxConnectionDuration"]) parse_duration(v["maxConnectionDuration"], *out.mutable_max_connection_duration());
  if (auto q = byte_size(v["http2MaxHeaderSize"])) out.set_http2_max_header_size(*q);
  if (v["http1HeaderCase"].string_or("") == "Preserve") out.set_http1_header_case(Frontend::HTTP::PRESERVE);
}

api::TLSConfig::TLSVersion tls_version(const std::string& v) {
  return v == "1.3"   ? api::TLSConfig::TLS_V1_3
         : v == "1.2" ? api::TLSConfig::TLS_V1_2
                      : api::TLSConfig::TLS_VERSION_UNSPECIFIED;
}

void tls(const Node& v, Frontend::TLS& out) {
  if (v["handshakeTimeout"]) parse_duration(v["handshakeTimeout"], *out.mutable_handshake_timeout());
  for (const std::string& p : v["alpnProtocols"].strings()) out.mutable_alpn()->add_protocols(p);
  for (const Node& s : v["cipherSuites"].items()) {
    auto text = s.string();
    if (!text) continue;
    // TLS 1.3 suites are spelled TLS13_* in the API and TLS_* on the wire.
    std::string name = *text;
    if (name.rfind("TLS13_", 0) == 0) name = "TLS_" + name.substr(6);
    api::TLSConfig::CipherSuite suite;
    if (api::TLSConfig::CipherSuite_Parse(name, &suite))
      out.add_cipher_suites(suite);
    else
      s.error("unsupported cipher suite " + *text);
  }
  if (auto min = v["minProtocolVersion"].string()) out.set_min_version(tls_version(*min));
  if (auto max = v["maxProtocolVersion"].string()) out.set_max_version(tls_version(*max));
  for (const Node& g : v["keyExchangeGroups"].items())
    if (auto group = agw_backend::key_exchange_group(g)) out.add_key_exchange_groups(*group);
}

// `[{name, expression}]`, each expression checked as CEL.
template <typename Field, typename Set>
void named_expressions(const Node& list, const std::string& what, google::protobuf::RepeatedPtrField<Field>& out,
                       Set set_expression) {
  for (const Node& item : list.items()) {
    auto* f = out.Add();
    if (auto name = item["name"].string()) f->set_name(*name);
    if (auto expression = item["expression"].string()) {
      set_expression(*f, *expression);
      agw_backend::check_cel(item["expression"], *expression, what + " \"" + f->name() + "\"");
    }
  }
}

template <typename Field>
void add_fields(const Node& attributes, const std::string& what, google::protobuf::RepeatedPtrField<Field>& out) {
  named_expressions(attributes["add"], what, out, [](Field& f, const std::string& e) { f.set_expression(e); });
}

// A CEL filter, checked.
std::optional<std::string> filter(const Node& node, const std::string& what) {
  auto f = node.string();
  if (f) agw_backend::check_cel(node, *f, what);
  return f;
}

// A telemetry exporter's backend (a backendRef, or a URL), and its path: `path`, or the URL's.
std::optional<std::string> exporter(PolicyBuilder& b, const Node& v, const std::string& what,
                                    api::BackendReference& backend,
                                    google::protobuf::RepeatedPtrField<api::BackendPolicySpec>& inline_policies) {
  std::string url_path;
  if (v["backendRef"] || v["url"])
    if (auto target = agw_backend::endpoint_target(b.translation(), v, "failed to translate " + what + " backend",
                                                   inline_policies, &url_path))
      backend = *target;
  if (auto p = v["path"].string()) return p;
  if (!url_path.empty()) return url_path;
  return std::nullopt;
}

void logging(PolicyBuilder& b, const Node& v, Frontend::Logging& out) {
  if (auto f = filter(v["filter"], "frontend accessLog filter")) out.set_filter(*f);
  if (const Node attributes = v["attributes"]) {
    auto* fields = out.mutable_fields();
    for (const std::string& r : attributes["remove"].strings()) fields->add_remove(r);
    add_fields(attributes, "frontend accessLog field", *fields->mutable_add());
  }
  if (const Node otlp = v["otlp"]) {
    auto* o = out.mutable_otlp_access_log();
    if (auto path = exporter(b, otlp, "accessLog otlp", *o->mutable_provider_backend(), *o->mutable_inline_policies()))
      o->set_path(*path);
    if (otlp["protocol"].string_or("") == "GRPC") o->set_protocol(Frontend::Logging::OtlpAccessLog::GRPC);
    if (auto f = filter(otlp["filter"], "frontend accessLog otlp filter")) o->set_filter(*f);
    if (const Node attributes = otlp["attributes"]) {
      auto* fields = o->mutable_fields();
      for (const std::string& r : attributes["remove"].strings()) fields->add_remove(r);
      add_fields(attributes, "frontend accessLog otlp field", *fields->mutable_add());
    }
  }
}

void tracing(PolicyBuilder& b, const Node& v, Frontend::Tracing& out) {
  if (auto path = exporter(b, v, "tracing", *out.mutable_provider_backend(), *out.mutable_inline_policies()))
    out.set_path(*path);
  if (out.provider_backend().kind_case() == api::BackendReference::KIND_NOT_SET) out.clear_provider_backend();
  auto set_value = [](auto& f, const std::string& e) { f.set_value(e); };
  if (const Node attributes = v["attributes"]) {
    for (const std::string& r : attributes["remove"].strings()) out.add_remove(r);
    named_expressions(attributes["add"], "frontend tracing attribute", *out.mutable_attributes(), set_value);
  }
  named_expressions(v["resources"], "frontend tracing resource", *out.mutable_resources(), set_value);
  if (auto s = v["randomSampling"].string()) out.set_random_sampling(*s);
  if (auto s = v["clientSampling"].string()) out.set_client_sampling(*s);
  if (v["protocol"].string_or("") == "GRPC") out.set_protocol(Frontend::Tracing::GRPC);
  if (auto f = filter(v["filter"], "frontend tracing filter")) out.set_filter(*f);
}

}  // namespace

void translate_frontend(PolicyBuilder& b, const Node& frontend) {
  auto add = [&](const char* feature) -> Frontend& {
    return *b.add("frontend/", std::string("frontend-") + feature).mutable_frontend();
  };
  if (const Node v = frontend["http"]) http(v, *add("http").mutable_http());
  if (const Node v = frontend["tls"]) tls(v, *add("tls").mutable_tls());
  if (const Node v = frontend["tcp"]) {
    auto* tcp = add("tcp").mutable_tcp();
    if (const Node k = v["keepalive"]) agw_backend::translate_keepalive(k, *tcp->mutable_keepalives());
  }
  if (const Node v = frontend["networkAuthorization"]) {
    auto* authz = add("network-authz").mutable_network_authorization();
    const std::string action = v["action"].string_or("");
    for (const Node& e : v["policy"]["matchExpressions"].items()) {
      auto expression = e.string();
      if (!expression) continue;
      agw_backend::check_cel(e, *expression, "frontend networkAuthorization matchExpression");
      if (action == "Deny")
        authz->add_deny(*expression);
      else if (action == "Require")
        authz->add_require(*expression);
      else
        authz->add_allow(*expression);
    }
  }
  if (const Node v = frontend["accessLog"]) logging(b, v, *add("logging").mutable_logging());
  if (const Node v = frontend["tracing"]) tracing(b, v, *add("tracing").mutable_tracing());
  if (const Node v = frontend["metrics"]) {
    auto* metrics = add("metrics").mutable_metrics();
    if (const Node attributes = v["attributes"])
      add_fields(attributes, "frontend metrics field", *metrics->mutable_fields()->mutable_add());
  }
  if (const Node v = frontend["connect"]) {
    auto* connect = add("connect").mutable_connect();
    if (auto mode = v["mode"].string())
      connect->set_mode(*mode == "Route"    ? Frontend::Connect::ROUTE
                        : *mode == "Tunnel" ? Frontend::Connect::TUNNEL
                                            : Frontend::Connect::DENY);
  }
  if (const Node v = frontend["proxyProtocol"]) {
    auto* proxy = add("proxy-protocol").mutable_proxy_protocol();
    if (auto version = v["version"].string())
      proxy->set_version(*version == "V1"    ? Frontend::ProxyProtocol::V1
                         : *version == "All" ? Frontend::ProxyProtocol::ALL
                                             : Frontend::ProxyProtocol::V2);
    if (v["mode"].string_or("") == "Optional") proxy->set_mode(Frontend::ProxyProtocol::OPTIONAL);
  }
}

}  // namespace kgw::agw_plugin
