#include "listener_policy.h"

#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "access_log.h"
#include "attachment_conditions.h"
#include "envoy/config/accesslog/v3/accesslog.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/config/route/v3/route.pb.h"
#include "envoy/extensions/filters/http/health_check/v3/health_check.pb.h"
#include "envoy/extensions/filters/listener/proxy_protocol/v3/proxy_protocol.pb.h"
#include "envoy/extensions/http/early_header_mutation/header_mutation/v3/header_mutation.pb.h"
#include "envoy/extensions/http/header_formatters/preserve_case/v3/preserve_case.pb.h"
#include "envoy/extensions/http/original_ip_detection/xff/v3/xff.pb.h"
#include "envoy/extensions/request_id/uuid/v3/uuid.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb.h"
#include "google/protobuf/struct.pb.h"
#include "tracing.h"
#include "value_helpers.h"

namespace kgw::filters {
namespace {

using HCM = sdk::HttpConnectionManager;

// One setting, named as kgateway's merge metadata names it: on the HTTP connection manager, on
// the listener, or an HTTP filter the chain needs.
struct Setting {
  std::string name;
  std::function<void(HCM&)> apply;
  std::function<void(envoy::config::listener::v3::Listener&)> apply_listener;
  std::optional<sdk::StagedHttpFilter> filter;
  std::function<void(envoy::config::listener::v3::FilterChain&)> apply_chain = nullptr;
  // For settings whose defaults name the Gateway being translated.
  std::function<void(const sdk::ObjectRef& gateway, HCM&)> apply_for_gateway = nullptr;
};

class ListenerPolicyIr final : public sdk::PluginIr {
 public:
  Value spec;
  std::vector<Setting> settings;

