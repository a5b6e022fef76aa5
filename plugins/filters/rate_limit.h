// TrafficPolicy rateLimit.global: Envoy's rate limit filter calling the rate limit service of a
// GatewayExtension, with the policy's descriptors as the route's rate limit actions.
#pragma once

#include "filter_feature.h"
#include "kgw/sdk/host_api.h"
#include "kgw/sdk/status.h"

namespace kgw::filters {

// Parses `spec.rateLimit.global` of `policy` into `feature`; problems go into `diag`.
void parse_global_rate_limit(const sdk::Object& policy, const sdk::Value& v, const sdk::HostApi& host,
                             sdk::Diagnostics& diag, FilterFeature& feature);

}  // namespace kgw::filters
