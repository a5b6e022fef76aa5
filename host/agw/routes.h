// HTTPRoutes, GRPCRoutes, TCPRoutes and TLSRoutes attached to agentgateway listeners into routes
// and TCP routes (one per rule and listener), routes delegated to by HTTPRoutes (route groups),
// and the routes' statuses.
#pragma once

#include <string>
#include <vector>

#include "agw/gateway_model.h"
#include "agw/inputs.h"
#include "agw/output.h"

namespace kgw::agw {

// Attaches the routes to the model's listeners (counting `attachedRoutes`), emits their
// resources per Gateway and writes their statuses.
void translate_routes(const Inputs& inputs, GatewaysModel& model, Output& output);

// One HTTPRoute backendRef to HTTPRoutes: the route group `key` and the routes it holds.
struct RouteGroup {
  std::string key;         // `<parent ns>/<parent name>/<ns>/<name or *>`
  std::string key_suffix;  // `routegroup.<parent ns>.<parent name>.<ns>.<name or wildcard>`
  std::vector<const sdk::Object*> children;
};

// The route groups `parent`'s rules delegate to. A route of the referenced namespace (and name,
// unless "*") belongs to a group when its HTTPRoute parentRefs name the parent, or, without
// HTTPRoute parentRefs, when a ReferenceGrant lets the parent's namespace refer to it.
std::vector<RouteGroup> route_groups(const Inputs& inputs, const sdk::Object& parent);

// The HTTPRoutes whose route groups hold `child`: a delegated route is sent to the Gateways of
// these (and, when they are delegated to themselves, of their parents in turn).
std::vector<const sdk::Object*> delegating_parents(const Inputs& inputs, const sdk::Object& child);

}  // namespace kgw::agw
