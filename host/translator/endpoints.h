// ClusterLoadAssignments for Service clusters, from the Service's EndpointSlices.
#pragma once

#include <string>
#include <vector>

#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "model/gateway_api.h"

namespace kgw::translator {

// One assignment per Service port, named like its cluster (kube_<ns>_<svc>_<port>). Slice ports
// are matched to the Service port by name. Ready endpoints are HEALTHY; serving but terminating
// ones are DRAINING; the rest are left out. Endpoints are grouped by zone, each locality with
// weight 1 (gRPC clients ignore localities without a weight), sorted for stable output.
std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment> build_endpoints(
    const model::Service& service, const std::vector<const model::EndpointSlice*>& slices);

}  // namespace kgw::translator
