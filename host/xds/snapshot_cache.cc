#include "xds/snapshot_cache.h"

#include <algorithm>

namespace kgw::xds {

void SnapshotCache::publish(const std::string& key, snapshot::SnapshotPtr snapshot) {
  {
    std::lock_guard lock(mu_);
    entries_[key].snapshot = snapshot;
  }
  notify(key, snapshot);
}

void SnapshotCache::remove(const std::string& key) {
  snapshot::SnapshotPtr fallback;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || !it->second.snapshot) return;
    it->second.snapshot = nullptr;
    if (it->second.watchers.empty()) entries_.erase(it);
    fallback = fallback_;
  }
  notify(key, fallback);
}

void SnapshotCache::set_fallback(snapshot::SnapshotPtr snapshot) {
  // Only the watchers of Gateways nobody published get it; like publish(), call it from one thread.
  std::vector<std::shared_ptr<Watcher>> watchers;
  {
    std::lock_guard lock(mu_);
    fallback_ = snapshot;
    for (auto& [key, entry] : entries_) {
      if (entry.snapshot) continue;
      std::erase_if(entry.watchers, [](const auto& w) { return w.expired(); });
      for (const auto& w : entry.watchers)
        if (auto strong = w.lock()) watchers.push_back(std::move(strong));
    }
  }
  for (const auto& watcher : watchers) watcher->on_snapshot(snapshot);
}

void SnapshotCache::notify(const std::string& key, const snapshot::SnapshotPtr& snapshot) {
  std::vector<std::shared_ptr<Watcher>> watchers;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    auto& list = it->second.watchers;
    std::erase_if(list, [](const auto& w) { return w.expired(); });
    for (const auto& w : list)
      if (auto strong = w.lock()) watchers.push_back(std::move(strong));
  }
  for (const auto& watcher : watchers) watcher->on_snapshot(snapshot);
}

snapshot::SnapshotPtr SnapshotCache::get(const std::string& key, bool* known) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  const bool found = it != entries_.end() && it->second.snapshot;
  if (known) *known = found;
  return found ? it->second.snapshot : fallback_;
}

std::vector<std::string> SnapshotCache::keys() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [key, entry] : entries_)
    if (entry.snapshot) out.push_back(key);
  return out;
}

snapshot::SnapshotPtr SnapshotCache::watch(const std::string& key, const std::shared_ptr<Watcher>& watcher,
                                           bool* known) {
  std::lock_guard lock(mu_);
  Entry& entry = entries_[key];
  entry.watchers.push_back(watcher);
  if (known) *known = entry.snapshot != nullptr;
  return entry.snapshot ? entry.snapshot : fallback_;
}

void SnapshotCache::unwatch(const std::string& key, const Watcher* watcher) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  std::erase_if(it->second.watchers, [&](const auto& w) {
    auto strong = w.lock();
    return !strong || strong.get() == watcher;
  });
  if (it->second.watchers.empty() && !it->second.snapshot) entries_.erase(it);
}

}  // namespace kgw::xds
