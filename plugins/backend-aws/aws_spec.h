// The `spec.aws` of a kgateway Backend as plain data, its parser, and the Lambda ARN built from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kgw/sdk/status.h"
#include "kgw/sdk/value.h"

namespace kgw::aws {

// Where an HTTP(S) service is reached: an `endpointURL` or the plugin's EC2 endpoint override.
struct EndpointUrl {
  bool https = true;
  std::string host;
  uint32_t port = 443;
  std::string path = "/";

  std::string to_string() const;
  friend bool operator==(const EndpointUrl&, const EndpointUrl&) = default;
};

// Parses `http[s]://host[:port][/path]`; nullopt with the reason in `error`.
std::optional<EndpointUrl> parse_endpoint_url(std::string_view url, std::string& error);

struct AuthSpec {
  enum class Type { Default, Secret, AssumeRole };
  Type type = Type::Default;  // Default: the proxy's (or the control plane's) credential chain
  std::string secret_name;    // Type::Secret, in the Backend's namespace
  std::string role_arn;       // Type::AssumeRole

  friend bool operator==(const AuthSpec&, const AuthSpec&) = default;
};

struct LambdaSpec {
  std::string account_id;
  std::string function_name;
  std::string qualifier = "$LATEST";
  std::optional<EndpointUrl> endpoint;  // unset: lambda.<region>.amazonaws.com over TLS
  bool async = false;                   // invocationMode: Async
  bool payload_passthrough = false;     // payloadTransformMode: None

  friend bool operator==(const LambdaSpec&, const LambdaSpec&) = default;
};

// One `spec.aws.ec2.filters` entry: a tag key alone, or a key and value.
struct TagFilter {
  std::string key;
  std::optional<std::string> value;

  friend bool operator==(const TagFilter&, const TagFilter&) = default;
};

struct Ec2Spec {
  std::vector<TagFilter> filters;
  bool public_ip = false;  // addressType: PublicIP
  uint32_t port = 80;

  friend bool operator==(const Ec2Spec&, const Ec2Spec&) = default;
};

struct AwsBackendSpec {
  std::string region = "us-east-1";
  AuthSpec auth;
  std::optional<LambdaSpec> lambda;
  std::optional<Ec2Spec> ec2;

  friend bool operator==(const AwsBackendSpec&, const AwsBackendSpec&) = default;
};

// Reads a Backend's `spec` (its `aws` field) into an AwsBackendSpec. Every problem goes into
// `diag` with its field path, so a user fixes the manifest in one pass.
AwsBackendSpec parse_aws_backend(const sdk::Value* spec, sdk::Diagnostics& diag);

// arn:aws:lambda:<region>:<account>:function:<name>:<qualifier>
std::string lambda_arn(std::string_view region, const LambdaSpec& lambda);

// The patterns of the kgateway CRD, checked again here: the manifests kgw reads are not
// validated by an API server.
bool valid_region(std::string_view region);
bool valid_account_id(std::string_view account);
bool valid_function_name(std::string_view name);
bool valid_qualifier(std::string_view qualifier);

}  // namespace kgw::aws
