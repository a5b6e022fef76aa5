// Publishes agentgateway translations to the agentgateway proxies' snapshot cache: per Gateway
// its resources, every Address to every proxy. Gateways that left the translation are removed,
// so their proxies fall back to the Addresses alone; unchanged resources keep their versions.
#pragma once

#include <set>
#include <string>

#include "agw/output.h"
#include "snapshot/agentgateway.h"
#include "xds/snapshot_cache.h"

namespace kgw::serve {

class AgentgatewayPublisher {
 public:
  explicit AgentgatewayPublisher(xds::SnapshotCache& cache) : cache_(cache) {
    cache_.set_fallback(snapshots_.fallback());
  }

  // Called on one thread at a time (the control loop's).
  void publish(const agw::Output& output);

  const snapshot::AgentgatewaySnapshots& snapshots() const { return snapshots_; }

 private:
  xds::SnapshotCache& cache_;
  snapshot::AgentgatewaySnapshots snapshots_;
  std::set<std::string> published_;  // Gateway keys
};

}  // namespace kgw::serve
