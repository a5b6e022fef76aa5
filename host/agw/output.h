// What the agentgateway translation produces for a set of objects: every agentgateway Gateway's
// resources, the Addresses every proxy gets, and the objects' statuses.
#pragma once

#include <string>
#include <vector>

#include "agentgateway/dev/resource/resource.pb.h"
#include "istio/workload/workload.pb.h"
#include "kgw/sdk/object.h"
#include "kgw/sdk/value.h"

namespace kgw::agw {

// The controller name of agentgateway's GatewayClasses.
inline constexpr const char* kControllerName = "agentgateway.dev/agentgateway";

struct GatewayResource {
  sdk::ObjectRef gateway;
  ::agentgateway::dev::resource::Resource resource;
};

struct ObjectStatus {
  sdk::ObjectRef object;
  std::string api_version;
  sdk::Value status;
};

struct Output {
  std::vector<GatewayResource> resources;
  std::vector<::istio::workload::Address> addresses;
  std::vector<ObjectStatus> statuses;
};

}  // namespace kgw::agw