  bool equals(const sdk::PluginIr& other) const noexcept override {
    const auto* o = dynamic_cast<const ListenerPolicyIr*>(&other);
    return o && o->spec == spec;
  }
};

void set_ms(int64_t ms, google::protobuf::Duration& out) { set_duration(ms, out); }

void to_struct_value(const Value& v, google::protobuf::Value& out) {
  if (const std::string* s = v.as_string())
    out.set_string_value(*s);
  else if (auto b = v.as_bool())
    out.set_bool_value(*b);
  else if (auto d = v.as_double())
    out.set_number_value(*d);
  else if (const Value::List* l = v.as_list())
    for (const auto& item : *l) to_struct_value(item, *out.mutable_list_value()->add_values());
  else if (const Value::Map* m = v.as_map())
    for (const auto& [k, item] : *m) to_struct_value(item, (*out.mutable_struct_value()->mutable_fields())[k]);
  else
    out.set_null_value(google::protobuf::NULL_VALUE);
}

// A body format: text or JSON, with an optional content type.
envoy::config::core::v3::SubstitutionFormatString body_format(const Value& v) {
  envoy::config::core::v3::SubstitutionFormatString out;
  if (auto text = string_field(&v, "text")) out.mutable_text_format_source()->set_inline_string(*text);
  if (const Value* json = v.find("json"); json && json->as_map())
    for (const auto& [k, item] : *json->as_map())
      to_struct_value(item, (*out.mutable_json_format()->mutable_fields())[k]);
  if (auto type = string_field(&v, "contentType")) out.set_content_type(*type);
  return out;
}

// localReplies: a default body format and mappers matching by status code or response flags.
std::optional<envoy::extensions::filters::network::http_connection_manager::v3::LocalReplyConfig> local_reply_config(
    const Value& v, const std::string& path, sdk::Diagnostics& diag) {
  envoy::extensions::filters::network::http_connection_manager::v3::LocalReplyConfig out;
  if (const Value* f = v.find("defaultBodyFormat")) *out.mutable_body_format() = body_format(*f);
  const Value* mappers = v.find("mappers");
  size_t i = 0;
  for (const auto& m : mappers && mappers->as_list() ? *mappers->as_list() : Value::List{}) {
    const std::string at = path + ".mappers[" + std::to_string(i++) + "]";
    auto* mapper = out.add_mappers();
    const Value* filter = m.find("filter");
    if (const Value* sc = field(filter, "statusCodeFilter")) {
      auto* cmp = mapper->mutable_filter()->mutable_status_code_filter()->mutable_comparison();
      const std::string op = string_field(sc, "op").value_or("EQ");
      using Cmp = envoy::config::accesslog::v3::ComparisonFilter;
      cmp->set_op(op == "GE" ? Cmp::GE : op == "LE" ? Cmp::LE : Cmp::EQ);
      cmp->mutable_value()->set_default_value(static_cast<uint32_t>(int_field(sc, "value").value_or(0)));
    } else if (const Value* rf = field(filter, "responseFlagFilter")) {
      auto* flags = mapper->mutable_filter()->mutable_response_flag_filter();
      if (const Value* list = rf->find("flags"); list && list->as_list())
        for (const auto& flag : *list->as_list())
          if (const std::string* text = flag.as_string()) flags->add_flags(*text);
    } else {
      diag.error(at + ".filter", "only statusCodeFilter and responseFlagFilter are supported");
    }
    if (auto code = int_field(&m, "statusCode")) mapper->mutable_status_code()->set_value(static_cast<uint32_t>(*code));
    if (auto body = string_field(&m, "body")) mapper->mutable_body()->set_inline_string(*body);
    if (const Value* f = m.find("bodyFormatOverride")) *mapper->mutable_body_format_override() = body_format(*f);
    if (const Value* headers = m.find("headers"))
      for (const auto& [key, overwrite] : {std::pair{"add", false}, std::pair{"set", true}}) {
        const Value* list = headers->find(key);
        if (!list || !list->as_list()) continue;
        for (const auto& h : *list->as_list()) {
          auto* option = mapper->add_headers_to_add();
          option->mutable_header()->set_key(string_field(&h, "name").value_or(""));
          option->mutable_header()->set_value(string_field(&h, "value").value_or(""));
          if (overwrite)
            option->set_append_action(envoy::config::core::v3::HeaderValueOption::OVERWRITE_IF_EXISTS_OR_ADD);
        }
      }
  }
  if (diag.has_errors()) return std::nullopt;
  return out;
}

// Parses the HTTP settings `s` (at `path`) of `policy` into settings named `prefix` + kgateway's
// name.
void parse_http_settings(const sdk::Object& policy, const Value& s, const std::string& path, const std::string& prefix,
                         const sdk::HostApi& host, sdk::Diagnostics& diag, std::vector<Setting>& out) {
  auto add = [&](const std::string& name, std::function<void(HCM&)> apply) {
    out.push_back({prefix + name, std::move(apply), nullptr, std::nullopt});
  };
  auto duration = [&](const char* key) -> std::optional<int64_t> {
    auto text = string_field(&s, key);
    if (!text) return std::nullopt;
    auto ms = parse_duration_ms(*text);
    if (!ms) diag.error(path + "." + key, "invalid duration: " + *text);
    return ms;
  };

  const auto use_remote = bool_field(&s, "useRemoteAddress");
  const auto hops = int_field(&s, "xffNumTrustedHops");
  const auto skip_append = bool_field(&s, "skipXFFAppend");
  if (const Value* logs = s.find("accessLog")) {
    auto loggers = parse_access_logs(*logs, path + ".accessLog", diag);
    add("accessLog", [loggers](HCM& h) {
      for (const auto& l : loggers) *h.add_access_log() = l;
    });
    // kgateway records the loggers' shared configuration under its own name as well.
    add("accessLogConfig", nullptr);
  }
  if (use_remote) add("useRemoteAddress", [v = *use_remote](HCM& h) { h.mutable_use_remote_address()->set_value(v); });
  if (use_remote == false) {
    // Without the remote address, the client address comes from X-Forwarded-For.
    envoy::extensions::http::original_ip_detection::xff::v3::XffConfig xff;
    if (hops) xff.set_xff_num_trusted_hops(static_cast<uint32_t>(*hops));
    if (skip_append) xff.mutable_skip_xff_append()->set_value(*skip_append);
    if (const Value* cidrs = s.find("xffTrustedCIDRs"); cidrs && cidrs->as_list())
      for (const auto& c : *cidrs->as_list()) {
        const std::string* text = c.as_string();
        if (!text) continue;
        auto slash = text->find('/');
        auto* range = xff.mutable_xff_trusted_cidrs()->add_cidrs();
        range->set_address_prefix(text->substr(0, slash));
        if (slash != std::string::npos)
          range->mutable_prefix_len()->set_value(static_cast<uint32_t>(std::stoul(text->substr(slash + 1))));
      }
    add("xffConfig", [xff](HCM& h) {
      auto* ext = h.add_original_ip_detection_extensions();
      ext->set_name("envoy.http.original_ip_detection.xff");
      ext->mutable_typed_config()->PackFrom(xff);
    });
    if (skip_append) add("skipXffAppend", [](HCM&) {});
  } else if (hops) {
    add("xffNumTrustedHops", [v = *hops](HCM& h) { h.set_xff_num_trusted_hops(static_cast<uint32_t>(v)); });
  }
  if (auto v = string_field(&s, "serverName")) add("serverName", [v = *v](HCM& h) { h.set_server_name(v); });
  if (auto v = string_field(&s, "serverHeaderTransformation")) {
    HCM::ServerHeaderTransformation t = HCM::OVERWRITE;
    if (*v == "AppendIfAbsent")
      t = HCM::APPEND_IF_ABSENT;
    else if (*v == "PassThrough")
      t = HCM::PASS_THROUGH;
    else if (*v != "Overwrite")
      diag.error(path + ".serverHeaderTransformation", "unknown value " + *v);
    add("serverHeaderTransformation", [t](HCM& h) { h.set_server_header_transformation(t); });
  }
  if (auto ms = duration("streamIdleTimeout"))
    add("mergeStreamIdleTimeout", [ms = *ms](HCM& h) { set_ms(ms, *h.mutable_stream_idle_timeout()); });
  if (auto ms = duration("idleTimeout"))
    add("mergeIdleTimeout",
        [ms = *ms](HCM& h) { set_ms(ms, *h.mutable_common_http_protocol_options()->mutable_idle_timeout()); });
  if (auto v = int_field(&s, "maxRequestsPerConnection"); v && *v > 0)
    add("maxRequestsPerConnection", [v = *v](HCM& h) {
      h.mutable_common_http_protocol_options()->mutable_max_requests_per_connection()->set_value(
          static_cast<uint32_t>(v));
    });
  if (auto v = int_field(&s, "maxHeadersCount"); v && *v > 0)
    add("maxHeadersCount", [v = *v](HCM& h) {
      h.mutable_common_http_protocol_options()->mutable_max_headers_count()->set_value(static_cast<uint32_t>(v));
    });
  if (auto v = int_field(&s, "maxRequestHeadersKb"); v && *v > 0)
    add("maxRequestHeadersKb",
        [v = *v](HCM& h) { h.mutable_max_request_headers_kb()->set_value(static_cast<uint32_t>(v)); });
  if (auto v = bool_field(&s, "acceptHttp10"))
    add("acceptHttp10", [v = *v](HCM& h) { h.mutable_http_protocol_options()->set_accept_http_10(v); });
  if (auto v = string_field(&s, "defaultHostForHttp10"))
    add("defaultHostForHttp10",
        [v = *v](HCM& h) { h.mutable_http_protocol_options()->set_default_host_for_http_10(v); });
  if (bool_field(&s, "preserveHttp1HeaderCase") == true)
    add("preserveHttp1HeaderCase", [](HCM& h) {
      auto* f = h.mutable_http_protocol_options()->mutable_header_key_format()->mutable_stateful_formatter();
      f->set_name("envoy.http.stateful_header_formatters.preserve_case");
      f->mutable_typed_config()->PackFrom(
          envoy::extensions::http::header_formatters::preserve_case::v3::PreserveCaseFormatterConfig());
    });
  if (auto v = bool_field(&s, "preserveExternalRequestId"))
    add("preserveExternalRequestId", [v = *v](HCM& h) { h.set_preserve_external_request_id(v); });
  if (const Value* upgrades = field(field(&s, "upgradeConfig"), "enabledUpgrades"); upgrades && upgrades->as_list()) {
    std::vector<std::string> types;
    for (const auto& u : *upgrades->as_list())
      if (const std::string* t = u.as_string()) types.push_back(*t);
    add("upgradeConfig", [types](HCM& h) {
      for (const auto& t : types) h.add_upgrade_configs()->set_upgrade_type(t);
    });
  }
  if (auto v = string_field(&s, "stripHostPortMode")) {
    if (*v == "AnyPort")
      add("stripHostPortMode", [](HCM& h) { h.set_strip_any_host_port(true); });
    else if (*v == "MatchingPort")
      add("stripHostPortMode", [](HCM& h) { h.set_strip_matching_host_port(true); });
  }
  if (const Value* uuid = s.find("uuidRequestIdConfig")) {
    envoy::extensions::request_id::uuid::v3::UuidRequestIdConfig config;
    if (auto v = bool_field(uuid, "packTraceReason")) config.mutable_pack_trace_reason()->set_value(*v);
    if (auto v = bool_field(uuid, "useRequestIdForTraceSampling"))
      config.mutable_use_request_id_for_trace_sampling()->set_value(*v);
    add("uuidRequestIdConfig",
        [config](HCM& h) { h.mutable_request_id_extension()->mutable_typed_config()->PackFrom(config); });
  }
  if (const Value* hc = s.find("healthCheck")) {
    envoy::extensions::filters::http::health_check::v3::HealthCheck config;
    config.mutable_pass_through_mode()->set_value(false);
    auto* header = config.add_headers();
    header->set_name(":path");
    header->mutable_string_match()->set_exact(string_field(hc, "path").value_or(""));
    sdk::StagedHttpFilter f;
    f.stage.stage = sdk::WellKnownStage::Fault;
    f.stage.relative = sdk::FilterStage::Relative::Before;
    f.filter.set_name("envoy.filters.http.health_check");
    f.filter.mutable_typed_config()->PackFrom(config);
    out.push_back({prefix + "healthCheckPolicy", [](HCM&) {}, nullptr, std::move(f)});
  }
  if (const Value* fcc = s.find("forwardClientCertDetails")) {
    static const std::map<std::string, HCM::ForwardClientCertDetails> modes = {
        {"Sanitize", HCM::SANITIZE},
        {"ForwardOnly", HCM::FORWARD_ONLY},
        {"AppendForward", HCM::APPEND_FORWARD},
        {"SanitizeSet", HCM::SANITIZE_SET},
        {"AlwaysForwardOnly", HCM::ALWAYS_FORWARD_ONLY}};
    const std::string mode_name = string_field(fcc, "mode").value_or("SanitizeSet");
    auto mode = modes.find(mode_name);
    if (mode == modes.end()) diag.error(path + ".forwardClientCertDetails.mode", "unknown mode " + mode_name);
    add("forwardClientCertDetails.mode",
        [m = mode == modes.end() ? HCM::SANITIZE_SET : mode->second](HCM& h) { h.set_forward_client_cert_details(m); });
    if (const Value* d = fcc->find("details")) {
      HCM::SetCurrentClientCertDetails details;
      if (auto v = bool_field(d, "subject")) details.mutable_subject()->set_value(*v);
      if (auto v = bool_field(d, "cert")) details.set_cert(*v);
      if (auto v = bool_field(d, "chain")) details.set_chain(*v);
      if (auto v = bool_field(d, "dns")) details.set_dns(*v);
      if (auto v = bool_field(d, "uri")) details.set_uri(*v);
      add("forwardClientCertDetails.details",
          [details](HCM& h) { *h.mutable_set_current_client_cert_details() = details; });
    }
  }
  if (const Value* m = s.find("earlyRequestHeaderModifier")) {
    envoy::extensions::http::early_header_mutation::header_mutation::v3::HeaderMutation config;
    auto append = [&](const char* key, bool overwrite) {
      const Value* list = m->find(key);
      if (!list || !list->as_list()) return;
      for (const auto& h : *list->as_list()) {
        auto* option = config.add_mutations()->mutable_append();
        option->mutable_header()->set_key(string_field(&h, "name").value_or(""));
        option->mutable_header()->set_value(string_field(&h, "value").value_or(""));
        if (overwrite)
          option->set_append_action(envoy::config::core::v3::HeaderValueOption::OVERWRITE_IF_EXISTS_OR_ADD);
      }
    };
    append("add", false);
    append("set", true);
    if (const Value* list = m->find("remove"); list && list->as_list())
      for (const auto& name : *list->as_list())
        if (const std::string* text = name.as_string()) config.add_mutations()->set_remove(*text);
    add("earlyHeaderMutationExtensions", [config](HCM& h) {
      auto* ext = h.add_early_header_mutation_extensions();
      ext->set_name("envoy.http.early_header_mutation.header_mutation");
      ext->mutable_typed_config()->PackFrom(config);
    });
  }
  if (const Value* t = s.find("tracing"))
    if (auto tracing = parse_listener_tracing(policy, *t, path + ".tracing", host, diag)) {
      Setting setting{prefix + "tracing", nullptr, nullptr, std::nullopt};
      setting.apply_for_gateway = [t = *tracing](const sdk::ObjectRef& gateway, HCM& h) {
        *h.mutable_tracing() = t.for_gateway(gateway.name, gateway.ns);
      };
      out.push_back(std::move(setting));
    }
  if (const Value* lr = s.find("localReplies"))
    if (auto config = local_reply_config(*lr, path + ".localReplies", diag))
      add("localReplyConfig", [c = *config](HCM& h) { *h.mutable_local_reply_config() = c; });
  if (const Value* h2 = s.find("http2ProtocolOptions")) {
    envoy::config::core::v3::Http2ProtocolOptions options;
    auto size = [&](const char* key, google::protobuf::UInt32Value& out) {
      const Value* v = h2->find(key);
      if (!v) return;
      auto bytes = parse_quantity(*v);
      if (!bytes || *bytes > 4294967295u)
        diag.error(path + ".http2ProtocolOptions." + key, "invalid quantity");
      else
        out.set_value(static_cast<uint32_t>(*bytes));
    };
    size("initialConnectionWindowSize", *options.mutable_initial_connection_window_size());
    size("initialStreamWindowSize", *options.mutable_initial_stream_window_size());
    if (auto v = int_field(h2, "maxConcurrentStreams"))
      options.mutable_max_concurrent_streams()->set_value(static_cast<uint32_t>(*v));
    if (auto v = bool_field(h2, "allowConnect")) options.set_allow_connect(*v);
    if (auto v = bool_field(h2, "overrideStreamErrorOnInvalidHttpMessage"))
      options.mutable_override_stream_error_on_invalid_http_message()->set_value(*v);
    add("http2ProtocolOptions", [options](HCM& h) { *h.mutable_http2_protocol_options() = options; });
  }
}

// PEM blocks with their bodies in 64-column lines, as the Gateway's own CA bundles are sent.
std::string normalized_pem(const std::string& text) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    const size_t begin = text.find("-----BEGIN ", pos);
    if (begin == std::string::npos) break;
    const size_t header_end = text.find("-----", begin + 11);
    if (header_end == std::string::npos) break;
    const std::string type = text.substr(begin + 11, header_end - begin - 11);
    const std::string end_marker = "-----END " + type + "-----";
    const size_t end = text.find(end_marker, header_end + 5);
    if (end == std::string::npos) break;
    std::string body;
    for (size_t i = header_end + 5; i < end; ++i)
      if (!std::isspace(static_cast<unsigned char>(text[i]))) body += text[i];
    out += "-----BEGIN " + type + "-----\n";
    for (size_t i = 0; i < body.size(); i += 64) out += body.substr(i, 64) + "\n";
    out += end_marker + "\n";
    pos = end + end_marker.size();
  }
  return out;
}

