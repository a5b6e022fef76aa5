#include "ext_auth.h"

#include "envoy/extensions/filters/http/dynamic_modules/v3/dynamic_modules.pb.h"
#include "envoy/extensions/filters/http/ext_authz/v3/ext_authz.pb.h"
#include "gateway_extension.h"
#include "google/protobuf/wrappers.pb.h"
#include "value_helpers.h"

namespace kgw::filters {

namespace {

using ExtAuthz = envoy::extensions::filters::http::ext_authz::v3::ExtAuthz;
using ExtAuthzPerRoute = envoy::extensions::filters::http::ext_authz::v3::ExtAuthzPerRoute;
using BufferSettings = envoy::extensions::filters::http::ext_authz::v3::BufferSettings;
using envoy::extensions::filters::http::dynamic_modules::v3::DynamicModuleFilter;
using envoy::extensions::filters::http::dynamic_modules::v3::DynamicModuleFilterPerRoute;

constexpr const char* kKind = "ext_auth";
constexpr const char* kEnabledMarker = "ext_auth_enabled";
// kgateway's transformation module records a request the authorization service let through.
constexpr const char* kAuthSucceeded =
    R"({"request":{"body":{"parseAs":"None"},"dynamicMetadata":[{"namespace":"dev.kgateway.auth_policy",)"
    R"("key":"auth_succeeded","value":{"stringValue":"true"}}]},"response":{"body":{"parseAs":"None"}}})";
constexpr int64_t kDefaultHttpTimeoutMs = 2000;

google::protobuf::Any string_value(const std::string& text) {
  google::protobuf::StringValue value;
  value.set_value(text);
  google::protobuf::Any any;
  any.PackFrom(value);
  return any;
}

DynamicModuleFilter marker_filter() {
  DynamicModuleFilter module;
  module.mutable_dynamic_module_config()->set_name("rust_module");
  module.set_filter_name("rustformation");
  *module.mutable_filter_config() = string_value("{}");
  return module;
}

DynamicModuleFilterPerRoute marker_config(const std::string& transformation) {
  DynamicModuleFilterPerRoute per_route;
  per_route.mutable_dynamic_module_config()->set_name("rust_module");
  per_route.set_filter_name("rustformation");
  per_route.set_per_route_config_name("rustformation");
  *per_route.mutable_filter_config() = string_value(transformation);
  return per_route;
}

sdk::StagedHttpFilter marker_on_chain() {
  return feature::disabled({sdk::WellKnownStage::AuthZ, sdk::FilterStage::Relative::After, 0}, kEnabledMarker,
                           marker_filter());
}

bool fill_buffer_settings(const sdk::Value* v, BufferSettings& out) {
  if (!v) return false;
  if (auto n = int_field(v, "maxRequestBytes")) out.set_max_request_bytes(static_cast<uint32_t>(*n));
  out.set_allow_partial_message(bool_field(v, "allowPartialMessage").value_or(false));
  out.set_pack_as_bytes(bool_field(v, "packAsBytes").value_or(false));
  return true;
}

void add_string_list(const sdk::Value* list, envoy::type::matcher::v3::ListStringMatcher& out) {
  if (!list || !list->as_list()) return;
  for (const auto& item : *list->as_list())
    if (const std::string* s = item.as_string()) out.add_patterns()->set_exact(*s);
}

bool has_items(const sdk::Value* list) { return list && list->as_list() && !list->as_list()->empty(); }

// The chain's filter: everything the GatewayExtension configures, switched off per request by the
// global disable metadata.
ExtAuthz chain_config(const sdk::Value& ext, const std::string& cluster, const std::string& path,
                      sdk::Diagnostics& diag) {
  ExtAuthz config;
  if (const sdk::Value* http = field(&ext, "httpService")) {
    auto* service = config.mutable_http_service();
    auto* uri = service->mutable_server_uri();
    uri->set_uri(cluster);
    uri->set_cluster(cluster);
    int64_t timeout = kDefaultHttpTimeoutMs;
    if (auto s = string_field(http, "requestTimeout")) {
      auto ms = parse_duration_ms(*s);
      if (!ms) diag.error(path + ".httpService.requestTimeout", "invalid duration: " + *s);
      timeout = ms.value_or(timeout);
    }
    set_duration(timeout, *uri->mutable_timeout());
    if (auto prefix = string_field(http, "pathPrefix")) service->set_path_prefix(*prefix);
    if (const sdk::Value* headers = field(field(http, "authorizationRequest"), "headersToAdd");
        headers && headers->as_map())
      for (const auto& [key, value] : *headers->as_map()) {
        auto* h = service->mutable_authorization_request()->add_headers_to_add();
        h->set_key(key);
        if (const std::string* s = value.as_string()) h->set_value(*s);
      }
    if (const sdk::Value* response = field(http, "authorizationResponse")) {
      auto* out = service->mutable_authorization_response();
      if (has_items(field(response, "headersToBackend")))
        add_string_list(field(response, "headersToBackend"), *out->mutable_allowed_upstream_headers());
      if (has_items(field(response, "headersToClient")))
        add_string_list(field(response, "headersToClient"), *out->mutable_allowed_client_headers());
      if (has_items(field(response, "headersToClientOnSuccess")))
        add_string_list(field(response, "headersToClientOnSuccess"), *out->mutable_allowed_client_headers_on_success());
    }
    // The same retry settings as a gRPC service's, on the HTTP service.
    if (field(http, "retry")) *service->mutable_retry_policy() = grpc_service(cluster, *http).retry_policy();
  } else if (const sdk::Value* grpc = field(&ext, "grpcService")) {
    *config.mutable_grpc_service() = grpc_service(cluster, *grpc);
    config.set_transport_api_version(envoy::config::core::v3::V3);
  }
  if (has_items(field(&ext, "headersToForward")))
    add_string_list(field(&ext, "headersToForward"), *config.mutable_allowed_headers());
  config.set_failure_mode_allow(bool_field(&ext, "failOpen").value_or(false));
  config.set_clear_route_cache(bool_field(&ext, "clearRouteCache").value_or(false));
  if (auto prefix = string_field(&ext, "statPrefix")) config.set_stat_prefix(*prefix);
  config.mutable_status_on_error()->set_code(
      static_cast<envoy::type::v3::StatusCode>(int_field(&ext, "statusOnError").value_or(403)));
  if (!fill_buffer_settings(field(&ext, "withRequestBody"), *config.mutable_with_request_body()))
    config.clear_with_request_body();
  auto* enabled = config.mutable_filter_enabled_metadata();
  enabled->set_filter(global_disable_namespace(kKind));
  enabled->add_path()->set_key("disable");
  enabled->mutable_value()->set_bool_match(true);
  enabled->set_invert(true);
  return config;
}

}  // namespace

void parse_ext_auth(const sdk::Object& policy, const sdk::Value& v, const sdk::HostApi& host, sdk::Diagnostics& diag,
                    FilterFeature& feature) {
  if (v.find("disable")) {
    feature.filters.push_back(global_disable_filter(kKind));
    feature.filters.push_back(marker_on_chain());
    feature.configs.push_back(feature::enable(global_disable_filter_name(kKind)));
    feature.configs.push_back(feature::config(kEnabledMarker, marker_config("{}")));
    return;
  }
  std::string error;
  const sdk::Object* extension = find_gateway_extension(policy, field(&v, "extensionRef"), "extAuth", host, error);
  if (!extension) {
    diag.error("spec.extAuth.extensionRef", "extauth: " + error);
    return;
  }
  const sdk::Value& ext = *field(extension->spec(), "extAuth");
  const sdk::Value* service = field(&ext, "httpService");
  if (!service) service = field(&ext, "grpcService");
  const std::string cluster = extension_cluster(*extension, service, host, error);
  if (cluster.empty()) {
    diag.error("spec.extAuth.extensionRef", "extauth: failed to resolve ExtAuth backend: " + error);
    return;
  }
  const std::string name = extension_filter_name(kKind, *extension);
  feature.filters.push_back(global_disable_filter(kKind));
  feature.filters.push_back(feature::disabled({sdk::WellKnownStage::AuthZ, sdk::FilterStage::Relative::During, 0}, name,
                                              chain_config(ext, cluster, "spec.extAuth", diag)));
  feature.filters.push_back(marker_on_chain());

  // Per-request settings need the filter's own per-route type; otherwise enabling it is enough.
  ExtAuthzPerRoute per_route;
  auto* check = per_route.mutable_check_settings();
  if (const sdk::Value* extensions = v.find("contextExtensions"); extensions && extensions->as_map())
    for (const auto& [key, value] : *extensions->as_map())
      if (const std::string* s = value.as_string()) (*check->mutable_context_extensions())[key] = *s;
  const bool body = fill_buffer_settings(v.find("withRequestBody"), *check->mutable_with_request_body());
  if (!body) check->clear_with_request_body();
  if (body || check->context_extensions_size() > 0)
    feature.configs.push_back(feature::config(name, per_route));
  else
    feature.configs.push_back(feature::enable(name));
  feature.configs.push_back(feature::config(kEnabledMarker, marker_config(kAuthSucceeded)));
}

}  // namespace kgw::filters
