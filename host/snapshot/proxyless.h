// What proxyless gRPC clients (target `xds:///host`) need besides the Envoy resources.
//
// Such a client asks LDS for the listener named by its target and expects an API listener: an
// HttpConnectionManager that fetches a route configuration over ADS and ends with the router.
// Older gRPC releases (gRPC C++ 1.51, Debian 12's) NACK a route whose header matcher uses
// `string_match`, and accept the older one-field forms of the same matcher, which every gRPC
// release and Envoy also accept; they also reject a load assignment whose localities have no
// `locality` field.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "translator/output.h"

namespace kgw::snapshot {

// One API listener per exact hostname of the Gateway's virtual hosts, named by that hostname and
// pointing at the route configuration that serves it. A hostname served by several route
// configurations takes the one of a plain-text listener first, then the lowest port.
// Wildcard domains ("*", "*.example.com") name no target and get none.
std::vector<envoy::config::listener::v3::Listener> api_listeners(const translator::Output& output);

// gRPC's xDS-enabled servers ask LDS for the listener named by the bootstrap's
// `server_listener_resource_name_template`, conventionally this prefix and the address the server
// listens on ("0.0.0.0:8080", "[::]:8080").
inline constexpr const char* kServerListenerPrefix = "grpc/server?xds.resource.listening_address=";

// For every port of the Gateway with a plain-text HTTP listener, the server listeners a gRPC
// server listening on that port on all addresses (IPv4 and IPv6) asks for: the Gateway's routes
// for that port inline, answered by the server itself, with the RBAC the policies put on them.
// This makes a gRPC server a Gateway's data plane for its own calls.
std::vector<envoy::config::listener::v3::Listener> server_listeners(const translator::Output& output);

// The cluster routes to an unresolved backend go to for proxyless clients: it exists and has no
// endpoints, so calls fail at once (UNAVAILABLE). Envoy answers such routes through
// cluster_not_found_response_code, but a gRPC client would wait for the missing cluster and keep
// its previous configuration meanwhile, and grpc-js rejects a direct_response action.
inline constexpr const char* kUnavailableCluster = "kgw-proxyless-unavailable";

// The route configuration with its header matchers in the older forms, routes to a cluster that
// does not exist sent to kUnavailableCluster, and per-filter configs gRPC cannot apply left out
// (those of the route configuration itself move to its virtual hosts). Nothing when there is
// nothing to rewrite. A matcher that ignores case has no older form and stays as it is.
std::optional<envoy::config::route::v3::RouteConfiguration> proxyless_route_configuration(
    const envoy::config::route::v3::RouteConfiguration& route, const std::set<std::string, std::less<>>& clusters);

// Whether a (rewritten) route configuration uses kUnavailableCluster, and that cluster.
bool uses_unavailable_cluster(const envoy::config::route::v3::RouteConfiguration& route);
envoy::config::cluster::v3::Cluster unavailable_cluster();

// The load assignment with what gRPC requires of every locality: the `locality` field present
// (gRPC C++ 1.51 rejects the resource without it) and a load-balancing weight (gRPC ignores a
// locality without one). Nothing when it already has both.
std::optional<envoy::config::endpoint::v3::ClusterLoadAssignment> proxyless_load_assignment(
    const envoy::config::endpoint::v3::ClusterLoadAssignment& assignment);

}  // namespace kgw::snapshot