// Client certificate validation on the chain's TLS, replacing what the Gateway's frontend TLS
// settings give it.
void parse_client_validation(const sdk::Object& policy, const Value& v, const sdk::HostApi& host,
                             sdk::Diagnostics& diag, std::vector<Setting>& out) {
  const std::string path = "spec.default.clientCertificateValidation";
  std::string bundle;
  const Value* refs = v.find("caCertificateRefs");
  size_t i = 0;
  for (const auto& ref : refs && refs->as_list() ? *refs->as_list() : Value::List{}) {
    const std::string at = path + ".caCertificateRefs[" + std::to_string(i++) + "]";
    const std::string kind = string_field(&ref, "kind").value_or("Secret");
    const std::string ns = string_field(&ref, "namespace").value_or(policy.ref.ns);
    const std::string name = string_field(&ref, "name").value_or("");
    if (!string_field(&ref, "group").value_or("").empty() || kind != "Secret") {
      diag.error(at, "only Secret CA certificate references are supported, not " + kind);
      continue;
    }
    auto secret = host.find_secret(policy.ref, ns, name);
    std::string pem;
    if (secret)
      if (auto crt = secret->data.find("ca.crt"); crt != secret->data.end()) pem = normalized_pem(crt->second);
    if (pem.empty()) {
      diag.error(at, "Secret " + ns + "/" + name + " not found or without a PEM ca.crt");
      continue;
    }
    bundle += pem;
  }
  if (bundle.empty()) {
    if (!diag.has_errors()) diag.error(path + ".caCertificateRefs", "at least one CA certificate is required");
    return;
  }
  const bool require = string_field(&v, "mode").value_or("Require") == "Require";
  Setting s{"default.clientCertificateValidation", nullptr, nullptr, std::nullopt};
  s.apply_chain = [bundle, require](envoy::config::listener::v3::FilterChain& chain) {
    envoy::extensions::transport_sockets::tls::v3::DownstreamTlsContext tls;
    // Only chains terminating TLS validate client certificates.
    if (!chain.has_transport_socket() || !chain.transport_socket().typed_config().UnpackTo(&tls)) return;
    auto* validation = tls.mutable_common_tls_context()->mutable_validation_context();
    validation->mutable_trusted_ca()->set_inline_bytes(bundle);
    validation->clear_trust_chain_verification();
    tls.mutable_require_client_certificate()->set_value(require);
    chain.mutable_transport_socket()->mutable_typed_config()->PackFrom(tls);
  };
  out.push_back(std::move(s));
}

