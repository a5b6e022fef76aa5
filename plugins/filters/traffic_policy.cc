#include "traffic_policy.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "attachment_conditions.h"
#include "cel.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/config/rbac/v3/rbac.pb.h"
#include "envoy/config/route/v3/route.pb.h"
#include "envoy/extensions/compression/brotli/compressor/v3/brotli.pb.h"
#include "envoy/extensions/compression/brotli/decompressor/v3/brotli.pb.h"
#include "envoy/extensions/compression/gzip/compressor/v3/gzip.pb.h"
#include "envoy/extensions/compression/gzip/decompressor/v3/gzip.pb.h"
#include "envoy/extensions/compression/zstd/compressor/v3/zstd.pb.h"
#include "envoy/extensions/compression/zstd/decompressor/v3/zstd.pb.h"
#include "envoy/extensions/filters/http/api_key_auth/v3/api_key_auth.pb.h"
#include "envoy/extensions/filters/http/basic_auth/v3/basic_auth.pb.h"
#include "envoy/extensions/filters/http/buffer/v3/buffer.pb.h"
#include "envoy/extensions/filters/http/compressor/v3/compressor.pb.h"
#include "envoy/extensions/filters/http/cors/v3/cors.pb.h"
#include "envoy/extensions/filters/http/decompressor/v3/decompressor.pb.h"
#include "envoy/extensions/filters/http/dynamic_modules/v3/dynamic_modules.pb.h"
#include "envoy/extensions/filters/http/fault/v3/fault.pb.h"
#include "envoy/extensions/filters/http/header_mutation/v3/header_mutation.pb.h"
#include "envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.pb.h"
#include "envoy/extensions/filters/http/rbac/v3/rbac.pb.h"
#include "ext_auth.h"
#include "ext_proc.h"
#include "filter_feature.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "jwt.h"
#include "rate_limit.h"
#include "tracing.h"
#include "value_helpers.h"
#include "xds/type/matcher/v3/cel.pb.h"
#include "xds/type/matcher/v3/http_inputs.pb.h"
#include "xds/type/matcher/v3/matcher.pb.h"

namespace kgw::filters {
namespace {

using sdk::Value;
using RouteAction = envoy::config::route::v3::RouteAction;
using HTTPFault = envoy::extensions::filters::http::fault::v3::HTTPFault;
using BufferPerRoute = envoy::extensions::filters::http::buffer::v3::BufferPerRoute;
using HeaderMutationPerRoute = envoy::extensions::filters::http::header_mutation::v3::HeaderMutationPerRoute;

constexpr const char* kGroup = "gateway.kgateway.dev";
constexpr const char* kKind = "TrafficPolicy";
// Where kgateway records which policy supplied each feature of a merged result.
constexpr const char* kMergeMetadata = "merge.TrafficPolicy.gateway.kgateway.dev";
constexpr const char* kFaultFilter = "envoy.filters.http.fault";
constexpr const char* kBufferFilter = "envoy.filters.http.buffer";
constexpr const char* kHeaderMutationFilter = "envoy.extensions.filters.http.header_mutation";
constexpr const char* kLocalRateLimitFilter = "ratelimit/local";
constexpr const char* kBasicAuthFilter = "envoy.filters.http.basic_auth";
constexpr const char* kApiKeyAuthFilter = "envoy.filters.http.api_key_auth";
// kgateway's transformation dynamic module, which marks a request as authenticated after an
// authentication filter let it through.
constexpr const char* kCorsFilter = "envoy.filters.http.cors";
constexpr const char* kTransformationFilter = "dynamic_modules/simple_mutations";
constexpr const char* kRbacFilter = "envoy.filters.http.rbac";
constexpr const char* kAclFilter = "dynamic_modules/http-acl";
constexpr const char* kAclModuleFilter = "http-acl";
constexpr const char* kRustModule = "rust_module";
constexpr const char* kRustformation = "rustformation";
constexpr const char* kAuthSucceededTransformation =
    R"({"request":{"body":{"parseAs":"None"},"dynamicMetadata":[{"namespace":"dev.kgateway.auth_policy",)"
    R"("key":"auth_succeeded","value":{"stringValue":"true"}}]},"response":{"body":{"parseAs":"None"}}})";

struct Retry {
  std::string retry_on;
  int64_t attempts = 1;
  std::optional<int64_t> per_try_timeout_ms;
  std::vector<int64_t> status_codes;
  int64_t backoff_ms = 25;
};

struct Timeouts {
  std::optional<int64_t> request_ms, stream_idle_ms;
};

class TrafficPolicyIr final : public sdk::PluginIr {
 public:
  Value spec;
  std::optional<Timeouts> timeouts;
  std::optional<Retry> retry;
  std::optional<envoy::type::matcher::v3::RegexMatchAndSubstitute> url_rewrite;
  std::optional<std::string> stat_prefix;  // may hold {{route_name}}-style tokens
  std::string policy_namespace;
  std::optional<envoy::config::route::v3::InternalRedirectPolicy> internal_redirect;
  std::optional<envoy::config::route::v3::Tracing> tracing;
  // By feature name, as the merge metadata names it.
  std::map<std::string, FilterFeature> filter_features;
  // What referenced objects (GatewayExtensions, ConfigMaps) contributed.
  Value::List resolved;
  // The httpACL feature's configuration as the manifest wrote it (for shallow merges).
  std::optional<std::pair<std::string, google::protobuf::Any>> acl_as_written;

  // Every feature this policy sets, by name.
  std::vector<std::string> features() const {
    std::vector<std::string> out;
    if (timeouts) out.push_back("timeouts");
    if (retry) out.push_back("retry");
    if (url_rewrite) out.push_back("urlRewrite");
    if (stat_prefix) out.push_back("statPrefix");
    if (internal_redirect) out.push_back("internalRedirect");
    if (tracing) out.push_back("tracing");
    for (const auto& [name, f] : filter_features) out.push_back(name);
    return out;
  }

