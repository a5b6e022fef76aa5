// kgateway's ListenerPolicy (its `default.httpSettings`) and the deprecated HTTPListenerPolicy as
// policy kinds: HTTP connection manager settings of the Gateway's HTTP listeners.
#pragma once

#include <memory>

#include "kgw/sdk/policy_kind.h"

namespace kgw::filters {

std::unique_ptr<sdk::PolicyKind> make_listener_policy_kind();
std::unique_ptr<sdk::PolicyKind> make_http_listener_policy_kind();

}  // namespace kgw::filters
