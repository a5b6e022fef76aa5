// Gateways and ListenerSets into binds (one per port) and listeners, routes attached to them,
// and the status of Gateways, ListenerSets and routes.
#pragma once

#include "agw/gateway_model.h"
#include "agw/inputs.h"
#include "agw/output.h"

namespace kgw::agw {

// Returns the listeners and route attachments, for what targets them.
GatewaysModel translate_gateways(const Inputs& inputs, Output& output);

}  // namespace kgw::agw