  bool equals(const sdk::PluginIr& other) const noexcept override {
    const auto* o = dynamic_cast<const TrafficPolicyIr*>(&other);
    return o && o->spec == spec && o->resolved == resolved;
  }
};

const TrafficPolicyIr& ir_of(const sdk::AttachedPolicy& p) { return *static_cast<const TrafficPolicyIr*>(p.ir); }

// A filter for the chain, disabled until a level's configuration enables it.
sdk::StagedHttpFilter disabled_filter(sdk::WellKnownStage stage, const std::string& name,
                                      const google::protobuf::Message& config) {
  sdk::StagedHttpFilter f;
  f.stage.stage = stage;
  f.filter.set_name(name);
  f.filter.set_disabled(true);
  f.filter.mutable_typed_config()->PackFrom(config);
  return f;
}

std::pair<std::string, google::protobuf::Any> config_for(const std::string& name,
                                                         const google::protobuf::Message& config) {
  std::pair<std::string, google::protobuf::Any> out{name, {}};
  out.second.PackFrom(config);
  return out;
}

// Enables a filter disabled on the chain, or (`disabled`) keeps it off where it may not even be.
std::pair<std::string, google::protobuf::Any> filter_config(const std::string& name, bool disabled) {
  envoy::config::route::v3::FilterConfig config;
  config.mutable_config();
  if (disabled) {
    config.set_disabled(true);
    config.set_is_optional(true);
  }
  return config_for(name, config);
}

void parse_timeouts(const Value& v, sdk::Diagnostics& diag, TrafficPolicyIr& ir) {
  Timeouts t;
  for (auto [key, out] : {std::pair{"request", &t.request_ms}, std::pair{"streamIdle", &t.stream_idle_ms}})
    if (auto s = string_field(&v, key)) {
      *out = parse_duration_ms(*s);
      if (!*out) diag.error(std::string("spec.timeouts.") + key, "invalid duration: " + *s);
    }
  ir.timeouts = t;
}

void parse_retry(const Value& v, sdk::Diagnostics& diag, TrafficPolicyIr& ir) {
  Retry r;
  std::vector<std::string> on;
  if (const Value* list = v.find("retryOn"); list && list->as_list())
    for (const auto& item : *list->as_list())
      if (const std::string* s = item.as_string()) on.push_back(*s);
  if (const Value* list = v.find("statusCodes"); list && list->as_list()) {
    for (const auto& item : *list->as_list())
      if (auto code = item.as_int()) r.status_codes.push_back(*code);
    if (!r.status_codes.empty()) on.push_back("retriable-status-codes");
  }
  std::sort(on.begin(), on.end());
  on.erase(std::unique(on.begin(), on.end()), on.end());
  for (const auto& s : on) r.retry_on += (r.retry_on.empty() ? "" : ",") + s;
  if (auto a = int_field(&v, "attempts")) r.attempts = *a;
  if (auto s = string_field(&v, "perTryTimeout")) {
    r.per_try_timeout_ms = parse_duration_ms(*s);
    if (!r.per_try_timeout_ms) diag.error("spec.retry.perTryTimeout", "invalid duration: " + *s);
  }
  if (auto s = string_field(&v, "backoffBaseInterval")) {
    auto ms = parse_duration_ms(*s);
    if (!ms) diag.error("spec.retry.backoffBaseInterval", "invalid duration: " + *s);
    r.backoff_ms = ms.value_or(25);
  }
  ir.retry = r;
}

void parse_fault(const Value& v, sdk::Diagnostics& diag, TrafficPolicyIr& ir) {
  HTTPFault fault;
  if (const Value* abort = v.find("abort")) {
    auto* a = fault.mutable_abort();
    if (auto code = int_field(abort, "httpStatus")) a->set_http_status(static_cast<uint32_t>(*code));
    if (auto code = int_field(abort, "grpcStatus")) a->set_grpc_status(static_cast<uint32_t>(*code));
    a->mutable_percentage()->set_numerator(static_cast<uint32_t>(int_field(abort, "percentage").value_or(100)));
  }
  if (const Value* delay = v.find("delay")) {
    auto* d = fault.mutable_delay();
    if (auto s = string_field(delay, "fixedDelay")) {
      auto ms = parse_duration_ms(*s);
      if (!ms) diag.error("spec.faultInjection.delay.fixedDelay", "invalid duration: " + *s);
      set_duration(ms.value_or(0), *d->mutable_fixed_delay());
    }
    d->mutable_percentage()->set_numerator(static_cast<uint32_t>(int_field(delay, "percentage").value_or(100)));
  }
  if (auto n = int_field(&v, "maxActiveFaults"))
    fault.mutable_max_active_faults()->set_value(static_cast<uint32_t>(*n));
  auto& feature = ir.filter_features["faultInjection"];
  if (v.find("disable")) {
    feature.configs.push_back(filter_config(kFaultFilter, true));
    return;
  }
  feature.filters.push_back(disabled_filter(sdk::WellKnownStage::Fault, kFaultFilter, HTTPFault()));
  feature.configs.push_back(config_for(kFaultFilter, fault));
}

void parse_buffer(const Value& v, sdk::Diagnostics& diag, TrafficPolicyIr& ir) {
  BufferPerRoute buffer;
  if (v.find("disable")) {
    buffer.set_disabled(true);
  } else if (const Value* size = v.find("maxRequestSize")) {
    auto bytes = parse_quantity(*size);
    if (!bytes || *bytes > 4294967295u)
      diag.error("spec.buffer.maxRequestSize", "invalid quantity");
    else
      buffer.mutable_buffer()->mutable_max_request_bytes()->set_value(static_cast<uint32_t>(*bytes));
  }
  auto& feature = ir.filter_features["buffer"];
  // The per-route configuration sets the real limit.
  envoy::extensions::filters::http::buffer::v3::Buffer config;
  config.mutable_max_request_bytes()->set_value(4294967295u);
  feature.filters.push_back(disabled_filter(sdk::WellKnownStage::Route, kBufferFilter, config));
  feature.configs.push_back(config_for(kBufferFilter, buffer));
}

void parse_header_modifiers(const sdk::Object& policy, const Value& v, const sdk::HostApi& host, sdk::Diagnostics& diag,
                            TrafficPolicyIr& ir) {
  HeaderMutationPerRoute per_route;
  auto* mutations = per_route.mutable_mutations();
  using Mutation = envoy::config::common::mutation_rules::v3::HeaderMutation;
  auto fill = [&](const Value* m, const std::string& path, google::protobuf::RepeatedPtrField<Mutation>& out) {
    if (!m) return;
    auto append = [&](const std::string& name, const std::string& value, bool overwrite) {
      auto* option = out.Add()->mutable_append();
      option->mutable_header()->set_key(name);
      option->mutable_header()->set_value(value);
      if (overwrite) option->set_append_action(envoy::config::core::v3::HeaderValueOption::OVERWRITE_IF_EXISTS_OR_ADD);
    };
    auto add = [&](const char* key, bool overwrite) {
      const Value* list = m->find(key);
      if (!list || !list->as_list()) return;
      size_t i = 0;
      for (const auto& h : *list->as_list()) {
        const std::string at = path + "." + key + "[" + std::to_string(i++) + "]";
        const Value* ref = h.find("secretRef");
        if (!ref) {
          append(string_field(&h, "name").value_or(""), string_field(&h, "value").value_or(""), overwrite);
          continue;
        }
        // Values from a Secret: one key as the named header, or every key as a header of its name.
        const std::string ns = string_field(ref, "namespace").value_or(policy.ref.ns);
        const std::string secret_name = string_field(ref, "name").value_or("");
        auto secret = host.find_secret(policy.ref, ns, secret_name);
        if (!secret) {
          diag.error(at + ".secretRef", "secret " + ns + "/" + secret_name + " not found");
          continue;
        }
        if (auto key_name = string_field(ref, "key")) {
          auto it = secret->data.find(*key_name);
          if (it == secret->data.end()) {
            diag.error(at + ".secretRef.key", "key " + *key_name + " not found in secret " + ns + "/" + secret_name);
            continue;
          }
          append(string_field(&h, "name").value_or(*key_name), it->second, overwrite);
        } else {
          for (const auto& [k, value] : secret->data) append(k, value, overwrite);
        }
      }
    };
    add("add", false);
    add("set", true);
    if (const Value* list = m->find("remove"); list && list->as_list())
      for (const auto& name : *list->as_list())
        if (const std::string* s = name.as_string()) out.Add()->set_remove(*s);
  };
  fill(v.find("request"), "spec.headerModifiers.request", *mutations->mutable_request_mutations());
  fill(v.find("response"), "spec.headerModifiers.response", *mutations->mutable_response_mutations());
  auto& feature = ir.filter_features["headerModifiers"];
  // kgateway puts the (empty) per-route type on the chain as well.
  feature.filters.push_back(
      disabled_filter(sdk::WellKnownStage::Route, kHeaderMutationFilter, HeaderMutationPerRoute()));
  feature.configs.push_back(config_for(kHeaderMutationFilter, per_route));
}

// Compression libraries by CRD name: the filter name suffix and the library's Envoy names.
struct Codec {
  const char* crd;
  const char* suffix;
  const char* library;
};
const Codec kCodecs[] = {{"Gzip", "", "gzip"}, {"Brotli", ".brotli", "brotli"}, {"Zstd", ".zstd", "zstd"}};

std::vector<const Codec*> codecs_of(const Value& v, const std::string& path, sdk::Diagnostics& diag) {
  std::vector<const Codec*> out;
  const Value* list = v.find("libraries");
  if (!list || !list->as_list()) return {&kCodecs[0]};
  for (const auto& item : *list->as_list()) {
    const std::string* name = item.as_string();
    const Codec* codec = nullptr;
    for (const auto& c : kCodecs)
      if (name && *name == c.crd) codec = &c;
    if (codec)
      out.push_back(codec);
    else
      diag.error(path + ".libraries", "unknown library " + (name ? *name : std::string("?")));
  }
  return out;
}

template <typename Library>
void pack_library(const Codec& codec, bool compressor, Library& out) {
  const std::string kind = compressor ? "compressor" : "decompressor";
  out.set_name(std::string("envoy.compression.") + codec.library + "." + kind);
  auto* any = out.mutable_typed_config();
  const std::string lib = codec.library;
  if (compressor) {
    if (lib == "gzip") any->PackFrom(envoy::extensions::compression::gzip::compressor::v3::Gzip());
    if (lib == "brotli") any->PackFrom(envoy::extensions::compression::brotli::compressor::v3::Brotli());
    if (lib == "zstd") any->PackFrom(envoy::extensions::compression::zstd::compressor::v3::Zstd());
  } else {
    if (lib == "gzip") any->PackFrom(envoy::extensions::compression::gzip::decompressor::v3::Gzip());
    if (lib == "brotli") any->PackFrom(envoy::extensions::compression::brotli::decompressor::v3::Brotli());
    if (lib == "zstd") any->PackFrom(envoy::extensions::compression::zstd::decompressor::v3::Zstd());
  }
}

void parse_compression(const Value& v, sdk::Diagnostics& diag, TrafficPolicyIr& ir) {
  if (const Value* c = v.find("responseCompression")) {
    auto& feature = ir.filter_features["compression"];
    const bool disable = c->find("disable") != nullptr;
    for (const Codec* codec : disable ? std::vector<const Codec*>{&kCodecs[0], &kCodecs[1], &kCodecs[2]}
                                      : codecs_of(*c, "spec.compression.responseCompression", diag)) {
      const std::string name = std::string("envoy.filters.http.compressor") + codec->suffix;
      feature.configs.push_back(filter_config(name, disable));
      if (disable) continue;
      envoy::extensions::filters::http::compressor::v3::Compressor config;
      pack_library(*codec, true, *config.mutable_compressor_library());
      config.mutable_request_direction_config()
          ->mutable_common_config()
          ->mutable_enabled()
          ->mutable_default_value()
          ->set_value(false);
      feature.filters.push_back(disabled_filter(sdk::WellKnownStage::Route, name, config));
    }
  }
  if (const Value* d = v.find("requestDecompression")) {
    auto& feature = ir.filter_features["decompression"];
    const bool disable = d->find("disable") != nullptr;
    for (const Codec* codec : disable ? std::vector<const Codec*>{&kCodecs[0], &kCodecs[1], &kCodecs[2]}
                                      : codecs_of(*d, "spec.compression.requestDecompression", diag)) {
      const std::string name = std::string("envoy.filters.http.decompressor") + codec->suffix;
      feature.configs.push_back(filter_config(name, disable));
      if (disable) continue;
      envoy::extensions::filters::http::decompressor::v3::Decompressor config;
      pack_library(*codec, false, *config.mutable_decompressor_library());
      config.mutable_response_direction_config()
          ->mutable_common_config()
          ->mutable_enabled()
          ->mutable_default_value()
          ->set_value(false);
      feature.filters.push_back(disabled_filter(sdk::WellKnownStage::Route, name, config));
    }
  }
}

void parse_local_rate_limit(const Value& v, sdk::Diagnostics& diag, TrafficPolicyIr& ir) {
  using LocalRateLimit = envoy::extensions::filters::http::local_ratelimit::v3::LocalRateLimit;
  LocalRateLimit config;
  config.set_stat_prefix("http_local_rate_limiter");
  if (const Value* bucket = v.find("tokenBucket")) {
    auto* tb = config.mutable_token_bucket();
    tb->set_max_tokens(static_cast<uint32_t>(int_field(bucket, "maxTokens").value_or(0)));
    tb->mutable_tokens_per_fill()->set_value(static_cast<uint32_t>(int_field(bucket, "tokensPerFill").value_or(1)));
    if (auto s = string_field(bucket, "fillInterval")) {
      auto ms = parse_duration_ms(*s);
      if (!ms) diag.error("spec.rateLimit.local.tokenBucket.fillInterval", "invalid duration: " + *s);
      set_duration(ms.value_or(0), *tb->mutable_fill_interval());
    }
  }
  auto percent = [&](const char* key, const char* runtime_key, envoy::config::core::v3::RuntimeFractionalPercent& out) {
    out.set_runtime_key(runtime_key);
    out.mutable_default_value()->set_numerator(static_cast<uint32_t>(int_field(&v, key).value_or(100)));
  };
  percent("percentEnabled", "local_rate_limit_enabled", *config.mutable_filter_enabled());
  percent("percentEnforced", "local_rate_limit_enforced", *config.mutable_filter_enforced());
  auto& feature = ir.filter_features["rateLimit.local"];
  LocalRateLimit chain_config;
  chain_config.set_stat_prefix("http_local_rate_limiter");
  feature.filters.push_back(disabled_filter(sdk::WellKnownStage::RateLimit, kLocalRateLimitFilter, chain_config));
  feature.configs.push_back(config_for(kLocalRateLimitFilter, config));
}

google::protobuf::Any string_value(const std::string& text) {
  google::protobuf::StringValue value;
  value.set_value(text);
  google::protobuf::Any any;
  any.PackFrom(value);
  return any;
}

envoy::extensions::filters::http::dynamic_modules::v3::DynamicModuleFilterPerRoute module_per_route(
    const std::string& filter_name, const std::string& config) {
  envoy::extensions::filters::http::dynamic_modules::v3::DynamicModuleFilterPerRoute per_route;
  per_route.mutable_dynamic_module_config()->set_name(kRustModule);
  per_route.set_filter_name(filter_name);
  per_route.set_per_route_config_name(filter_name);
  *per_route.mutable_filter_config() = string_value(config);
  return per_route;
}

// An authentication feature: the authentication filter and, right after its stage, the
// transformation that records the request as authenticated, both disabled on the chain and
// enabled by the level's configuration.
void add_auth_filters(FilterFeature& feature, const std::string& filter, const google::protobuf::Message& chain_config,
                      const google::protobuf::Message& config) {
  const std::string enabled = filter == kBasicAuthFilter ? "basic_auth_enabled" : "api_key_auth_enabled";
  feature.filters.push_back(disabled_filter(sdk::WellKnownStage::AuthN, filter, chain_config));
  envoy::extensions::filters::http::dynamic_modules::v3::DynamicModuleFilter module;
  module.mutable_dynamic_module_config()->set_name(kRustModule);
  module.set_filter_name(kRustformation);
  *module.mutable_filter_config() = string_value("{}");
  sdk::StagedHttpFilter marker = disabled_filter(sdk::WellKnownStage::AuthN, enabled, module);
  marker.stage.relative = sdk::FilterStage::Relative::After;
  feature.filters.push_back(std::move(marker));
  feature.configs.push_back(config_for(filter, config));
  feature.configs.push_back(config_for(enabled, module_per_route(kRustformation, kAuthSucceededTransformation)));
}

void parse_basic_auth(const sdk::Object& policy, const Value& v, const sdk::HostApi& host, sdk::Diagnostics& diag,
                      TrafficPolicyIr& ir) {
  using BasicAuth = envoy::extensions::filters::http::basic_auth::v3::BasicAuth;
  using BasicAuthPerRoute = envoy::extensions::filters::http::basic_auth::v3::BasicAuthPerRoute;
  auto& feature = ir.filter_features["basicAuth"];
  if (v.find("disable")) {
    feature.configs.push_back(filter_config(kBasicAuthFilter, true));
    return;
  }
  std::string users;
  if (const Value* list = v.find("users"); list && list->as_list()) {
    for (const auto& u : *list->as_list())
      if (const std::string* s = u.as_string()) users += (users.empty() ? "" : "\n") + *s;
  } else if (const Value* ref = v.find("secretRef")) {
    const std::string ns = string_field(ref, "namespace").value_or(policy.ref.ns);
    const std::string name = string_field(ref, "name").value_or("");
    const std::string key = string_field(ref, "key").value_or(".htpasswd");
    auto secret = host.find_secret(policy.ref, ns, name);
    if (!secret) {
      diag.error("spec.basicAuth.secretRef", "secret " + ns + "/" + name + " not found");
      return;
    }
    auto it = secret->data.find(key);
    if (it == secret->data.end()) {
      diag.error("spec.basicAuth.secretRef.key", "key " + key + " not found in secret " + ns + "/" + name);
      return;
    }
    users = it->second;
  }
  // The chain's filter needs some user list; the route's configuration replaces it.
  BasicAuth chain_config;
  chain_config.mutable_users()->set_inline_string("#");
  BasicAuthPerRoute per_route;
  per_route.mutable_users()->set_inline_string(users);
  add_auth_filters(feature, kBasicAuthFilter, chain_config, per_route);
}

void parse_api_key_auth(const sdk::Object& policy, const Value& v, const sdk::HostApi& host, sdk::Diagnostics& diag,
                        TrafficPolicyIr& ir) {
  using ApiKeyAuth = envoy::extensions::filters::http::api_key_auth::v3::ApiKeyAuth;
  using ApiKeyAuthPerRoute = envoy::extensions::filters::http::api_key_auth::v3::ApiKeyAuthPerRoute;
  auto& feature = ir.filter_features["apiKeyAuth"];
  if (v.find("disable")) {
    feature.configs.push_back(filter_config(kApiKeyAuthFilter, true));
    return;
  }
  ApiKeyAuthPerRoute per_route;
  if (const Value* ref = v.find("secretRef")) {
    const std::string ns = string_field(ref, "namespace").value_or(policy.ref.ns);
    const std::string name = string_field(ref, "name").value_or("");
    auto secret = host.find_secret(policy.ref, ns, name);
    if (!secret) {
      diag.error("spec.apiKeyAuth.secretRef", "secret " + ns + "/" + name + " not found");
      return;
    }
    // Each key of the Secret names a client, its value is that client's API key.
    for (const auto& [client, key] : secret->data) {
      auto* c = per_route.add_credentials();
      c->set_client(client);
      c->set_key(key);
    }
  } else if (v.find("secretSelector")) {
    diag.error("spec.apiKeyAuth.secretSelector", "secret selectors are not supported yet");
    return;
  }
  if (const Value* list = v.find("keySources"); list && list->as_list())
    for (const auto& source : *list->as_list()) {
      auto* s = per_route.add_key_sources();
      s->set_header(string_field(&source, "header").value_or(""));
      s->set_query(string_field(&source, "query").value_or(""));
      s->set_cookie(string_field(&source, "cookie").value_or(""));
    }
  auto* forwarding = per_route.mutable_forwarding();
  forwarding->set_header(string_field(&v, "clientIdHeader").value_or(""));
  forwarding->set_hide_credentials(!bool_field(&v, "forwardCredential").value_or(false));
  add_auth_filters(feature, kApiKeyAuthFilter, ApiKeyAuth(), per_route);
}

// JSON with keys in sorted order (or as written, without `sort_keys`) and empty values left out, as
// kgateway writes the dynamic modules' configuration.
void append_json(const Value& v, std::string& out, bool sort_keys = true) {
  if (const std::string* s = v.as_string()) {
    out += '"';
    for (char c : *s) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
          } else {
            out += c;
          }
      }
    }
    out += '"';
  } else if (auto i = v.as_int()) {
    out += std::to_string(*i);
  } else if (auto d = v.as_double()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", *d);
    out += buf;
  } else if (auto b = v.as_bool()) {
    out += *b ? "true" : "false";
  } else if (const Value::List* l = v.as_list()) {
    out += '[';
    for (size_t i = 0; i < l->size(); ++i) {
      if (i) out += ',';
      append_json((*l)[i], out, sort_keys);
    }
    out += ']';
  } else if (const Value::Map* m = v.as_map()) {
    std::vector<std::pair<std::string, const Value*>> members;
    for (const auto& [k, item] : *m)
      if (!item.is_null()) members.emplace_back(k, &item);
    if (sort_keys)
      std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    out += '{';
    bool first = true;
    for (const auto& [k, item] : members) {
      if (!first) out += ',';
      first = false;
      append_json(Value(k), out);
      out += ':';
      append_json(*item, out, sort_keys);
    }
    out += '}';
  } else {
    out += "null";
  }
}

