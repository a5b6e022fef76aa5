// The EC2 Query API calls discovery needs: the DescribeInstances request for a Backend's filters,
// and its XML response (instances, paging token) or error parsed into plain data.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "aws_spec.h"

namespace kgw::aws {

struct Ec2Instance {
  std::string id;
  std::string state;  // "running", "stopped", ...
  std::string private_ip;
  std::string public_ip;  // empty when the instance has none
  std::map<std::string, std::string> tags;

  friend bool operator==(const Ec2Instance&, const Ec2Instance&) = default;
};

struct DescribeInstancesPage {
  std::vector<Ec2Instance> instances;
  std::string next_token;  // empty on the last page
};

// What the API answered instead of a page (`<Response><Errors><Error>`), or why the answer could
// not be read (code "MalformedResponse").
struct Ec2ApiError {
  std::string code;
  std::string message;
};

inline constexpr std::string_view kEc2ApiVersion = "2016-11-15";

// The form parameters of one DescribeInstances call: running instances matching every filter.
std::vector<std::pair<std::string, std::string>> describe_instances_params(const Ec2Spec& spec,
                                                                           const std::string& next_token);

// application/x-www-form-urlencoded body of `params`.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params);

std::variant<DescribeInstancesPage, Ec2ApiError> parse_describe_instances(std::string_view xml);

// The error in an EC2 error document; a MalformedResponse error when `xml` is not one.
Ec2ApiError parse_ec2_error(std::string_view xml);

}  // namespace kgw::aws