// ListenerPolicy's listener-wide settings (`default`).
void parse_listener_settings(const sdk::Object& policy, const Value* d, const sdk::HostApi& host,
                             sdk::Diagnostics& diag, std::vector<Setting>& out) {
  if (!d) return;
  if (const Value* v = d->find("clientCertificateValidation")) parse_client_validation(policy, *v, host, diag, out);
  if (d->find("proxyProtocol")) {
    envoy::extensions::filters::listener::proxy_protocol::v3::ProxyProtocol config;
    config.set_stat_prefix(policy.ref.ns + "_" + policy.ref.name);
    out.push_back({"default.proxyProtocol", nullptr,
                   [config](envoy::config::listener::v3::Listener& l) {
                     // The proxy protocol header comes first on the connection.
                     auto* filters = l.mutable_listener_filters();
                     filters->Add();
                     for (int i = filters->size() - 1; i > 0; --i) filters->SwapElements(i, i - 1);
                     auto& f = (*filters)[0];
                     f.set_name("envoy.filters.listener.proxy_protocol");
                     f.mutable_typed_config()->PackFrom(config);
                   },
                   std::nullopt});
  }
  if (auto text = string_field(d, "transportSocketConnectTimeout")) {
    auto ms = parse_duration_ms(*text);
    if (!ms) {
      diag.error("spec.default.transportSocketConnectTimeout", "invalid duration: " + *text);
    } else {
      Setting s{"default.transportSocketConnectTimeout", nullptr, nullptr, std::nullopt};
      s.apply_chain = [ms = *ms](envoy::config::listener::v3::FilterChain& chain) {
        set_duration(ms, *chain.mutable_transport_socket_connect_timeout());
      };
      out.push_back(std::move(s));
    }
  }
  if (auto v = int_field(d, "perConnectionBufferLimitBytes"))
    out.push_back({"default.perConnectionBufferLimitBytes", nullptr,
                   [v = *v](envoy::config::listener::v3::Listener& l) {
                     l.mutable_per_connection_buffer_limit_bytes()->set_value(static_cast<uint32_t>(v));
                   },
                   std::nullopt});
}

