// AWS backends for kgateway Backends of `spec.type: AWS`: Lambda functions and EC2 instances.
//
// Configuration (`[plugins.config]`), all optional:
//   ec2_endpoint         URL DescribeInstances is sent to instead of https://ec2.<region>.amazonaws.com/
//                        (a VPC endpoint, a proxy, a local fake in tests)
//   ec2_refresh_seconds  how often each EC2 Backend's instances are listed again (default 30)
//   ec2_timeout_seconds  how long one EC2 API call may take (default 5)
#include <kgw/sdk/plugin.h>

#include <chrono>
#include <cmath>

#include "aws_backend.h"

namespace {

using kgw::sdk::Status;

// A positive number of seconds at `key`, into `out`; errors name the key.
void read_seconds(const kgw::sdk::Value& config, const char* key, std::chrono::milliseconds& out,
                  std::vector<kgw::sdk::FieldError>& errors) {
  const kgw::sdk::Value* v = config.find(key);
  if (!v) return;
  auto seconds = v->as_double();
  if (!seconds || !std::isfinite(*seconds) || *seconds <= 0 || *seconds > 86400) {
    errors.push_back({key, "expected a number of seconds above 0 and at most 86400"});
    return;
  }
  out = std::chrono::milliseconds(std::max<int64_t>(1, std::llround(*seconds * 1000)));
}

Status register_backend_aws(kgw::sdk::RegistrationContext& ctx) {
  const kgw::sdk::Value& config = ctx.config();
  if (auto st = kgw::sdk::check_keys(config, {"ec2_endpoint", "ec2_refresh_seconds", "ec2_timeout_seconds"}); !st)
    return st;
  kgw::aws::Ec2DiscoveryOptions ec2;
  std::vector<kgw::sdk::FieldError> errors;
  if (const kgw::sdk::Value* url = config.find("ec2_endpoint")) {
    std::string error = "expected a string";
    if (const std::string* s = url->as_string()) ec2.endpoint = kgw::aws::parse_endpoint_url(*s, error);
    if (!ec2.endpoint) errors.push_back({"ec2_endpoint", error});
  }
  read_seconds(config, "ec2_refresh_seconds", ec2.interval, errors);
  read_seconds(config, "ec2_timeout_seconds", ec2.timeout, errors);
  if (!errors.empty()) return Status::from(std::move(errors));
  return ctx.registry().add_backend_type(kgw::aws::make_aws_backend_type(ctx.host(), std::move(ec2)));
}

}  // namespace

KGW_PLUGIN("backend-aws", "0.1.0", "AWS Lambda and EC2 backend types", register_backend_aws)
