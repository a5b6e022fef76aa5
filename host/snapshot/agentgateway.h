// Snapshots for agentgateway proxies: the Gateway's configuration resources ("ADP") and every
// Address, under agentgateway's two type URLs.
//
// ADP names are `<kind>/<key>` (the proxy removes by name, so a name always carries its kind).
// Address names are what the proxy parses on removal: a Workload's uid, or `<namespace>/<hostname>`
// for a Service. Versions are content hashes, as for Envoy's resources.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "agentgateway/dev/resource/resource.pb.h"
#include "istio/workload/workload.pb.h"
#include "snapshot/snapshot.h"

namespace kgw::snapshot {

inline constexpr std::string_view kAgentgatewayResourceType = "type.googleapis.com/agentgateway.dev.resource.Resource";
inline constexpr std::string_view kAddressType = "type.googleapis.com/istio.workload.Address";

// "" when no kind is set (such a resource is not served).
std::string resource_name(const agentgateway::dev::resource::Resource& resource);
// "" when neither a workload nor a service is set.
std::string address_name(const istio::workload::Address& address);

// What agentgateway proxies are served: per Gateway, its ADP resources, the unscoped ones (for
// every Gateway) and every Address. Each change builds the snapshots it affects once; unchanged
// resources keep their objects.
class AgentgatewaySnapshots {
 public:
  // The resources of one Gateway ("ns/name"); "" holds those every proxy gets.
  void set_resources(const std::string& gateway_key,
                     const std::vector<agentgateway::dev::resource::Resource>& resources);
  void remove_gateway(const std::string& gateway_key);
  void set_addresses(const std::vector<istio::workload::Address>& addresses);

  // The snapshot of a Gateway, and the one of proxies whose Gateway is unknown (unscoped
  // resources and addresses only).
  SnapshotPtr snapshot(const std::string& gateway_key) const;
  SnapshotPtr fallback() const { return snapshot(""); }
  std::vector<std::string> gateways() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, ResourcePtr, std::less<>>> resources_;  // by Gateway key
  std::map<std::string, ResourcePtr, std::less<>> addresses_;
};

}  // namespace kgw::snapshot
