#include "tracing.h"

#include "envoy/config/core/v3/grpc_service.pb.h"
#include "envoy/config/trace/v3/opentelemetry.pb.h"
#include "envoy/extensions/tracers/opentelemetry/resource_detectors/v3/environment_resource_detector.pb.h"
#include "value_helpers.h"

namespace kgw::filters {
namespace {

using envoy::config::trace::v3::OpenTelemetryConfig;

constexpr const char* kOpenTelemetryTracer = "envoy.tracers.opentelemetry";

// A sampling percentage (0 to 100) at `key`, or nullopt when unset or out of range.
std::optional<int64_t> percentage(const Value& v, const char* key, const std::string& path, sdk::Diagnostics& diag) {
  auto n = int_field(&v, key);
  if (!n) return std::nullopt;
  if (*n < 0 || *n > 100) {
    diag.error(path + "." + key, "must be between 0 and 100");
    return std::nullopt;
  }
  return n;
}

// The provider's gRPC service to `cluster`, with the CRD's call settings.
envoy::config::core::v3::GrpcService grpc_service(const std::string& cluster, const Value& v, const std::string& path,
                                                  sdk::Diagnostics& diag) {
  envoy::config::core::v3::GrpcService out;
  auto* envoy_grpc = out.mutable_envoy_grpc();
  envoy_grpc->set_cluster_name(cluster);
  if (auto authority = string_field(&v, "authority")) envoy_grpc->set_authority(*authority);
  if (auto n = int_field(&v, "maxReceiveMessageLength"))
    envoy_grpc->mutable_max_receive_message_length()->set_value(static_cast<uint32_t>(*n));
  if (auto skip = bool_field(&v, "skipEnvoyHeaders")) envoy_grpc->set_skip_envoy_headers(*skip);
  // Unset durations stay unset: `to` is only called for a valid one.
  auto duration = [&](const Value* from, const char* key, auto to) {
    auto text = string_field(from, key);
    if (!text) return;
    if (auto ms = parse_duration_ms(*text))
      set_duration(*ms, *to());
    else
      diag.error(path + "." + key, "invalid duration: " + *text);
  };
  duration(&v, "timeout", [&] { return out.mutable_timeout(); });
  if (const Value* retry = v.find("retryPolicy")) {
    auto* policy = envoy_grpc->mutable_retry_policy();
    if (auto n = int_field(retry, "numRetries")) policy->mutable_num_retries()->set_value(static_cast<uint32_t>(*n));
    if (const Value* backoff = retry->find("retryBackOff")) {
      auto* back_off = policy->mutable_retry_back_off();
      duration(backoff, "baseInterval", [&] { return back_off->mutable_base_interval(); });
      duration(backoff, "maxInterval", [&] { return back_off->mutable_max_interval(); });
    }
  }
  if (const Value* list = v.find("initialMetadata"); list && list->as_list())
    for (const auto& item : *list->as_list()) {
      auto* header = out.add_initial_metadata();
      header->set_key(string_field(&item, "key").value_or(""));
      header->set_value(string_field(&item, "value").value_or(""));
    }
  return out;
}

void add_environment_detector(OpenTelemetryConfig& config) {
  auto* detector = config.add_resource_detectors();
  detector->set_name("envoy.tracers.opentelemetry.resource_detectors.environment");
  detector->mutable_typed_config()->PackFrom(
      envoy::extensions::tracers::opentelemetry::resource_detectors::v3::EnvironmentResourceDetectorConfig());
}

std::optional<OpenTelemetryConfig> open_telemetry(const sdk::Object& policy, const Value& v, const std::string& path,
                                                  const sdk::HostApi& host, sdk::Diagnostics& diag) {
  const Value* service = v.find("grpcService");
  const Value* ref = field(service, "backendRef");
  if (!ref) {
    diag.error(path + ".grpcService.backendRef", "is required");
    return std::nullopt;
  }
  const sdk::ObjectRef target{string_field(ref, "group").value_or(""), string_field(ref, "kind").value_or("Service"),
                              string_field(ref, "namespace").value_or(policy.ref.ns),
                              string_field(ref, "name").value_or("")};
  std::string error;
  const std::string cluster =
      host.backend_cluster(policy.ref, target, static_cast<int32_t>(int_field(ref, "port").value_or(0)), error);
  if (cluster.empty()) {
    diag.error(path + ".grpcService.backendRef",
               "failed to resolve the tracing backend: " + (error.empty() ? std::string("backend not found") : error));
    return std::nullopt;
  }
  OpenTelemetryConfig config;
  *config.mutable_grpc_service() = grpc_service(cluster, *service, path + ".grpcService", diag);
  if (auto name = string_field(&v, "serviceName")) config.set_service_name(*name);
  // Without a list, the proxy's environment (OTEL_RESOURCE_ATTRIBUTES) describes the resource.
  const Value* detectors = v.find("resourceDetectors");
  if (!detectors || !detectors->as_list()) add_environment_detector(config);
  size_t i = 0;
  for (const auto& d : detectors && detectors->as_list() ? *detectors->as_list() : Value::List{}) {
    const std::string at = path + ".resourceDetectors[" + std::to_string(i++) + "]";
    if (const Value* env = d.find("environmentResourceDetector")) {
      if (bool_field(env, "enable").value_or(true)) add_environment_detector(config);
    } else {
      diag.warning(at, "only the environment resource detector is supported; detector left out");
    }
  }
  if (v.find("sampler")) diag.warning(path + ".sampler", "samplers are not supported yet; Envoy's default applies");
  return config;
}

}  // namespace

HcmTracing ListenerTracing::for_gateway(const std::string& gateway_name, const std::string& gateway_ns) const {
  HcmTracing out = tracing;
  if (!default_service_name || !out.has_provider()) return out;
  OpenTelemetryConfig config;
  if (!out.provider().typed_config().UnpackTo(&config)) return out;
  config.set_service_name(gateway_name + "." + gateway_ns);
  out.mutable_provider()->mutable_typed_config()->PackFrom(config);
  return out;
}

std::optional<ListenerTracing> parse_listener_tracing(const sdk::Object& policy, const Value& v,
                                                      const std::string& path, const sdk::HostApi& host,
                                                      sdk::Diagnostics& diag) {
  ListenerTracing out;
  const Value* otel = field(field(&v, "provider"), "openTelemetry");
  if (!otel) {
    diag.error(path + ".provider", "an openTelemetry provider is required");
    return std::nullopt;
  }
  auto config = open_telemetry(policy, *otel, path + ".provider.openTelemetry", host, diag);
  if (!config) return std::nullopt;
  out.default_service_name = config->service_name().empty();
  auto* provider = out.tracing.mutable_provider();
  provider->set_name(kOpenTelemetryTracer);
  provider->mutable_typed_config()->PackFrom(*config);
  if (auto p = percentage(v, "clientSampling", path, diag))
    out.tracing.mutable_client_sampling()->set_value(static_cast<double>(*p));
  if (auto p = percentage(v, "randomSampling", path, diag))
    out.tracing.mutable_random_sampling()->set_value(static_cast<double>(*p));
  if (auto p = percentage(v, "overallSampling", path, diag))
    out.tracing.mutable_overall_sampling()->set_value(static_cast<double>(*p));
  if (auto verbose = bool_field(&v, "verbose")) out.tracing.set_verbose(*verbose);
  if (auto n = int_field(&v, "maxPathTagLength"))
    out.tracing.mutable_max_path_tag_length()->set_value(static_cast<uint32_t>(*n));
  if (auto spawn = bool_field(&v, "spawnUpstreamSpan")) out.tracing.mutable_spawn_upstream_span()->set_value(*spawn);
  if (const Value* attributes = v.find("attributes"))
    for (auto& tag : parse_custom_tags(*attributes, path + ".attributes", diag))
      *out.tracing.add_custom_tags() = std::move(tag);
  if (diag.has_errors()) return std::nullopt;
  return out;
}

envoy::config::route::v3::Tracing parse_route_tracing(const Value& v, const std::string& path, sdk::Diagnostics& diag) {
  envoy::config::route::v3::Tracing out;
  // Disabling samples nothing at all three stages.
  if (v.find("disable")) {
    out.mutable_client_sampling();
    out.mutable_random_sampling();
    out.mutable_overall_sampling();
    return out;
  }
  if (auto p = percentage(v, "clientSampling", path, diag))
    out.mutable_client_sampling()->set_numerator(static_cast<uint32_t>(*p));
  if (auto p = percentage(v, "randomSampling", path, diag))
    out.mutable_random_sampling()->set_numerator(static_cast<uint32_t>(*p));
  if (auto p = percentage(v, "overallSampling", path, diag))
    out.mutable_overall_sampling()->set_numerator(static_cast<uint32_t>(*p));
  if (const Value* attributes = v.find("attributes"))
    for (auto& tag : parse_custom_tags(*attributes, path + ".attributes", diag))
      *out.add_custom_tags() = std::move(tag);
  return out;
}

std::vector<envoy::type::tracing::v3::CustomTag> parse_custom_tags(const Value& v, const std::string& path,
                                                                   sdk::Diagnostics& diag) {
  std::vector<envoy::type::tracing::v3::CustomTag> out;
  size_t i = 0;
  for (const auto& item : v.as_list() ? *v.as_list() : Value::List{}) {
    const std::string at = path + "[" + std::to_string(i++) + "]";
    envoy::type::tracing::v3::CustomTag tag;
    tag.set_tag(string_field(&item, "name").value_or(""));
    if (const Value* literal = item.find("literal")) {
      tag.mutable_literal()->set_value(string_field(literal, "value").value_or(""));
    } else if (const Value* env = item.find("environment")) {
      tag.mutable_environment()->set_name(string_field(env, "name").value_or(""));
      if (auto d = string_field(env, "defaultValue")) tag.mutable_environment()->set_default_value(*d);
    } else if (const Value* header = item.find("requestHeader")) {
      tag.mutable_request_header()->set_name(string_field(header, "name").value_or(""));
      if (auto d = string_field(header, "defaultValue")) tag.mutable_request_header()->set_default_value(*d);
    } else if (const Value* metadata = item.find("metadata")) {
      auto* m = tag.mutable_metadata();
      const std::string kind = string_field(metadata, "kind").value_or("");
      if (kind == "Request")
        m->mutable_kind()->mutable_request();
      else if (kind == "Route")
        m->mutable_kind()->mutable_route();
      else if (kind == "Cluster")
        m->mutable_kind()->mutable_cluster();
      else if (kind == "Host")
        m->mutable_kind()->mutable_host();
      else
        diag.error(at + ".metadata.kind", "unknown metadata kind " + kind);
      const Value* key = metadata->find("metadataKey");
      m->mutable_metadata_key()->set_key(string_field(key, "key").value_or(""));
      if (const Value* segments = field(key, "path"); segments && segments->as_list())
        for (const auto& segment : *segments->as_list())
          m->mutable_metadata_key()->add_path()->set_key(string_field(&segment, "key").value_or(""));
      if (auto d = string_field(metadata, "defaultValue")) m->set_default_value(*d);
    } else {
      diag.error(at, "no attribute value set");
      continue;
    }
    out.push_back(std::move(tag));
  }
  return out;
}

}  // namespace kgw::filters