// The IP access list runs in kgateway's dynamic module, configured with the policy's `acl` as JSON.
void parse_acl(const Value& v, TrafficPolicyIr& ir) {
  auto& feature = ir.filter_features["httpACL"];
  envoy::extensions::filters::http::dynamic_modules::v3::DynamicModuleFilter module;
  module.mutable_dynamic_module_config()->set_name(kRustModule);
  module.set_filter_name(kAclModuleFilter);
  *module.mutable_filter_config() = string_value(R"({"defaultAction":"allow"})");
  feature.filters.push_back(disabled_filter(sdk::WellKnownStage::AuthZ, kAclFilter, module));
  std::string config;
  append_json(v, config);
  feature.configs.push_back(config_for(kAclFilter, module_per_route(kAclModuleFilter, config)));
  // A shallow merge passes the policy's ACL on as written, in the manifest's field order.
  std::string as_written;
  append_json(v, as_written, /*sort_keys=*/false);
  ir.acl_as_written = config_for(kAclFilter, module_per_route(kAclModuleFilter, as_written));
}

// RBAC as a matcher: the request matches when any CEL expression is true, and the policy's action
// applies then; the opposite action applies otherwise.
void parse_rbac(const Value& v, sdk::Diagnostics& diag, TrafficPolicyIr& ir) {
  using envoy::config::rbac::v3::Action;
  using xds::type::matcher::v3::Matcher;
  const bool allow = string_field(&v, "action").value_or("Allow") != "Deny";
  std::vector<Matcher::MatcherList::Predicate> predicates;
  const Value* list = field(field(&v, "policy"), "matchExpressions");
  size_t i = 0;
  for (const auto& item : list && list->as_list() ? *list->as_list() : Value::List{}) {
    const std::string path = "spec.rbac.policy.matchExpressions[" + std::to_string(i++) + "]";
    const std::string* text = item.as_string();
    if (!text) {
      diag.error(path, "expected a CEL expression");
      continue;
    }
    auto parsed = parse_cel(*text);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      diag.error(path, "invalid CEL expression: " + *error);
      continue;
    }
    xds::type::matcher::v3::CelMatcher cel;
    *cel.mutable_expr_match()->mutable_cel_expr_parsed() = std::move(std::get<cel::expr::ParsedExpr>(parsed));
    Matcher::MatcherList::Predicate predicate;
    auto* single = predicate.mutable_single_predicate();
    single->mutable_input()->set_name("envoy.matching.inputs.cel_data_input");
    single->mutable_input()->mutable_typed_config()->PackFrom(xds::type::matcher::v3::HttpAttributesCelMatchInput());
    single->mutable_custom_match()->set_name("envoy.matching.matchers.cel_matcher");
    single->mutable_custom_match()->mutable_typed_config()->PackFrom(cel);
    predicates.push_back(std::move(predicate));
  }
  if (predicates.empty()) {
    diag.error("spec.rbac.policy.matchExpressions", "at least one expression is required");
    return;
  }
  Action allow_action, deny_action;
  allow_action.set_name("allow-request");
  allow_action.set_action(envoy::config::rbac::v3::RBAC::ALLOW);
  deny_action.set_name("deny-request");
  deny_action.set_action(envoy::config::rbac::v3::RBAC::DENY);
  Matcher matcher;
  auto* m = matcher.mutable_matcher_list()->add_matchers();
  if (predicates.size() == 1) {
    *m->mutable_predicate() = std::move(predicates[0]);
  } else {
    for (auto& p : predicates) *m->mutable_predicate()->mutable_or_matcher()->add_predicate() = std::move(p);
  }
  auto* on_match = m->mutable_on_match()->mutable_action();
  on_match->set_name("envoy.filters.rbac.action");
  on_match->mutable_typed_config()->PackFrom(allow ? allow_action : deny_action);
  auto* on_no_match = matcher.mutable_on_no_match()->mutable_action();
  on_no_match->set_name("action");
  on_no_match->mutable_typed_config()->PackFrom(allow ? deny_action : allow_action);

  envoy::extensions::filters::http::rbac::v3::RBACPerRoute per_route;
  *per_route.mutable_rbac()->mutable_matcher() = std::move(matcher);
  auto& feature = ir.filter_features["rbac"];
  // Without rules the chain's filter lets everything through; the level's configuration decides.
  sdk::StagedHttpFilter chain;
  chain.stage.stage = sdk::WellKnownStage::AuthZ;
  chain.filter.set_name(kRbacFilter);
  chain.filter.mutable_typed_config()->PackFrom(envoy::extensions::filters::http::rbac::v3::RBAC());
  feature.filters.push_back(std::move(chain));
  feature.configs.push_back(config_for(kRbacFilter, per_route));
}

