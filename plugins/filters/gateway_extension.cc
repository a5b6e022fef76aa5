#include "gateway_extension.h"

#include "envoy/config/core/v3/base.pb.h"
#include "envoy/extensions/filters/http/set_metadata/v3/set_metadata.pb.h"
#include "filter_feature.h"
#include "value_helpers.h"

namespace kgw::filters {

namespace {

constexpr const char* kGroup = "gateway.kgateway.dev";

// The host words a refused cross-namespace reference as a route condition would; kgateway's
// policy status says it shorter.
std::string reason_of(const std::string& host_error) {
  return host_error.find("ReferenceGrant") != std::string::npos ? "missing reference grant" : host_error;
}

}  // namespace

const sdk::Object* find_gateway_extension(const sdk::Object& policy, const sdk::Value* ref, const char* section,
                                          const sdk::HostApi& host, std::string& error) {
  const std::string name = string_field(ref, "name").value_or("");
  const std::string ns = string_field(ref, "namespace").value_or(policy.ref.ns);
  if (name.empty()) {
    error = "extensionRef.name is required";
    return nullptr;
  }
  std::string why;
  const sdk::Object* extension = host.find_object(policy.ref, {kGroup, "GatewayExtension", ns, name}, &why);
  if (!extension) {
    error = why == "missing reference grant" ? why : "GatewayExtension " + ns + "/" + name + " " + why;
    return nullptr;
  }
  if (!field(extension->spec(), section)) {
    error = "GatewayExtension " + ns + "/" + name + " has no " + section + " configuration";
    return nullptr;
  }
  return extension;
}

std::string extension_cluster(const sdk::Object& extension, const sdk::Value* service, const sdk::HostApi& host,
                              std::string& error) {
  const sdk::Value* ref = field(service, "backendRef");
  if (!ref) {
    error = "backendRef is required";
    return {};
  }
  sdk::ObjectRef target{string_field(ref, "group").value_or(""), string_field(ref, "kind").value_or("Service"),
                        string_field(ref, "namespace").value_or(extension.ref.ns),
                        string_field(ref, "name").value_or("")};
  const int32_t port = static_cast<int32_t>(int_field(ref, "port").value_or(0));
  std::string host_error;
  std::string cluster = host.backend_cluster(extension.ref, target, port, host_error);
  if (cluster.empty()) error = reason_of(host_error.empty() ? "backend not found" : host_error);
  return cluster;
}

envoy::config::core::v3::GrpcService grpc_service(const std::string& cluster, const sdk::Value& service) {
  envoy::config::core::v3::GrpcService out;
  out.mutable_envoy_grpc()->set_cluster_name(cluster);
  if (auto authority = string_field(&service, "authority")) out.mutable_envoy_grpc()->set_authority(*authority);
  if (auto timeout = string_field(&service, "requestTimeout"))
    if (auto ms = parse_duration_ms(*timeout)) set_duration(*ms, *out.mutable_timeout());
  if (const sdk::Value* retry = field(&service, "retry")) {
    auto* policy = out.mutable_retry_policy();
    policy->mutable_num_retries()->set_value(static_cast<uint32_t>(int_field(retry, "attempts").value_or(1)));
    if (const sdk::Value* backoff = field(retry, "backoff")) {
      if (auto ms = parse_duration_ms(string_field(backoff, "baseInterval").value_or("")))
        set_duration(*ms, *policy->mutable_retry_back_off()->mutable_base_interval());
      if (auto ms = parse_duration_ms(string_field(backoff, "maxInterval").value_or("")))
        set_duration(*ms, *policy->mutable_retry_back_off()->mutable_max_interval());
    }
  }
  return out;
}

std::string extension_filter_name(const std::string& prefix, const sdk::Object& extension) {
  return prefix + "/" + extension.ref.ns + "/" + extension.ref.name;
}

std::string global_disable_filter_name(const std::string& kind) { return "global_disable/" + kind; }
std::string global_disable_namespace(const std::string& kind) { return "dev.kgateway.disable_" + kind; }

sdk::StagedHttpFilter global_disable_filter(const std::string& kind) {
  envoy::extensions::filters::http::set_metadata::v3::Config config;
  auto* metadata = config.add_metadata();
  metadata->set_metadata_namespace(global_disable_namespace(kind));
  (*metadata->mutable_value()->mutable_fields())["disable"].set_bool_value(true);
  // Ahead of every filter it switches off.
  sdk::FilterStage stage{sdk::WellKnownStage::Fault, sdk::FilterStage::Relative::Before, 0};
  return feature::disabled(stage, global_disable_filter_name(kind), config);
}

}  // namespace kgw::filters
