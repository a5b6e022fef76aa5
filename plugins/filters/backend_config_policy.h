// kgateway's BackendConfigPolicy as a policy kind: settings of the clusters of the Services and
// Backends it targets (timeouts, buffers, circuit breakers, HTTP options, DNS, TLS).
#pragma once

#include <memory>

#include "kgw/sdk/policy_kind.h"

namespace kgw::filters {

std::unique_ptr<sdk::PolicyKind> make_backend_config_policy_kind();

}  // namespace kgw::filters
