// The xDS gRPC server: ADS (state of the world and delta) and the per-type services of CDS, EDS,
// LDS and RDS, over the snapshots of a SnapshotCache.
//
// One generic gRPC service takes every method, so responses are written from the snapshots'
// shared bytes without a per-stream copy (wire.h), and new resource types need no change here.
// A node's Gateway comes from `node.metadata.role` (`<prefix>~<namespace>~<name>`); a node
// whose role names no published Gateway gets the empty snapshot and one log line, and its
// configuration as soon as the Gateway is published. Proxyless gRPC clients (user agent
// "gRPC ..." or "grpc-...") are served the proxyless view of the snapshot.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kgw/sdk/status.h"
#include "metrics/metrics.h"
#include "xds/nack_diagnostics.h"
#include "xds/snapshot_cache.h"

namespace kgw::xds {

// A proxy rejected a type's configuration (`rejection` holds its message), or accepted it again.
struct ProxyReport {
  std::string gateway_key;  // "ns/name"
  std::string node_id;
  std::string type_url;
  std::optional<std::string> rejection;
  // With ServerOptions::diagnostic_nacks: the per-resource errors and warnings of the NACK. A
  // NACK of warnings only is an acceptance (no `rejection`) that carries them.
  std::vector<Diagnostic> diagnostics;
};

struct ServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 9977;  // 0: an ephemeral port (tests)
  // The role prefix before `~<namespace>~<name>`; empty: the role is `<namespace>~<name>`.
  std::string role_prefix = "kgateway-kube-gateway-api";
  // Types a client may subscribe to as a whole.
  std::set<std::string, std::less<>> wildcard_types;
  // Largest message either way; large snapshots (50,000 routes) exceed gRPC's 4 MiB default.
  int max_message_bytes = 512 * 1024 * 1024;
  // Name used in log lines and metrics ("envoy", "agentgateway").
  std::string name = "envoy";
  // agentgateway's dialect of the protocol: only DeltaAggregatedResources is served, the first
  // request must name a node id, NACK messages are JSON arrays of per-resource diagnostics, and
  // no client is served the proxyless view.
  bool delta_ads_only = false;
  bool require_node_id = false;
  bool diagnostic_nacks = false;
  bool proxyless_clients = true;
  // Called on a NACK, and on the first ACK of the type after it, on a gRPC thread.
  std::function<void(const ProxyReport&)> on_report;
};

// The options of the server for agentgateway proxies: delta ADS only, the role `<ns>~<name>`,
// both of its type URLs as wildcards, NACKs as per-resource diagnostics.
ServerOptions agentgateway_server_options(std::string address, uint16_t port);

// The last NACK a Gateway's proxies sent for a type.
struct NackRecord {
  std::string node_id;
  std::string message;
  uint64_t count = 0;
  std::vector<Diagnostic> diagnostics;  // with ServerOptions::diagnostic_nacks
};

class XdsServer {
 public:
  XdsServer(ServerOptions options, SnapshotCache& cache, metrics::Registry& metrics);
  ~XdsServer();  // stops
  XdsServer(const XdsServer&) = delete;
  XdsServer& operator=(const XdsServer&) = delete;

  // Binds and starts serving; fails with a message naming the address when it cannot bind.
  sdk::Status start();
  // Cancels every stream and stops. Idempotent.
  void stop();
  uint16_t port() const;

  // Streams open now.
  size_t streams() const;
  // NACKs per Gateway key ("ns/name") and type URL.
  std::map<std::string, std::map<std::string, NackRecord>> nacks() const;

  // The Gateway key of a role, or "" when the role does not have the configured form.
  std::string gateway_key(const std::string& role) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kgw::xds
