// TrafficPolicy extAuth: Envoy's ext_authz filter calling the service of a GatewayExtension.
#pragma once

#include "filter_feature.h"
#include "kgw/sdk/host_api.h"
#include "kgw/sdk/status.h"

namespace kgw::filters {

// Parses `spec.extAuth` of `policy` into `feature`; problems go into `diag`.
void parse_ext_auth(const sdk::Object& policy, const sdk::Value& v, const sdk::HostApi& host, sdk::Diagnostics& diag,
                    FilterFeature& feature);

}  // namespace kgw::filters