// ListenerPolicy and HTTPListenerPolicy differ in where the HTTP settings sit and how the merge
// metadata names them.
class ListenerPolicyKind final : public sdk::PolicyKind {
 public:
  ListenerPolicyKind(std::string kind, bool nested) : kind_(std::move(kind)), nested_(nested) {}

  sdk::GroupKind group_kind() const noexcept override { return {"gateway.kgateway.dev", kind_}; }

  std::shared_ptr<const sdk::PluginIr> parse(const sdk::Object& policy, const sdk::HostApi& host,
                                             sdk::Diagnostics& diag) const noexcept override {
    try {
      auto ir = std::make_shared<ListenerPolicyIr>();
      const Value* spec = policy.spec();
      if (spec) ir->spec = *spec;
      const Value* settings = nested_ ? field(field(spec, "default"), "httpSettings") : spec;
      if (settings)
        parse_http_settings(policy, *settings, nested_ ? "spec.default.httpSettings" : "spec",
                            nested_ ? "default.httpSettings." : "", host, diag, ir->settings);
      if (nested_) parse_listener_settings(policy, field(spec, "default"), host, diag, ir->settings);
      if (diag.has_errors()) return nullptr;
      return ir;
    } catch (const std::exception& e) {
      diag.error("spec", e.what());
      return nullptr;
    }
  }

