#include "serve/agentgateway_publisher.h"

#include <map>
#include <vector>

namespace kgw::serve {

void AgentgatewayPublisher::publish(const agw::Output& output) {
  std::map<std::string, std::vector<agentgateway::dev::resource::Resource>> by_gateway;
  for (const auto& r : output.resources) by_gateway[r.gateway.ns + "/" + r.gateway.name].push_back(r.resource);
  snapshots_.set_addresses(output.addresses);
  for (const auto& key : published_)
    if (!by_gateway.contains(key)) {
      snapshots_.remove_gateway(key);
      cache_.remove(key);
    }
  published_.clear();
  for (const auto& [key, resources] : by_gateway) {
    snapshots_.set_resources(key, resources);
    published_.insert(key);
  }
  // Addresses may have changed: every Gateway's snapshot and the fallback are published again.
  for (const auto& key : published_) cache_.publish(key, snapshots_.snapshot(key));
  cache_.set_fallback(snapshots_.fallback());
}

}  // namespace kgw::serve
