#include "translator/endpoints.h"

#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "translator/cluster_names.h"

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
    cla.set_cluster_name(service_cluster_name(service.ref.ns, service.ref.name, port.port));
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

std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment> service_endpoints(
    const sdk::Object& service_object, const std::vector<sdk::Object>& objects) {
  sdk::Diagnostics diag;
  const model::Service service = model::parse_service(service_object, diag);
  if (diag.has_errors()) return {};
  std::vector<model::EndpointSlice> slices;
  for (const auto& object : objects) {
    if (object.ref.kind != "EndpointSlice" || object.ref.ns != service.ref.ns || object.ref.group != "discovery.k8s.io")
      continue;
    auto label = object.labels.find(kServiceNameLabel);
    if (label == object.labels.end() || label->second != service.ref.name) continue;
    sdk::Diagnostics slice_diag;
    auto slice = model::parse_endpoint_slice(object, slice_diag);
    if (!slice_diag.has_errors()) slices.push_back(std::move(slice));
  }
  std::vector<const model::EndpointSlice*> pointers;
  pointers.reserve(slices.size());
  for (const auto& slice : slices) pointers.push_back(&slice);
  return build_endpoints(service, pointers);
}

Output with_endpoints(const Output& base,
                      const std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment>& assignments) {
  Output out = base;
  out.endpoints_only_since = &base;
  out.changed_endpoints.clear();
  if (assignments.empty()) return out;
  std::unordered_map<std::string_view, const envoy::config::endpoint::v3::ClusterLoadAssignment*> by_cluster;
  for (const auto& cla : assignments) by_cluster[cla.cluster_name()] = &cla;
  // Find first through the shared body; copy it only when something is replaced.
  const auto& current = std::as_const(out).endpoints.get();
  std::vector<size_t> at;
  for (size_t i = 0; i < current.size(); ++i)
    if (by_cluster.count(current[i].cluster_name())) at.push_back(i);
  if (at.empty()) return out;
  auto& endpoints = out.endpoints.mutate();  // copies pointers only
  for (size_t i : at) {
    const auto& cla = *by_cluster.at(endpoints[i].cluster_name());
    endpoints.replace(i, std::make_shared<const envoy::config::endpoint::v3::ClusterLoadAssignment>(cla));
    out.changed_endpoints.push_back(cla.cluster_name());
  }
  return out;
}

}  // namespace kgw::translator
