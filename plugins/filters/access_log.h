// ListenerPolicy / HTTPListenerPolicy `accessLog`: Envoy access loggers for the HTTP connection
// manager.
#pragma once

#include <string>
#include <vector>

#include "envoy/config/accesslog/v3/accesslog.pb.h"
#include "kgw/sdk/status.h"
#include "kgw/sdk/value.h"

namespace kgw::filters {

// The access loggers of the list `v` (at `path`). File sinks are translated; a sink of another
// kind is left out with a warning. Errors go to `diag`.
std::vector<envoy::config::accesslog::v3::AccessLog> parse_access_logs(const sdk::Value& v, const std::string& path,
                                                                       sdk::Diagnostics& diag);

}  // namespace kgw::filters
