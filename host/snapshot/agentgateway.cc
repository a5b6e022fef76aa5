#include "snapshot/agentgateway.h"

namespace kgw::snapshot {
namespace {

namespace adp = ::agentgateway::dev::resource;

// Keeps the previous object when the bytes are the same, so equal resources stay shared.
void replace_all(std::map<std::string, ResourcePtr, std::less<>>& current, std::vector<ResourcePtr> fresh) {
  std::map<std::string, ResourcePtr, std::less<>> next;
  for (auto& resource : fresh) {
    auto it = current.find(resource->name);
    if (it != current.end() && it->second->any == resource->any) resource = it->second;
    next[resource->name] = std::move(resource);
  }
  current = std::move(next);
}

}  // namespace

std::string resource_name(const adp::Resource& resource) {
  switch (resource.kind_case()) {
    case adp::Resource::kBind:
      return "bind/" + resource.bind().key();
    case adp::Resource::kListener:
      return "listener/" + resource.listener().key();
    case adp::Resource::kRoute:
      return "route/" + resource.route().key();
    case adp::Resource::kBackend:
      return "backend/" + resource.backend().key();
    case adp::Resource::kPolicy:
      return "policy/" + resource.policy().key();
    case adp::Resource::kTcpRoute:
      return "tcp_route/" + resource.tcp_route().key();
    case adp::Resource::kRouteGroup:
      return "route_group/" + resource.route_group().key();
    case adp::Resource::kModelRoute:
      return "model_route/" + resource.model_route().key();
    case adp::Resource::kWorkload:  // travel as Addresses; the proxy refuses them here
    case adp::Resource::kService:
    case adp::Resource::KIND_NOT_SET:
      break;
  }
  return {};
}

std::string address_name(const istio::workload::Address& address) {
  if (address.has_workload()) return address.workload().uid();
  if (address.has_service()) return address.service().namespace_() + "/" + address.service().hostname();
  return {};
}

void AgentgatewaySnapshots::set_resources(const std::string& gateway_key, const std::vector<adp::Resource>& resources) {
  std::vector<ResourcePtr> fresh;
  fresh.reserve(resources.size());
  for (const auto& resource : resources) {
    std::string name = resource_name(resource);
    if (!name.empty()) fresh.push_back(make_resource(std::move(name), resource));
  }
  std::lock_guard lock(mu_);
  replace_all(resources_[gateway_key], std::move(fresh));
}

void AgentgatewaySnapshots::remove_gateway(const std::string& gateway_key) {
  std::lock_guard lock(mu_);
  resources_.erase(gateway_key);
}

void AgentgatewaySnapshots::set_addresses(const std::vector<istio::workload::Address>& addresses) {
  std::vector<ResourcePtr> fresh;
  fresh.reserve(addresses.size());
  for (const auto& address : addresses) {
    std::string name = address_name(address);
    if (!name.empty()) fresh.push_back(make_resource(std::move(name), address));
  }
  std::lock_guard lock(mu_);
  replace_all(addresses_, std::move(fresh));
}

SnapshotPtr AgentgatewaySnapshots::snapshot(const std::string& gateway_key) const {
  View view;
  std::lock_guard lock(mu_);
  auto& adp = view.types[std::string(kAgentgatewayResourceType)].resources;
  if (auto it = resources_.find(""); it != resources_.end()) adp = it->second;
  if (!gateway_key.empty())
    if (auto it = resources_.find(gateway_key); it != resources_.end())
      for (const auto& [name, resource] : it->second) adp[name] = resource;  // the Gateway's own win
  view.types[std::string(kAddressType)].resources = addresses_;
  return snapshot_of(std::move(view));
}

std::vector<std::string> AgentgatewaySnapshots::gateways() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [key, resources] : resources_)
    if (!key.empty()) out.push_back(key);
  return out;
}

}  // namespace kgw::snapshot