  void http_filters(const sdk::TranslationContext&, sdk::AttachedPolicies policies,
                    std::vector<sdk::StagedHttpFilter>& out) const noexcept override {
    for (const auto& [name, source] : merged(policies))
      if (source.second->filter) out.push_back(*source.second->filter);
  }

  void apply_http_connection_manager(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies,
                                     HCM& hcm) const noexcept override {
    for (const auto& [name, source] : merged(policies)) {
      if (source.second->apply) source.second->apply(hcm);
      if (source.second->apply_for_gateway) source.second->apply_for_gateway(ctx.gateway(), hcm);
    }
  }

  void apply_listener(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies,
                      envoy::config::listener::v3::Listener& listener) const noexcept override {
    for (const auto& [name, source] : merged(policies))
      if (source.second->apply_listener) source.second->apply_listener(listener);
    add_metadata(policies, listener);
    report_attachment(ctx, policies);
  }

  void apply_filter_chain(const sdk::TranslationContext&, sdk::AttachedPolicies policies,
                          envoy::config::listener::v3::FilterChain& chain) const noexcept override {
    for (const auto& [name, source] : merged(policies))
      if (source.second->apply_chain) source.second->apply_chain(chain);
  }

  void apply_route_configuration(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies,
                                 envoy::config::route::v3::RouteConfiguration& rc) const noexcept override {
    add_metadata(policies, rc);
    report_attachment(ctx, policies);
  }

