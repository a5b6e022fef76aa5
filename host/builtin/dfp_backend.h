// The kgateway Backend type DynamicForwardProxy: upstreams chosen per request from the Host
// header, through Envoy's dynamic forward proxy cluster. The HTTP filter it needs on the
// listener is the translator's to add.
#pragma once

#include <memory>

#include "kgw/sdk/backend_type.h"

namespace kgw::builtin {

std::unique_ptr<sdk::BackendType> make_dfp_backend_type();

}  // namespace kgw::builtin
