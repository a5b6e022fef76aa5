// What the built-in backend types that resolve hosts by DNS share: the cluster type kgateway uses
// for them (`envoy.clusters.dns`, IPv4 preferred) and the inline load assignment the hosts go in.
#pragma once

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "envoy/extensions/clusters/dns/v3/dns_cluster.pb.h"

namespace kgw::builtin {

// Makes `cluster` a DNS cluster and returns its (empty) load assignment, named like the cluster.
inline envoy::config::endpoint::v3::ClusterLoadAssignment& make_dns_cluster(
    envoy::config::cluster::v3::Cluster& cluster) {
  envoy::extensions::clusters::dns::v3::DnsCluster dns;
  dns.set_dns_lookup_family(envoy::extensions::clusters::common::dns::v3::V4_PREFERRED);
  cluster.mutable_cluster_type()->set_name("envoy.clusters.dns");
  cluster.mutable_cluster_type()->mutable_typed_config()->PackFrom(dns);
  auto* assignment = cluster.mutable_load_assignment();
  assignment->set_cluster_name(cluster.name());
  return *assignment;
}

}  // namespace kgw::builtin
