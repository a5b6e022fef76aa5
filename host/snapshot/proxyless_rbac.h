// RBAC in the form gRPC's xDS-enabled servers apply.
//
// Envoy takes an RBAC policy as a unified matcher over CEL expressions (what kgateway sends);
// gRPC reads only the older `rules` form (policies of permissions and principals) and would ignore
// a matcher, letting every call through. This rewrites a matcher whose expressions are tests of
// request headers, path and method, joined by &&, || and !, into that form.
#pragma once

#include "envoy/extensions/filters/http/rbac/v3/rbac.pb.h"

namespace kgw::snapshot {

// The per-route RBAC with `rules` for gRPC: the matcher's action when any of its expressions
// matches and the opposite otherwise, as Envoy applies it. A matcher that has no such form (an
// expression over other attributes, nested matchers, an unexpected shape) fails closed: the rules
// then allow nothing, so a gRPC server never serves what Envoy would deny. A config already in
// `rules` form (or with no RBAC at all) is returned as it is.
envoy::extensions::filters::http::rbac::v3::RBACPerRoute grpc_rbac(
    const envoy::extensions::filters::http::rbac::v3::RBACPerRoute& config);

}  // namespace kgw::snapshot
