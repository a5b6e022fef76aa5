// The filters, timeouts and retry of an HTTPRoute or GRPCRoute rule as the route's traffic
// policies, one per filter, in the rule's order.
#pragma once

#include <string>
#include <vector>

#include "agentgateway/dev/resource/resource.pb.h"
#include "agw/inputs.h"
#include "kgw/sdk/object.h"

namespace kgw::agw {

// Appends the rule's policies to `route`; returns what could not be translated (one message per
// filter left out).
std::vector<std::string> add_rule_policies(const Inputs& inputs, const sdk::Object& route, const sdk::Value& rule,
                                           ::agentgateway::dev::resource::Route& out);

}  // namespace kgw::agw
