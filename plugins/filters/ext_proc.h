// TrafficPolicy extProc: Envoy's ext_proc filter calling the service of a GatewayExtension, at the
// stage the extension asks for.
#pragma once

#include "filter_feature.h"
#include "kgw/sdk/host_api.h"
#include "kgw/sdk/status.h"

namespace kgw::filters {

// Parses `spec.extProc` of `policy` into `feature`; problems go into `diag`.
void parse_ext_proc(const sdk::Object& policy, const sdk::Value& v, const sdk::HostApi& host, sdk::Diagnostics& diag,
                    FilterFeature& feature);

}  // namespace kgw::filters
