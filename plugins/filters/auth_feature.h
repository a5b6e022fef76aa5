// What an authentication feature of a TrafficPolicy (JWT, OAuth2) contributes: filters for the
// chain, disabled there, and the configurations that enable them at a route, virtual host or
// route configuration.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/any.pb.h"
#include "kgw/sdk/policy_kind.h"
#include "kgw/sdk/value.h"

namespace kgw::filters {

struct AuthFeature {
  std::vector<sdk::StagedHttpFilter> filters;
  std::vector<std::pair<std::string, google::protobuf::Any>> configs;
  // The content of the objects the feature was built from (GatewayExtension, ConfigMap), so that
  // policies compare unequal when those change.
  sdk::Value::List resolved;
};

// The transformation filter `name`, disabled, that records a request as authenticated once the
// stage's authentication filters let it through, and its configuration at a level: marking the
// request (`enabled`), or doing nothing where the feature is disabled.
sdk::StagedHttpFilter auth_marker_filter(const std::string& name);
std::pair<std::string, google::protobuf::Any> auth_marker_config(const std::string& name, bool enabled);

}  // namespace kgw::filters
