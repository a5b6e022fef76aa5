// Tracing: ListenerPolicy / HTTPListenerPolicy `tracing` (the HTTP connection manager's tracer)
// and TrafficPolicy `tracing` (per-route overrides).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "envoy/config/route/v3/route_components.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "envoy/type/tracing/v3/custom_tag.pb.h"
#include "kgw/sdk/host_api.h"
#include "kgw/sdk/status.h"
#include "kgw/sdk/value.h"

namespace kgw::filters {

using HcmTracing = envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager::Tracing;

// The connection manager's tracing, without the provider's service name when the policy leaves it
// to default (it names the Gateway, which parsing does not know).
struct ListenerTracing {
  HcmTracing tracing;
  bool default_service_name = false;

  // The tracing for the Gateway `gateway_name`.`gateway_ns`.
  HcmTracing for_gateway(const std::string& gateway_name, const std::string& gateway_ns) const;
};

// The `tracing` block `v` (at `path`) of the listener policy `policy`. The provider's backend
// resolves through `host`. nullopt, with the reasons in `diag`, when it cannot be translated.
std::optional<ListenerTracing> parse_listener_tracing(const sdk::Object& policy, const sdk::Value& v,
                                                      const std::string& path, const sdk::HostApi& host,
                                                      sdk::Diagnostics& diag);

// The route-level `tracing` block `v` (at `path`) of a TrafficPolicy.
envoy::config::route::v3::Tracing parse_route_tracing(const sdk::Value& v, const std::string& path,
                                                      sdk::Diagnostics& diag);

// The span attributes of the list `v` (at `path`) as Envoy custom tags.
std::vector<envoy::type::tracing::v3::CustomTag> parse_custom_tags(const sdk::Value& v, const std::string& path,
                                                                   sdk::Diagnostics& diag);

}  // namespace kgw::filters
