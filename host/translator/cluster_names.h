// Cluster names as kgateway gives them (COMPATIBILITY.md): one place, since routes, clusters, load
// assignments, BackendTLSPolicies and policy hooks must all agree on them.
#pragma once

#include <cstdint>
#include <string>

namespace kgw::translator {

// A Service port's cluster: kube_<namespace>_<service>_<port>.
inline std::string service_cluster_name(const std::string& ns, const std::string& service, int64_t port) {
  return "kube_" + ns + "_" + service + "_" + std::to_string(port);
}

// A kgateway Backend's cluster: backend_<namespace>_<name>_0.
inline std::string backend_cluster_name(const std::string& ns, const std::string& backend) {
  return "backend_" + ns + "_" + backend + "_0";
}

}  // namespace kgw::translator
