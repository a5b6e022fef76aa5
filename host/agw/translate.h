// The agentgateway translation: Gateways of agentgateway's GatewayClasses into agentgateway's own
// resources, in agentgateway's order (binds per port, listeners, routes, policies; backends and
// addresses apart, joined per Gateway).
//
// So far only the frame: which Gateways are agentgateway's. Binds, listeners, routes, backends,
// policies, addresses and statuses are still to come, so the output is empty.
#pragma once

#include <vector>

#include "agw/output.h"
#include "kgw/sdk/object.h"

namespace kgw::agw {

// A Gateway whose class is `agentgateway`, or a GatewayClass among `objects` whose controllerName
// is agentgateway's.
bool is_agentgateway_gateway(const sdk::Object& gateway, const std::vector<sdk::Object>& objects);

Output translate(const std::vector<sdk::Object>& objects);

}  // namespace kgw::agw
