#include "listener_policy.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/config/route/v3/route.pb.h"
#include "envoy/extensions/http/header_formatters/preserve_case/v3/preserve_case.pb.h"
#include "envoy/extensions/http/original_ip_detection/xff/v3/xff.pb.h"
#include "envoy/extensions/request_id/uuid/v3/uuid.pb.h"
#include "google/protobuf/struct.pb.h"
#include "value_helpers.h"

namespace kgw::filters {
namespace {

using HCM = sdk::HttpConnectionManager;

// One HTTP connection manager setting, named as kgateway's merge metadata names it.
struct Setting {
  std::string name;
  std::function<void(HCM&)> apply;
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

// Parses the HTTP settings `s` (at `path`) into settings named `prefix` + kgateway's name.
void parse_http_settings(const Value& s, const std::string& path, const std::string& prefix, sdk::Diagnostics& diag,
                         std::vector<Setting>& out) {
  auto add = [&](const std::string& name, std::function<void(HCM&)> apply) {
    out.push_back({prefix + name, std::move(apply)});
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

// ListenerPolicy and HTTPListenerPolicy differ in where the HTTP settings sit and how the merge
// metadata names them.
class ListenerPolicyKind final : public sdk::PolicyKind {
 public:
  ListenerPolicyKind(std::string kind, bool nested) : kind_(std::move(kind)), nested_(nested) {}

  sdk::GroupKind group_kind() const noexcept override { return {"gateway.kgateway.dev", kind_}; }

  std::shared_ptr<const sdk::PluginIr> parse(const sdk::Object& policy, const sdk::HostApi&,
                                             sdk::Diagnostics& diag) const noexcept override {
    try {
      auto ir = std::make_shared<ListenerPolicyIr>();
      const Value* spec = policy.spec();
      if (spec) ir->spec = *spec;
      const Value* settings = nested_ ? field(field(spec, "default"), "httpSettings") : spec;
      if (settings)
        parse_http_settings(*settings, nested_ ? "spec.default.httpSettings" : "spec",
                            nested_ ? "default.httpSettings." : "", diag, ir->settings);
      if (diag.has_errors()) return nullptr;
      return ir;
    } catch (const std::exception& e) {
      diag.error("spec", e.what());
      return nullptr;
    }
  }

  void apply_http_connection_manager(const sdk::TranslationContext&, sdk::AttachedPolicies policies,
                                     HCM& hcm) const noexcept override {
    for (const auto& [name, source] : merged(policies)) source.second->apply(hcm);
  }

  void apply_listener(const sdk::TranslationContext&, sdk::AttachedPolicies policies,
                      envoy::config::listener::v3::Listener& listener) const noexcept override {
    add_metadata(policies, *listener.mutable_metadata());
  }

  void apply_route_configuration(const sdk::TranslationContext&, sdk::AttachedPolicies policies,
                                 envoy::config::route::v3::RouteConfiguration& rc) const noexcept override {
    add_metadata(policies, *rc.mutable_metadata());
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

  void add_metadata(sdk::AttachedPolicies policies, envoy::config::core::v3::Metadata& metadata) const {
    auto settings = merged(policies);
    if (settings.empty()) return;
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
