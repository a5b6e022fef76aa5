#include "rate_limit.h"

#include "envoy/extensions/filters/http/ratelimit/v3/rate_limit.pb.h"
#include "gateway_extension.h"
#include "value_helpers.h"

namespace kgw::filters {

namespace {

using envoy::extensions::filters::http::ratelimit::v3::RateLimit;
using envoy::extensions::filters::http::ratelimit::v3::RateLimitPerRoute;
using Action = envoy::extensions::filters::http::ratelimit::v3::RateLimitConfig::Action;

constexpr int64_t kDefaultTimeoutMs = 100;

// One descriptor entry as a rate limit action; false when the entry is invalid.
bool entry_action(const sdk::Value& entry, const std::string& path, sdk::Diagnostics& diag, Action& out) {
  const std::string type = string_field(&entry, "type").value_or("");
  if (type == "Generic") {
    const sdk::Value* generic = field(&entry, "generic");
    auto key = string_field(generic, "key"), value = string_field(generic, "value");
    if (!key || !value) {
      diag.error(path + ".generic", "key and value are required for a Generic entry");
      return false;
    }
    out.mutable_generic_key()->set_descriptor_key(*key);
    out.mutable_generic_key()->set_descriptor_value(*value);
  } else if (type == "Header") {
    auto header = string_field(&entry, "header");
    if (!header || header->empty()) {
      diag.error(path + ".header", "a header name is required for a Header entry");
      return false;
    }
    out.mutable_request_headers()->set_header_name(*header);
    out.mutable_request_headers()->set_descriptor_key(*header);
  } else if (type == "RemoteAddress") {
    out.mutable_remote_address();
  } else if (type == "Path") {
    out.mutable_request_headers()->set_header_name(":path");
    out.mutable_request_headers()->set_descriptor_key("path");
  } else {
    diag.error(path + ".type", "unknown entry type " + type);
    return false;
  }
  return true;
}

RateLimit filter_config(const sdk::Value& ext, const std::string& cluster, sdk::Diagnostics& diag) {
  RateLimit config;
  config.set_domain(string_field(&ext, "domain").value_or(""));
  int64_t timeout = kDefaultTimeoutMs;
  if (auto s = string_field(&ext, "timeout")) {
    auto ms = parse_duration_ms(*s);
    if (!ms) diag.error("spec.rateLimit.global.extensionRef", "ratelimit: invalid timeout " + *s);
    timeout = ms.value_or(timeout);
  }
  set_duration(timeout, *config.mutable_timeout());
  config.set_failure_mode_deny(!bool_field(&ext, "failOpen").value_or(true));
  if (string_field(&ext, "xRateLimitHeaders").value_or("Off") == "DraftVersion03")
    config.set_enable_x_ratelimit_headers(RateLimit::DRAFT_VERSION_03);
  auto* service = config.mutable_rate_limit_service();
  *service->mutable_grpc_service() = grpc_service(cluster, *field(&ext, "grpcService"));
  service->set_transport_api_version(envoy::config::core::v3::V3);
  return config;
}

}  // namespace

void parse_global_rate_limit(const sdk::Object& policy, const sdk::Value& v, const sdk::HostApi& host,
                             sdk::Diagnostics& diag, FilterFeature& feature) {
  RateLimitPerRoute per_route;
  const sdk::Value* descriptors = v.find("descriptors");
  size_t i = 0;
  for (const auto& d : descriptors && descriptors->as_list() ? *descriptors->as_list() : sdk::Value::List{}) {
    const std::string path = "spec.rateLimit.global.descriptors[" + std::to_string(i++) + "]";
    auto* limit = per_route.add_rate_limits();
    const sdk::Value* entries = d.find("entries");
    size_t j = 0;
    for (const auto& e : entries && entries->as_list() ? *entries->as_list() : sdk::Value::List{}) {
      Action action;
      if (entry_action(e, path + ".entries[" + std::to_string(j++) + "]", diag, action))
        *limit->add_actions() = std::move(action);
    }
    if (limit->actions().empty()) diag.error(path + ".entries", "at least one entry is required");
  }
  std::string error;
  const sdk::Object* extension = find_gateway_extension(policy, field(&v, "extensionRef"), "rateLimit", host, error);
  if (!extension) {
    diag.error("spec.rateLimit.global.extensionRef", "ratelimit: " + error);
    return;
  }
  const sdk::Value& ext = *field(extension->spec(), "rateLimit");
  const std::string cluster = extension_cluster(*extension, field(&ext, "grpcService"), host, error);
  if (cluster.empty()) {
    diag.error("spec.rateLimit.global.extensionRef", "ratelimit: ratelimit: " + error);
    return;
  }
  const std::string name = extension_filter_name("ratelimit", *extension);
  feature.filters.push_back(feature::disabled({sdk::WellKnownStage::RateLimit, sdk::FilterStage::Relative::During, 0},
                                              name, filter_config(ext, cluster, diag)));
  feature.configs.push_back(feature::config(name, per_route));
}

}  // namespace kgw::filters