// The transformation module's configuration: the policy's request and response transforms as
// JSON, with kgateway's field order (set, add, remove, body, dynamicMetadata).
std::string transformation_json(const Value& v) {
  auto headers = [](const Value* list) {
    std::string out = "[";
    for (const auto& h : list && list->as_list() ? *list->as_list() : Value::List{}) {
      if (out.size() > 1) out += ',';
      out += R"({"name":)";
      append_json(Value(string_field(&h, "name").value_or("")), out);
      out += R"(,"value":)";
      append_json(Value(string_field(&h, "value").value_or("")), out);
      out += '}';
    }
    return out + "]";
  };
  auto transform = [&](const Value& t) {
    std::vector<std::string> fields;
    for (const char* key : {"set", "add"})
      if (const Value* list = t.find(key); list && list->as_list() && !list->as_list()->empty())
        fields.push_back(std::string("\"") + key + "\":" + headers(list));
    if (const Value* list = t.find("remove"); list && list->as_list() && !list->as_list()->empty()) {
      std::string out;
      append_json(*list, out);
      fields.push_back("\"remove\":" + out);
    }
    if (const Value* body = t.find("body")) {
      std::string out = R"({"parseAs":)";
      append_json(Value(string_field(body, "parseAs").value_or("AsString")), out);
      if (auto value = string_field(body, "value")) {
        out += R"(,"value":)";
        append_json(Value(*value), out);
      }
      fields.push_back("\"body\":" + out + "}");
    }
    if (const Value* list = t.find("dynamicMetadata"); list && list->as_list() && !list->as_list()->empty()) {
      std::string out = "[";
      for (const auto& m : *list->as_list()) {
        if (out.size() > 1) out += ',';
        out += R"({"namespace":)";
        append_json(Value(string_field(&m, "namespace").value_or("")), out);
        out += R"(,"key":)";
        append_json(Value(string_field(&m, "key").value_or("")), out);
        out += R"(,"value":{"stringValue":)";
        append_json(Value(string_field(field(&m, "value"), "stringValue").value_or("")), out);
        out += "}}";
      }
      fields.push_back("\"dynamicMetadata\":" + out + "]");
    }
    std::string out = "{";
    for (size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
    return out + "}";
  };
  std::string out = "{";
  for (const char* key : {"request", "response"})
    if (const Value* t = v.find(key))
      out += std::string(out.size() > 1 ? "," : "") + "\"" + key + "\":" + transform(*t);
  return out + "}";
}

void parse_transformation(const Value& v, TrafficPolicyIr& ir) {
  auto& feature = ir.filter_features["transformation"];
  envoy::extensions::filters::http::dynamic_modules::v3::DynamicModuleFilter module;
  module.mutable_dynamic_module_config()->set_name(kRustModule);
  module.set_filter_name(kRustformation);
  *module.mutable_filter_config() = string_value("{}");
  feature.filters.push_back(disabled_filter(sdk::WellKnownStage::Accepted, kTransformationFilter, module));
  feature.configs.push_back(
      config_for(kTransformationFilter, module_per_route(kRustformation, transformation_json(v))));
}

// An origin with wildcards becomes a regular expression in which '*' matches anything.
envoy::type::matcher::v3::StringMatcher origin_matcher(const std::string& origin) {
  envoy::type::matcher::v3::StringMatcher m;
  if (origin.find('*') == std::string::npos) {
    m.set_exact(origin);
    return m;
  }
  std::string regex;
  for (char c : origin) {
    if (c == '*')
      regex += ".*";
    else if (std::string(".+?()[]{}|^$\\").find(c) != std::string::npos)
      regex += std::string("\\") + c;
    else
      regex += c;
  }
  m.mutable_safe_regex()->set_regex(regex);
  return m;
}

void parse_cors(const Value& v, TrafficPolicyIr& ir) {
  auto& feature = ir.filter_features["cors"];
  if (v.find("disable")) {
    feature.configs.push_back(filter_config(kCorsFilter, true));
    return;
  }
  envoy::extensions::filters::http::cors::v3::CorsPolicy policy;
  auto joined = [&](const char* key) {
    std::string out;
    if (const Value* list = v.find(key); list && list->as_list())
      for (const auto& item : *list->as_list())
        if (const std::string* s = item.as_string()) out += (out.empty() ? "" : ",") + *s;
    return out;
  };
  if (const Value* list = v.find("allowOrigins"); list && list->as_list())
    for (const auto& item : *list->as_list())
      if (const std::string* s = item.as_string()) *policy.add_allow_origin_string_match() = origin_matcher(*s);
  policy.set_allow_methods(joined("allowMethods"));
  policy.set_allow_headers(joined("allowHeaders"));
  policy.set_expose_headers(joined("exposeHeaders"));
  policy.set_max_age(std::to_string(int_field(&v, "maxAge").value_or(5)));
  if (auto b = bool_field(&v, "allowCredentials")) policy.mutable_allow_credentials()->set_value(*b);
  // Preflights of origins the policy does not allow get the CORS filter's answer, not the route's.
  policy.mutable_forward_not_matching_preflights()->set_value(false);
  feature.filters.push_back(
      disabled_filter(sdk::WellKnownStage::Cors, kCorsFilter, envoy::extensions::filters::http::cors::v3::Cors()));
  feature.configs.push_back(config_for(kCorsFilter, policy));
}

void parse_url_rewrite(const Value& v, TrafficPolicyIr& ir) {
  const Value* regex = v.find("pathRegex");
  if (!regex) return;
  envoy::type::matcher::v3::RegexMatchAndSubstitute r;
  r.mutable_pattern()->set_regex(string_field(regex, "pattern").value_or(""));
  r.set_substitution(string_field(regex, "substitution").value_or(""));
  ir.url_rewrite = r;
}

void add_auth_feature(const std::string& name, AuthFeature feature, TrafficPolicyIr& ir) {
  auto& f = ir.filter_features[name];
  f.filters = std::move(feature.filters);
  f.configs = std::move(feature.configs);
  for (auto& v : feature.resolved) ir.resolved.push_back(std::move(v));
}

// The route, its namespace and its rule's name, read back from the Envoy route's name
// ("...-httproute-<name>-<ns>-<rule>-<match>[-<rule name>]-matcher-<n>"): route hooks get no
// more. Routes are in their policy's namespace, which keeps names with dashes unambiguous.
struct RouteIdentity {
  std::string name, ns, rule_name;
};
std::optional<RouteIdentity> route_identity(const std::string& route_name, const std::string& ns) {
  for (const char* kind : {"-httproute-", "-grpcroute-"}) {
    const size_t start = route_name.find(kind);
    if (start == std::string::npos) continue;
    const std::string rest = route_name.substr(start + std::string(kind).size());
    const std::string marker = "-" + ns + "-";
    for (size_t at = rest.find(marker); at != std::string::npos; at = rest.find(marker, at + 1)) {
      size_t i = at + marker.size();
      auto digits = [&] {
        const size_t from = i;
        while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
        return i > from && i < rest.size() && rest[i++] == '-';
      };
      if (!digits() || !digits()) continue;
      const size_t matcher = rest.rfind("matcher-");
      if (matcher == std::string::npos || matcher < i) continue;
      RouteIdentity id{rest.substr(0, at), ns, matcher > i ? rest.substr(i, matcher - i - 1) : ""};
      return id;
    }
  }
  return std::nullopt;
}

// A stat prefix with its {{route_name}}, {{route_namespace}} and {{rule_name}} tokens filled in.
std::string render_stat_prefix(const std::string& prefix, const std::string& route_name, const std::string& ns) {
  if (prefix.find("{{") == std::string::npos) return prefix;
  const auto id = route_identity(route_name, ns).value_or(RouteIdentity{});
  std::string out;
  for (size_t i = 0; i < prefix.size();) {
    const size_t open = prefix.find("{{", i);
    const size_t close = open == std::string::npos ? std::string::npos : prefix.find("}}", open);
    if (close == std::string::npos) {
      out += prefix.substr(i);
      break;
    }
    out += prefix.substr(i, open - i);
    std::string token = prefix.substr(open + 2, close - open - 2);
    token.erase(std::remove_if(token.begin(), token.end(), [](unsigned char c) { return std::isspace(c); }),
                token.end());
    out += token == "route_name"        ? id.name
           : token == "route_namespace" ? id.ns
           : token == "rule_name"       ? id.rule_name
                                        : "";
    i = close + 2;
  }
  return out;
}

// Shallow merge: each feature comes from the highest-precedence policy that sets it.
struct Merged {
  struct Source {
    const TrafficPolicyIr* ir;
    const sdk::ObjectRef* policy;
  };
  std::map<std::string, Source> by_feature;
  // Features merged from several policies: their configuration and every policy merged in.
  std::map<std::string, FilterFeature> deep;
  std::map<std::string, std::vector<const sdk::ObjectRef*>> deep_sources;
  // Features whose winning configuration is passed on as written (configurations only).
  std::map<std::string, FilterFeature> as_written;

  Merged(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies) {
    for (const auto& p : policies)
      for (const auto& name : ir_of(p).features()) by_feature.emplace(name, Source{&ir_of(p), &p.policy});
    if (ctx.merge_strategy("trafficPolicy", "acl") != "ShallowMerge") {
      merge_acl(policies);
    } else if (auto it = by_feature.find("httpACL"); it != by_feature.end() && it->second.ir->acl_as_written) {
      FilterFeature feature;
      feature.configs.push_back(*it->second.ir->acl_as_written);
      as_written["httpACL"] = std::move(feature);
    }
  }

  // kgateway merges ACLs deeply unless the operator asks for a shallow merge: the rules of every
  // policy, in precedence order, when they agree on the default action and deny response;
  // otherwise the first policy's ACL alone.
  void merge_acl(sdk::AttachedPolicies policies) {
    std::vector<const sdk::AttachedPolicy*> with;
    for (const auto& p : policies)
      if (ir_of(p).filter_features.count("httpACL")) with.push_back(&p);
    if (with.size() < 2) return;
    const Value* first = field(&ir_of(*with[0]).spec, "acl");
    Value::List rules;
    for (const auto* p : with) {
      const Value* acl = field(&ir_of(*p).spec, "acl");
      if (string_field(acl, "defaultAction") != string_field(first, "defaultAction")) return;
      const Value *ours = field(first, "denyResponse"), *theirs = field(acl, "denyResponse");
      if (ours && theirs && !(*ours == *theirs)) return;
      if (const Value* list = field(acl, "rules"); list && list->as_list())
        rules.insert(rules.end(), list->as_list()->begin(), list->as_list()->end());
    }
    Value merged = *first;
    merged.set("rules", Value(std::move(rules)));
    FilterFeature feature;
    feature.filters = ir_of(*with[0]).filter_features.at("httpACL").filters;
    std::string json;
    append_json(merged, json);
    feature.configs.push_back(config_for(kAclFilter, module_per_route(kAclModuleFilter, json)));
    deep["httpACL"] = std::move(feature);
    for (const auto* p : with) deep_sources["httpACL"].push_back(&p->policy);
  }
  const TrafficPolicyIr* get(const std::string& name) const {
    auto it = by_feature.find(name);
    return it == by_feature.end() ? nullptr : it->second.ir;
  }

  // Which policy supplied each feature, as kgateway records it.
  template <typename Owner>
  void add_metadata(Owner& owner) const {
    if (by_feature.empty()) return;
    envoy::config::core::v3::Metadata& metadata = *owner.mutable_metadata();
    google::protobuf::Struct st;
    for (const auto& [name, source] : by_feature) {
      auto& list = *(*st.mutable_fields())[name].mutable_list_value();
      auto it = deep_sources.find(name);
      for (const sdk::ObjectRef* ref : it == deep_sources.end() ? std::vector{source.policy} : it->second)
        list.add_values()->set_string_value(ref->group + "/" + ref->kind + "/" + ref->ns + "/" + ref->name);
    }
    (*metadata.mutable_filter_metadata())[kMergeMetadata] = std::move(st);
  }

  void report_attachment(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies) const {
    std::set<sdk::ObjectRef> from, merged_in;
    for (const auto& [name, source] : by_feature) from.insert(*source.policy);
    for (const auto& [name, refs] : deep_sources)
      for (const auto* ref : refs) merged_in.insert(*ref);
    // A policy merged deeply into another's feature is attached as it is, neither merged nor
    // overridden.
    std::vector<sdk::AttachedPolicy> shown;
    for (const auto& p : policies)
      if (from.count(p.policy) || !merged_in.count(p.policy)) shown.push_back(p);
    std::set<const sdk::ObjectRef*> contributors;
    for (const auto& p : shown)
      if (from.count(p.policy)) contributors.insert(&p.policy);
    filters::report_attachment(ctx, shown, contributors);
  }

  // Route settings, each only where the route (or a more specific policy) left it unset.
  // `route_level` when the policies target the route itself.
  void apply_route_settings(envoy::config::route::v3::Route& route, bool route_level = false) const {
    // Tracing overrides are honoured for route targets only (the tracer is the listener's); they
    // sit on the route itself, whatever its action.
    if (const auto* ir = get("tracing"); ir && route_level && !route.has_tracing())
      *route.mutable_tracing() = *ir->tracing;
    if (!route.has_route()) return;
    RouteAction& action = *route.mutable_route();
    if (const auto* ir = get("timeouts")) {
      if (ir->timeouts->request_ms && !action.has_timeout())
        set_duration(*ir->timeouts->request_ms, *action.mutable_timeout());
      if (ir->timeouts->stream_idle_ms && !action.has_idle_timeout())
        set_duration(*ir->timeouts->stream_idle_ms, *action.mutable_idle_timeout());
    }
    if (const auto* ir = get("retry"); ir && !action.has_retry_policy()) {
      const Retry& r = *ir->retry;
      auto* policy = action.mutable_retry_policy();
      policy->set_retry_on(r.retry_on);
      policy->mutable_num_retries()->set_value(static_cast<uint32_t>(r.attempts));
      if (r.per_try_timeout_ms) set_duration(*r.per_try_timeout_ms, *policy->mutable_per_try_timeout());
      for (int64_t code : r.status_codes) policy->add_retriable_status_codes(static_cast<uint32_t>(code));
      set_duration(r.backoff_ms, *policy->mutable_retry_back_off()->mutable_base_interval());
    }
    if (const auto* ir = get("internalRedirect"); ir && !action.has_internal_redirect_policy())
      *action.mutable_internal_redirect_policy() = *ir->internal_redirect;
    if (const auto* ir = get("statPrefix"); ir && route.stat_prefix().empty())
      route.set_stat_prefix(render_stat_prefix(*ir->stat_prefix, route.name(), ir->policy_namespace));
    if (const auto* ir = get("urlRewrite"); ir && !action.has_regex_rewrite() && action.prefix_rewrite().empty())
      *action.mutable_regex_rewrite() = *ir->url_rewrite;
  }

  // Filter configurations for the level's typed_per_filter_config.
  void apply_filter_configs(google::protobuf::Map<std::string, google::protobuf::Any>& configs) const {
    for (const auto& [name, source] : by_feature) {
      const FilterFeature* feature = nullptr;
      if (auto d = deep.find(name); d != deep.end())
        feature = &d->second;
      else if (auto w = as_written.find(name); w != as_written.end())
        feature = &w->second;
      else if (auto f = source.ir->filter_features.find(name); f != source.ir->filter_features.end())
        feature = &f->second;
      if (!feature) continue;
      for (const auto& [filter, config] : feature->configs)
        if (!configs.count(filter)) configs[filter] = config;
    }
  }
};

class TrafficPolicyKind final : public sdk::PolicyKind {
 public:
  sdk::GroupKind group_kind() const noexcept override { return {kGroup, kKind}; }

  std::shared_ptr<const sdk::PluginIr> parse(const sdk::Object& policy, const sdk::HostApi& host,
                                             sdk::Diagnostics& diag) const noexcept override {
    try {
      auto ir = std::make_shared<TrafficPolicyIr>();
      const Value* spec = policy.spec();
      if (spec) ir->spec = *spec;
      if (const Value* v = field(spec, "timeouts")) parse_timeouts(*v, diag, *ir);
      if (const Value* v = field(spec, "retry")) parse_retry(*v, diag, *ir);
      if (const Value* v = field(spec, "faultInjection")) parse_fault(*v, diag, *ir);
      if (const Value* v = field(spec, "buffer")) parse_buffer(*v, diag, *ir);
      if (const Value* v = field(spec, "headerModifiers")) parse_header_modifiers(policy, *v, host, diag, *ir);
      if (const Value* v = field(spec, "compression")) parse_compression(*v, diag, *ir);
      if (const Value* v = field(field(spec, "rateLimit"), "local")) parse_local_rate_limit(*v, diag, *ir);
      if (const Value* v = field(spec, "urlRewrite")) parse_url_rewrite(*v, *ir);
      if (const Value* v = field(spec, "acl")) parse_acl(*v, *ir);
      if (const Value* v = field(spec, "cors")) parse_cors(*v, *ir);
      if (const Value* v = field(spec, "transformation")) parse_transformation(*v, *ir);
      if (const Value* v = field(spec, "rbac")) parse_rbac(*v, diag, *ir);
      if (const Value* v = field(spec, "basicAuth")) parse_basic_auth(policy, *v, host, diag, *ir);
      if (const Value* v = field(spec, "apiKeyAuth")) parse_api_key_auth(policy, *v, host, diag, *ir);
      if (const Value* v = field(spec, "jwtAuth")) add_auth_feature("jwt", parse_jwt_auth(policy, *v, host, diag), *ir);
      if (const Value* v = field(spec, "extAuth"))
        parse_ext_auth(policy, *v, host, diag, ir->filter_features["extAuth"]);
      if (const Value* v = field(spec, "extProc"))
        parse_ext_proc(policy, *v, host, diag, ir->filter_features["extProc"]);
      if (const Value* v = field(field(spec, "rateLimit"), "global"))
        parse_global_rate_limit(policy, *v, host, diag, ir->filter_features["rateLimit.global"]);
      if (const Value* v = field(spec, "internalRedirect")) {
        envoy::config::route::v3::InternalRedirectPolicy policy;
        if (auto n = int_field(v, "maxRedirects"))
          policy.mutable_max_internal_redirects()->set_value(static_cast<uint32_t>(*n));
        if (const Value* codes = v->find("redirectResponseCodes"); codes && codes->as_list())
          for (const auto& code : *codes->as_list())
            if (auto c = code.as_int()) policy.add_redirect_response_codes(static_cast<uint32_t>(*c));
        if (auto b = bool_field(v, "allowCrossSchemeRedirect")) policy.set_allow_cross_scheme_redirect(*b);
        ir->internal_redirect = policy;
      }
      if (const Value* v = field(spec, "tracing")) ir->tracing = parse_route_tracing(*v, "spec.tracing", diag);
      if (auto v = string_field(spec, "statPrefix")) {
        ir->stat_prefix = *v;
        ir->policy_namespace = policy.ref.ns;
      }
      if (diag.has_errors()) return nullptr;
      return ir;
    } catch (const std::exception& e) {
      diag.error("spec", e.what());
      return nullptr;
    }
  }

  void http_filters(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies,
                    std::vector<sdk::StagedHttpFilter>& out) const noexcept override {
    // Only the features that win here: an overridden policy's codec needs no filter.
    Merged merged(ctx, policies);
    for (const auto& [name, source] : merged.by_feature)
      if (auto it = source.ir->filter_features.find(name); it != source.ir->filter_features.end())
        out.insert(out.end(), it->second.filters.begin(), it->second.filters.end());
  }

  void apply_listener(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies,
                      envoy::config::listener::v3::Listener& listener) const noexcept override {
    Merged(ctx, policies).add_metadata(listener);
  }

  void apply_route_configuration(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies,
                                 envoy::config::route::v3::RouteConfiguration& rc) const noexcept override {
    Merged merged(ctx, policies);
    merged.add_metadata(rc);
    merged.report_attachment(ctx, policies);
    merged.apply_filter_configs(*rc.mutable_typed_per_filter_config());
    for (auto& vh : *rc.mutable_virtual_hosts())
      for (auto& route : *vh.mutable_routes()) merged.apply_route_settings(route);
  }

  void apply_virtual_host(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies,
                          envoy::config::route::v3::VirtualHost& vhost) const noexcept override {
    Merged merged(ctx, policies);
    merged.add_metadata(vhost);
    merged.report_attachment(ctx, policies);
    merged.apply_filter_configs(*vhost.mutable_typed_per_filter_config());
    for (auto& route : *vhost.mutable_routes()) merged.apply_route_settings(route);
  }

  void apply_route(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies,
                   envoy::config::route::v3::Route& route) const noexcept override {
    Merged merged(ctx, policies);
    merged.add_metadata(route);
    merged.report_attachment(ctx, policies);
    merged.apply_route_settings(route, true);
    merged.apply_filter_configs(*route.mutable_typed_per_filter_config());
  }
};

}  // namespace

std::unique_ptr<sdk::PolicyKind> make_traffic_policy_kind() { return std::make_unique<TrafficPolicyKind>(); }

}  // namespace kgw::filters
