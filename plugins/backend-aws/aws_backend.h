// The kgateway Backend type AWS: a Lambda function (a DNS cluster to the Lambda endpoint whose
// upstream HTTP filters invoke the function and sign the request) or EC2 instances found by tag
// (a static cluster of the addresses Ec2Discovery keeps current).
#pragma once

#include <memory>

#include "ec2_discovery.h"
#include "kgw/sdk/backend_type.h"
#include "kgw/sdk/host_api.h"

namespace kgw::aws {

// `host` is the registration-time HostApi (it outlives the type); refreshes for EC2 Backends are
// asked through it.
std::unique_ptr<sdk::BackendType> make_aws_backend_type(const sdk::HostApi& host, Ec2DiscoveryOptions ec2);

}  // namespace kgw::aws
