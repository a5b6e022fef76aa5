// The GatewayExtension a TrafficPolicy feature names (extAuth, extProc, rateLimit.global): its
// lookup across namespaces and the service its filter calls.
#pragma once

#include <string>

#include "envoy/config/core/v3/grpc_service.pb.h"
#include "kgw/sdk/host_api.h"
#include "kgw/sdk/policy_kind.h"
#include "kgw/sdk/value.h"

namespace kgw::filters {

// The GatewayExtension that `ref` ({name, namespace}) names on behalf of `policy`, when it exists,
// may be used, and has the `section` its feature needs (extAuth, extProc, rateLimit). Otherwise
// nullptr with the reason in `error`.
const sdk::Object* find_gateway_extension(const sdk::Object& policy, const sdk::Value* ref, const char* section,
                                          const sdk::HostApi& host, std::string& error);

// The cluster of `service`'s backendRef (a grpcService or httpService of `extension`), or "" with
// the reason in `error` ("missing reference grant" when a ReferenceGrant is lacking).
std::string extension_cluster(const sdk::Object& extension, const sdk::Value* service, const sdk::HostApi& host,
                              std::string& error);

// A gRPC service on `cluster` with a grpcService's authority, requestTimeout and retry settings.
envoy::config::core::v3::GrpcService grpc_service(const std::string& cluster, const sdk::Value& service);

// "<prefix>/<namespace>/<name>": one filter per GatewayExtension on a chain.
std::string extension_filter_name(const std::string& prefix, const sdk::Object& extension);

// kgateway's switch for turning a whole kind of extension filter off at one level: a set_metadata
// filter, disabled on the chain, that when enabled sets `dev.kgateway.disable_<kind>` so every
// filter of that kind skips the request.
sdk::StagedHttpFilter global_disable_filter(const std::string& kind);
std::string global_disable_filter_name(const std::string& kind);
std::string global_disable_namespace(const std::string& kind);

}  // namespace kgw::filters
