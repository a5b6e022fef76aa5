// What a translation produces for one Gateway: Envoy resources and the status of every object it
// looked at. Resources are sorted by name; statuses are Gateway API status structs as Value trees
// (the golden format of COMPATIBILITY.md), keyed by section and object.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/config/route/v3/route.pb.h"
#include "kgw/sdk/value.h"
#include "translator/copy_on_write.h"
#include "translator/route_configurations.h"
#include "translator/shared_list.h"
#include "translator/shared_status.h"

namespace kgw::translator {

using StatusSection = CopyOnWrite<std::map<std::string, SharedStatus>>;

// Each part is copy-on-write: a copy of an Output shares every part it does not change, so an
// endpoints-only update copies no route, listener or status. Read parts through a const Output.
struct Output {
  CopyOnWrite<std::vector<envoy::config::cluster::v3::Cluster>> clusters;
  CopyOnWrite<std::vector<envoy::config::listener::v3::Listener>> listeners;
  CopyOnWrite<RouteConfigurations> routes;
  // Each assignment shared: an endpoints-only change replaces a few and shares the rest.
  CopyOnWrite<SharedList<envoy::config::endpoint::v3::ClusterLoadAssignment>> endpoints;
  CopyOnWrite<std::vector<envoy::config::cluster::v3::Cluster>> extra_clusters;

  // section -> object key -> status. Sections: "gateways", "listenerSets", "httpRoutes",
  // "grpcRoutes", "tcpRoutes", "tlsRoutes" (key "ns/name"), "policies" (key "Kind/ns/name"),
  // "backends" (key "ns/name"). Each section is shared, too: a route change whose status stays
  // the same shares the route sections with the last output.
  CopyOnWrite<std::map<std::string, StatusSection>> statuses;

  // Set when this output is `endpoints_only_since` with new load assignments for the clusters in
  // `changed_endpoints` and nothing else changed, so a snapshot built from that output can be
  // reused. The pointer is compared, never followed.
  const Output* endpoints_only_since = nullptr;
  std::vector<std::string> changed_endpoints;
};

}  // namespace kgw::translator