 private:
  // Shallow merge: each setting from the highest-precedence policy that has it.
  static std::map<std::string, std::pair<const sdk::ObjectRef*, const Setting*>> merged(
      sdk::AttachedPolicies policies) {
    std::map<std::string, std::pair<const sdk::ObjectRef*, const Setting*>> out;
    for (const auto& p : policies)
      for (const auto& s : static_cast<const ListenerPolicyIr*>(p.ir)->settings)
        out.emplace(s.name, std::pair{&p.policy, &s});
    return out;
  }

  static void report_attachment(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies) {
    if (policies.size() < 2) return;
    std::set<const sdk::ObjectRef*> contributors;
    for (const auto& [name, source] : merged(policies)) contributors.insert(source.first);
    filters::report_attachment(ctx, policies, contributors);
  }

  template <typename Owner>
  void add_metadata(sdk::AttachedPolicies policies, Owner& owner) const {
    auto settings = merged(policies);
    if (settings.empty()) return;
    envoy::config::core::v3::Metadata& metadata = *owner.mutable_metadata();
    google::protobuf::Struct st;
    for (const auto& [name, source] : settings) {
      const sdk::ObjectRef& ref = *source.first;
      (*st.mutable_fields())[name].mutable_list_value()->add_values()->set_string_value(ref.group + "/" + ref.kind +
                                                                                        "/" + ref.ns + "/" + ref.name);
    }
    (*metadata.mutable_filter_metadata())["merge." + kind_ + ".gateway.kgateway.dev"] = std::move(st);
  }

  std::string kind_;
  bool nested_;
};

}  // namespace

std::unique_ptr<sdk::PolicyKind> make_listener_policy_kind() {
  return std::make_unique<ListenerPolicyKind>("ListenerPolicy", true);
}
std::unique_ptr<sdk::PolicyKind> make_http_listener_policy_kind() {
  return std::make_unique<ListenerPolicyKind>("HTTPListenerPolicy", false);
}

}  // namespace kgw::filters
