// ClusterLoadAssignments for Service clusters, from the Service's EndpointSlices.
#pragma once

#include <string>
#include <vector>

#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "kgw/sdk/object.h"
#include "model/gateway_api.h"
#include "translator/output.h"

namespace kgw::translator {

// One assignment per Service port, named like its cluster (kube_<ns>_<svc>_<port>). Slice ports
// are matched to the Service port by name. Ready endpoints are HEALTHY; serving but terminating
// ones are DRAINING; the rest are left out. Endpoints are grouped by zone, each locality with
// weight 1 (gRPC clients ignore localities without a weight), sorted for stable output.
std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment> build_endpoints(
    const model::Service& service, const std::vector<const model::EndpointSlice*>& slices);

// The EndpointSlice label naming the Service a slice belongs to.
inline constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";

// The load assignments of Service object `service` from the EndpointSlices among `objects` (every
// object, in load order, as translation takes them) that carry its name: what an EndpointSlice
// change needs, without translating again. Empty when the Service does not parse.
std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment> service_endpoints(
    const sdk::Object& service, const std::vector<sdk::Object>& objects);

// `base` with `assignments` in place of its load assignments of the same clusters (assignments
// for clusters `base` has none of are left out). Every other part is shared with `base`, not
// copied, and the result is marked as an endpoints-only change of `base`
// (Output::endpoints_only_since, Output::changed_endpoints), so snapshots reuse the rest too.
Output with_endpoints(const Output& base,
                      const std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment>& assignments);

}  // namespace kgw::translator
