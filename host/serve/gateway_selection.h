// Which Gateways kgw translates: those whose GatewayClass belongs to kgateway's controller. A
// GatewayClass named `kgateway` or `kgateway-waypoint` does (the classes kgateway installs, used
// with or without a GatewayClass object), and so does any GatewayClass object whose
// spec.controllerName is `kgateway.dev/kgateway`.
#pragma once

#include "kgw/sdk/object.h"
#include "store/object_store.h"

namespace kgw::serve {

inline constexpr const char* kControllerName = "kgateway.dev/kgateway";

bool is_managed(const sdk::Object& gateway, const store::ObjectStore& store);

}  // namespace kgw::serve
