// kgateway's TrafficPolicy (gateway.kgateway.dev) as a policy kind: route settings (timeouts,
// retry, URL rewrite) and HTTP filters (fault injection, buffer, header mutation) configured per
// route, virtual host or route configuration, the filters themselves disabled on the listener.
#pragma once

#include <memory>

#include "kgw/sdk/policy_kind.h"

namespace kgw::filters {

std::unique_ptr<sdk::PolicyKind> make_traffic_policy_kind();

}  // namespace kgw::filters
