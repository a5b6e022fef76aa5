// Turns the control loop's translations into xDS snapshots: one per Gateway translated again,
// published to the cache the xDS server serves; a Gateway that is gone gets the empty one.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "metrics/metrics.h"
#include "serve/status_merge.h"
#include "xds/snapshot_cache.h"
#include "xds/xds_server.h"

namespace kgw::serve {

// The xDS cache key of a Gateway: "namespace/name".
std::string gateway_key(const sdk::ObjectRef& gateway);
// The Gateway of a cache key, or nullopt when the key has no '/'.
std::optional<sdk::ObjectRef> gateway_of_key(const std::string& key);

// Per Gateway, what its proxies last rejected, as the condition ControlLoop::set_proxy_condition
// adds to the Gateway's status: type ProxiesAccepted, status False, reason Rejected, the node, the
// resource type and the proxy's own message, per node until that node accepts the type again.
// Thread-safe.
class ProxyRejections {
 public:
  // The Gateway's condition after the report (nullopt: none any more).
  std::optional<sdk::Value> report(const xds::ProxyReport& report);

 private:
  std::mutex mu_;
  // gateway -> "type\nnode" -> report
  std::map<std::string, std::map<std::string, xds::ProxyReport>> rejections_;
};

class XdsPublisher {
 public:
  XdsPublisher(xds::SnapshotCache& cache, metrics::Registry& metrics);
  // Call from the control loop's on_publish.
  void publish(const GatewayOutputs& outputs, const std::set<sdk::ObjectRef>& changed,
               std::chrono::steady_clock::time_point taken);

 private:
  xds::SnapshotCache& cache_;
  metrics::Registry& metrics_;
  metrics::Counter& translations_;
  metrics::Histogram& translation_seconds_;
  // CPU time of the publishing thread: building snapshots, and handing them to the streams.
  metrics::Counter& snapshot_cpu_;
  metrics::Counter& streams_cpu_;
};

}  // namespace kgw::serve
