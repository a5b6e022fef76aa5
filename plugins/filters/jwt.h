// TrafficPolicy `jwtAuth`: the JWT providers of a GatewayExtension as Envoy's jwt_authn filter,
// one per GatewayExtension on the chain, behind a matcher that a route's `disable` turns off.
#pragma once

#include "auth_feature.h"
#include "kgw/sdk/host_api.h"
#include "kgw/sdk/object.h"
#include "kgw/sdk/status.h"

namespace kgw::filters {

// Parses `spec.jwtAuth` of `policy`, resolving its GatewayExtension through `host`. Errors go to
// `diag` with their field paths.
AuthFeature parse_jwt_auth(const sdk::Object& policy, const sdk::Value& jwt_auth, const sdk::HostApi& host,
                           sdk::Diagnostics& diag);

}  // namespace kgw::filters
