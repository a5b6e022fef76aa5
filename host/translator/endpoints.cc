#include "translator/endpoints.h"

#include <map>
#include <tuple>

namespace kgw::translator {

std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment> build_endpoints(
    const model::Service& service, const std::vector<const model::EndpointSlice*>& slices) {
  using envoy::config::core::v3::HealthStatus;
  std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment> out;
  for (const auto& port : service.ports) {
    // zone -> (address, port) -> health
    std::map<std::string, std::map<std::pair<std::string, int32_t>, HealthStatus>> localities;
    for (const auto* slice : slices) {
      for (const auto& slice_port : slice->ports) {
        if (slice_port.name.value_or("") != port.name.value_or("")) continue;
        for (const auto& e : slice->endpoints) {
          HealthStatus health;
          if (e.ready && !e.terminating)
            health = envoy::config::core::v3::HEALTHY;
          else if (e.serving && e.terminating)
            health = envoy::config::core::v3::DRAINING;
          else
            continue;
          for (const auto& address : e.addresses)
            localities[e.zone.value_or("")].emplace(std::make_pair(address, slice_port.port), health);
        }
      }
    }
    envoy::config::endpoint::v3::ClusterLoadAssignment cla;
    cla.set_cluster_name("kube_" + service.ref.ns + "_" + service.ref.name + "_" + std::to_string(port.port));
    for (const auto& [zone, endpoints] : localities) {
      auto* locality = cla.add_endpoints();
      if (!zone.empty()) locality->mutable_locality()->set_zone(zone);
      locality->mutable_load_balancing_weight()->set_value(1);
      for (const auto& [address, health] : endpoints) {
        auto* lb = locality->add_lb_endpoints();
        auto* socket = lb->mutable_endpoint()->mutable_address()->mutable_socket_address();
        socket->set_address(address.first);
        socket->set_port_value(static_cast<uint32_t>(address.second));
        lb->set_health_status(health);
      }
    }
    out.push_back(std::move(cla));
  }
  return out;
}

}  // namespace kgw::translator
