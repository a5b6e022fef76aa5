// Small snapshots and xDS client helpers for the xDS server tests.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "envoy/service/discovery/v3/ads.grpc.pb.h"
#include "snapshot/snapshot.h"
#include "translator/output.h"

namespace kgw::xds::testing {

// An Output with EDS clusters (and their endpoints), one listener per route configuration, and
// route configurations whose single route goes to `cluster`.
struct RouteSpec {
  std::string route_config;
  std::string domain;
  std::string cluster;
};

inline translator::Output make_output(const std::vector<std::string>& clusters, const std::vector<RouteSpec>& routes) {
  translator::Output out;
  for (const auto& name : clusters) {
    auto& cluster = out.clusters.emplace_back();
    cluster.set_name(name);
    cluster.set_type(envoy::config::cluster::v3::Cluster::EDS);
    cluster.mutable_eds_cluster_config()->mutable_eds_config()->mutable_ads();
    auto& cla = out.endpoints.emplace_back();
    cla.set_cluster_name(name);
    auto* locality = cla.add_endpoints();
    locality->mutable_load_balancing_weight()->set_value(1);
    auto* address = locality->add_lb_endpoints()->mutable_endpoint()->mutable_address()->mutable_socket_address();
    address->set_address("127.0.0.1");
    address->set_port_value(8080);
  }
  uint32_t port = 8080;
  for (const auto& spec : routes) {
    auto& listener = out.listeners.emplace_back();
    listener.set_name("listener~" + std::to_string(port));
    listener.mutable_address()->mutable_socket_address()->set_port_value(port++);
    auto& route = out.routes.emplace_back();
    route.set_name(spec.route_config);
    auto* vhost = route.add_virtual_hosts();
    vhost->set_name(spec.domain);
    vhost->add_domains(spec.domain);
    auto* r = vhost->add_routes();
    r->mutable_match()->set_prefix("/");
    r->mutable_route()->set_cluster(spec.cluster);
  }
  return out;
}

inline envoy::config::core::v3::Node node(const std::string& role, const std::string& agent = "envoy") {
  envoy::config::core::v3::Node n;
  n.set_id("proxy-1.default");
  n.set_user_agent_name(agent);
  (*n.mutable_metadata()->mutable_fields())["role"].set_string_value(role);
  return n;
}

inline std::vector<std::string> names_of(const envoy::service::discovery::v3::DiscoveryResponse& response) {
  std::vector<std::string> names;
  for (const auto& any : response.resources()) {
    if (any.Is<envoy::config::cluster::v3::Cluster>()) {
      envoy::config::cluster::v3::Cluster m;
      any.UnpackTo(&m);
      names.push_back(m.name());
    } else if (any.Is<envoy::config::endpoint::v3::ClusterLoadAssignment>()) {
      envoy::config::endpoint::v3::ClusterLoadAssignment m;
      any.UnpackTo(&m);
      names.push_back(m.cluster_name());
    } else if (any.Is<envoy::config::listener::v3::Listener>()) {
      envoy::config::listener::v3::Listener m;
      any.UnpackTo(&m);
      names.push_back(m.name());
    } else if (any.Is<envoy::config::route::v3::RouteConfiguration>()) {
      envoy::config::route::v3::RouteConfiguration m;
      any.UnpackTo(&m);
      names.push_back(m.name());
    } else {
      names.push_back("?" + any.type_url());
    }
  }
  return names;
}

inline std::vector<std::string> names_of(const envoy::service::discovery::v3::DeltaDiscoveryResponse& response) {
  std::vector<std::string> names;
  for (const auto& resource : response.resources()) names.push_back(resource.name());
  return names;
}

}  // namespace kgw::xds::testing
