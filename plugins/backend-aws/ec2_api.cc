#include "ec2_api.h"

#include "sigv4.h"
#include "xml.h"

namespace kgw::aws {
namespace {

std::string trimmed(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::string text_of(const xml::Element& e, std::string_view child) { return trimmed(e.child_text(child)); }

Ec2Instance parse_instance(const xml::Element& item) {
  Ec2Instance out;
  out.id = text_of(item, "instanceId");
  // Only the instance's own addresses: its networkInterfaceSet repeats them per interface.
  out.private_ip = text_of(item, "privateIpAddress");
  out.public_ip = text_of(item, "ipAddress");
  if (const xml::Element* state = item.child("instanceState")) out.state = text_of(*state, "name");
  if (const xml::Element* tags = item.child("tagSet"))
    for (const auto& tag : tags->children)
      if (tag.name == "item") out.tags[text_of(tag, "key")] = text_of(tag, "value");
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> describe_instances_params(const Ec2Spec& spec,
                                                                           const std::string& next_token) {
  std::vector<std::pair<std::string, std::string>> p{{"Action", "DescribeInstances"},
                                                     {"Version", std::string(kEc2ApiVersion)}};
  int n = 0;
  auto filter = [&](const std::string& name, const std::string& value) {
    const std::string prefix = "Filter." + std::to_string(++n) + ".";
    p.emplace_back(prefix + "Name", name);
    p.emplace_back(prefix + "Value.1", value);
  };
  // Stopped or terminated instances have no address to send traffic to.
  filter("instance-state-name", "running");
  for (const auto& f : spec.filters) {
    if (f.value)
      filter("tag:" + f.key, *f.value);
    else
      filter("tag-key", f.key);
  }
  if (!next_token.empty()) p.emplace_back("NextToken", next_token);
  return p;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += uri_encode(k) + "=" + uri_encode(v);
  }
  return out;
}

Ec2ApiError parse_ec2_error(std::string_view document) {
  std::string error;
  auto root = xml::parse(document, error);
  if (!root) return {"MalformedResponse", "the answer is not XML: " + error};
  const xml::Element* errors = root->child("Errors");
  const xml::Element* first = errors ? errors->child("Error") : root->child("Error");
  if (!first) return {"MalformedResponse", "an answer of an unexpected form <" + root->name + ">"};
  return {text_of(*first, "Code"), text_of(*first, "Message")};
}

std::variant<DescribeInstancesPage, Ec2ApiError> parse_describe_instances(std::string_view document) {
  std::string error;
  auto root = xml::parse(document, error);
  if (!root) return Ec2ApiError{"MalformedResponse", "the answer is not XML: " + error};
  if (root->name != "DescribeInstancesResponse") return parse_ec2_error(document);
  DescribeInstancesPage page;
  page.next_token = text_of(*root, "nextToken");
  if (const xml::Element* reservations = root->child("reservationSet"))
    for (const auto& reservation : reservations->children) {
      if (reservation.name != "item") continue;
      if (const xml::Element* instances = reservation.child("instancesSet"))
        for (const auto& item : instances->children)
          if (item.name == "item") page.instances.push_back(parse_instance(item));
    }
  return page;
}

}  // namespace kgw::aws
