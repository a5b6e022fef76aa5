// The snapshots the xDS server serves, per Gateway, and the streams that watch them.
//
// Publishing swaps the Gateway's snapshot and tells each watcher, outside the cache's lock. A
// Gateway nobody published has the fallback snapshot (the empty one unless set), so a proxy of an
// unknown Gateway gets a valid configuration, and its own as soon as the Gateway is published.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "snapshot/snapshot.h"

namespace kgw::xds {

class Watcher {
 public:
  virtual ~Watcher() = default;
  // Called on the publishing thread, never under the cache's lock.
  virtual void on_snapshot(const snapshot::SnapshotPtr& snapshot) = 0;
};

class SnapshotCache {
 public:
  // `key` names a Gateway as "namespace/name".
  void publish(const std::string& key, snapshot::SnapshotPtr snapshot);
  // The Gateway is gone: its watchers get the fallback snapshot.
  void remove(const std::string& key);
  // What unknown Gateways get: agentgateway proxies get every Address whatever their Gateway.
  // Watchers of unknown Gateways are told.
  void set_fallback(snapshot::SnapshotPtr snapshot);

  // The current snapshot (the fallback when unknown), and whether the Gateway is known.
  snapshot::SnapshotPtr get(const std::string& key, bool* known = nullptr) const;
  std::vector<std::string> keys() const;

  // Registers a watcher and returns the current snapshot. The cache holds a weak reference.
  snapshot::SnapshotPtr watch(const std::string& key, const std::shared_ptr<Watcher>& watcher, bool* known = nullptr);
  void unwatch(const std::string& key, const Watcher* watcher);

 private:
  struct Entry {
    snapshot::SnapshotPtr snapshot;
    std::vector<std::weak_ptr<Watcher>> watchers;
  };
  void notify(const std::string& key, const snapshot::SnapshotPtr& snapshot);

  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  snapshot::SnapshotPtr fallback_ = snapshot::empty_snapshot();
};

}  // namespace kgw::xds
