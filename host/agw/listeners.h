// Gateways and ListenerSets into binds (one per Gateway and port) and listeners, and their
// statuses once routes have attached.
#pragma once

#include "agw/gateway_model.h"
#include "agw/inputs.h"
#include "agw/output.h"

namespace kgw::agw {

// Emits binds and listeners and returns the listeners routes attach to.
GatewaysModel translate_listeners(const Inputs& inputs, Output& output);

// The statuses of the Gateways and ListenerSets, with the routes attached to each listener.
void write_listener_statuses(const GatewaysModel& model, Output& output);

// The route kinds a listener of `protocol` serves, narrowed to `allowedRoutes.kinds` if given.
std::vector<sdk::GroupKind> supported_kinds(const std::string& protocol, const sdk::Value* allowed_routes);

// Whether `namespaces` (an `allowedRoutes` or `allowedListeners` `namespaces`, `from`
// defaulting to `fallback`) of an owner in `owner_ns` lets an object of `ns` attach.
bool namespace_allowed(const Inputs& inputs, const sdk::Value* namespaces, const std::string& owner_ns,
                       const std::string& ns, const char* fallback);

}  // namespace kgw::agw
