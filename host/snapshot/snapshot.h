// Snapshots: what the xDS server hands out for one Gateway, built from a translation's output.
//
// A snapshot is immutable. Each resource is serialized once, as the bytes of the Any that carries
// it, and its version is a hash of those bytes; every stream that sends it shares the same bytes.
// A snapshot has two views of the same translation: one for Envoy proxies, one for proxyless gRPC
// clients (API listeners, and route forms older gRPC releases accept). Resources equal in both
// views are the same object.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "translator/output.h"

namespace kgw::snapshot {

inline constexpr std::string_view kClusterType = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
inline constexpr std::string_view kEndpointType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
inline constexpr std::string_view kListenerType = "type.googleapis.com/envoy.config.listener.v3.Listener";
inline constexpr std::string_view kRouteType = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

// The Envoy types in the order a proxy must receive additions: clusters and their endpoints
// before the listeners and routes that use them.
inline const std::vector<std::string>& envoy_types() {
  static const std::vector<std::string> types{std::string(kClusterType), std::string(kEndpointType),
                                              std::string(kListenerType), std::string(kRouteType)};
  return types;
}

struct Resource {
  std::string name;
  std::string version;  // 16 hex digits: a hash of the Any's bytes
  std::string any;      // the serialized google.protobuf.Any (type_url + value), when `parts` is empty
  // Or the same bytes in parts, shared with other resources: a route configuration's virtual
  // hosts, so a change to one host copies none of the others' bytes.
  std::vector<std::shared_ptr<const std::string>> parts;

  size_t size() const;
  // The bytes in order: `any`, or each part.
  std::vector<std::string_view> pieces() const;
  template <typename F>
  void for_each_piece(F&& f) const {
    if (parts.empty()) {
      f(std::string_view(any));
      return;
    }
    for (const auto& part : parts) f(std::string_view(*part));
  }
  // The bytes as one string (a copy when in parts).
  std::string bytes() const;
};
using ResourcePtr = std::shared_ptr<const Resource>;

// Bytes made from a set of resources once, and shared by every stream that sends them: pieces
// made for the purpose, and resources' own bytes, which large resources are referenced by rather
// than copied.
struct Encoding {
  std::vector<std::string> made;
  std::vector<ResourcePtr> referenced;   // the resources whose bytes pieces view
  std::vector<std::string_view> pieces;  // in order: views of `made` and of referenced resources
};
using EncodingPtr = std::shared_ptr<const Encoding>;

// An immutable selection of one type's resources, sorted by name, with a hash of its names and
// versions. Streams that hold the same resources share one, so a connected proxy costs the server
// little memory whatever the size of its configuration. Always made with std::make_shared.
class ResourceSet : public std::enable_shared_from_this<ResourceSet> {
 public:
  explicit ResourceSet(std::vector<ResourcePtr> sorted);
  const std::vector<ResourcePtr>& resources() const { return resources_; }
  const std::string& version() const { return version_; }
  size_t size() const { return resources_.size(); }
  bool empty() const { return resources_.empty(); }
  const Resource* find(std::string_view name) const;

  // What a client holding `from` lacks to hold this set: resources added or changed (this set
  // itself when that is all of it), and names gone. Computed once per pair and shared by every
  // stream making the same step.
  struct Diff {
    std::shared_ptr<const ResourceSet> changed;
    std::shared_ptr<const std::vector<std::string>> removed;
  };
  Diff diff_from(const std::shared_ptr<const ResourceSet>& from) const;

  // This set, and what `held` has that it lacks, at `held`'s versions: what a client holds when
  // the resources that go are removed only later. This set itself when nothing is kept. Computed
  // once per pair.
  std::shared_ptr<const ResourceSet> keeping(const std::shared_ptr<const ResourceSet>& held) const;

  // The resources encoded once, on first use, and shared: the xDS server's encodings of them in a
  // response. `slot` < kEncodings tells the encodings apart; each has one `make`.
  static constexpr size_t kEncodings = 2;
  EncodingPtr encoded(size_t slot, EncodingPtr (*make)(const std::vector<ResourcePtr>&)) const;

 private:
  // The few latest results of an operation with another set, by that set (or none). A set that
  // is the result itself is remembered as null: a set does not own itself.
  struct Step {
    std::shared_ptr<const ResourceSet> set;  // null: this set
    std::shared_ptr<const std::vector<std::string>> removed;
  };
  struct Memo {
    std::vector<std::pair<std::weak_ptr<const ResourceSet>, Step>> entries;
    std::optional<Step> from_nothing;
    const Step* find(const std::shared_ptr<const ResourceSet>& other) const;
    void add(const std::shared_ptr<const ResourceSet>& other, Step step);
  };

  std::vector<ResourcePtr> resources_;
  std::string version_;
  mutable std::mutex mu_;
  mutable Memo diffs_;
  mutable Memo kept_;
  mutable EncodingPtr encoded_[kEncodings];
};
using ResourceSetPtr = std::shared_ptr<const ResourceSet>;
const ResourceSetPtr& empty_resource_set();

// A sorted set of resource names, interned: streams asking for the same names share one.
struct NameSet {
  std::vector<std::string> names;  // sorted, unique
  std::string hash;
  bool contains(std::string_view name) const { return std::binary_search(names.begin(), names.end(), name); }
  bool empty() const { return names.empty(); }
};
using NameSetPtr = std::shared_ptr<const NameSet>;
// The names need only live through the call: a set known already is returned without a copy.
NameSetPtr intern_names(std::vector<std::string_view> names);

// Resources by name. Copies share one map until one of them is changed, so a snapshot takes
// over the types that did not change from the previous one without copying thousands of entries.
// Reading a copy while another thread changes its own is safe: a shared map is never changed.
class ResourceMap {
 public:
  using Map = std::map<std::string, ResourcePtr, std::less<>>;
  using const_iterator = Map::const_iterator;

  ResourceMap() = default;
  ResourceMap(Map map) : map_(std::make_shared<Map>(std::move(map))) {}  // NOLINT: as a map

  const_iterator begin() const { return get().begin(); }
  const_iterator end() const { return get().end(); }
  const_iterator find(std::string_view name) const { return get().find(name); }
  const ResourcePtr& at(std::string_view name) const {
    auto it = find(name);
    if (it == end()) throw std::out_of_range("no resource " + std::string(name));
    return it->second;
  }
  size_t size() const { return get().size(); }
  bool empty() const { return get().empty(); }

  ResourcePtr& operator[](const std::string& name) { return own()[name]; }

 private:
  const Map& get() const {
    static const Map kEmpty;
    return map_ ? *map_ : kEmpty;
  }
  // The map to change: a copy first when another holds it too.
  Map& own() {
    if (!map_)
      map_ = std::make_shared<Map>();
    else if (map_.use_count() > 1)
      map_ = std::make_shared<Map>(*map_);
    return *map_;
  }
  std::shared_ptr<Map> map_;  // null: empty
};

// One resource type of a view, sorted by name.
struct TypeResources {
  ResourceMap resources;
  // A hash of every name and version: equal when nothing of the type changed, so a stream skips
  // an unchanged type without looking at its resources.
  std::string version;
  // Every resource, as one shared set (set when the snapshot is built).
  ResourceSetPtr all = empty_resource_set();

  const Resource* find(std::string_view name) const {
    auto it = resources.find(name);
    return it == resources.end() ? nullptr : it->second.get();
  }
  // The resources of `names` that exist, computed once per snapshot and name set.
  ResourceSetPtr select(const NameSetPtr& names) const;

  TypeResources() = default;
  TypeResources(const TypeResources& other) : resources(other.resources), version(other.version), all(other.all) {}
  TypeResources& operator=(const TypeResources& other) {
    resources = other.resources;
    version = other.version;
    all = other.all;
    std::lock_guard lock(selections_mu_);
    selections_.clear();
    return *this;
  }

 private:
  mutable std::mutex selections_mu_;
  mutable std::map<const NameSet*, std::pair<NameSetPtr, ResourceSetPtr>> selections_;
};

struct View {
  std::map<std::string, TypeResources, std::less<>> types;  // by type URL
  const TypeResources* type(std::string_view type_url) const {
    auto it = types.find(type_url);
    return it == types.end() ? nullptr : &it->second;
  }
};

class Snapshot {
 public:
  // The view served to proxies: Envoy's types, or agentgateway's in a snapshot for agentgateway.
  View envoy;
  // When the change that produced this snapshot was taken up; the server measures change-to-push.
  std::chrono::steady_clock::time_point origin{};

  // The view for proxyless gRPC clients, built on first use: most Gateways never have one. A
  // snapshot not built from a translation has no other view than `envoy`.
  const View& proxyless() const;
  // The translation it was built from (null for the empty snapshot).
  const translator::Output* source() const { return output_.get(); }

 private:
  friend std::shared_ptr<const Snapshot> build_snapshot(std::shared_ptr<const translator::Output>, const Snapshot*,
                                                        std::chrono::steady_clock::time_point);
  friend std::shared_ptr<const Snapshot> empty_snapshot();
  friend std::shared_ptr<const Snapshot> snapshot_of(View, std::chrono::steady_clock::time_point);
  std::shared_ptr<const translator::Output> output_;  // what the proxyless view is built from
  // The bytes of each virtual host of output_'s route configurations (as the configuration's
  // field: tag, length and message), by address: a later snapshot whose output holds the same
  // virtual host (lent by the translation memo; output_ keeps it alive, so no other can have its
  // address) takes its bytes instead of serializing it.
  std::unordered_map<const void*, std::shared_ptr<const std::string>> virtual_host_bytes_;
  mutable std::once_flag proxyless_once_;
  mutable View proxyless_;
};
using SnapshotPtr = std::shared_ptr<const Snapshot>;

// An empty snapshot: what a node whose Gateway is unknown receives (a valid, empty configuration).
SnapshotPtr empty_snapshot();

// Builds the snapshot of a translation, which it keeps for the proxyless view. `previous` (may
// be null) lets unchanged resources keep their objects, so memory is shared across versions.
SnapshotPtr build_snapshot(std::shared_ptr<const translator::Output> output, const Snapshot* previous,
                           std::chrono::steady_clock::time_point origin = std::chrono::steady_clock::now());
// The same from a copy of `output`.
inline SnapshotPtr build_snapshot(const translator::Output& output, const Snapshot* previous) {
  return build_snapshot(std::make_shared<const translator::Output>(output), previous);
}

// A snapshot of resources built elsewhere (agentgateway's); sets each type's `all` and version.
SnapshotPtr snapshot_of(View view, std::chrono::steady_clock::time_point origin = std::chrono::steady_clock::now());

// Serializes a message deterministically into the bytes of an Any, and wraps it as a Resource.
ResourcePtr make_resource(std::string name, const google::protobuf::Message& message);

// "type.googleapis.com/envoy.config.cluster.v3.Cluster" -> "Cluster", for logs and metric labels.
inline std::string short_type_name(std::string_view type_url) {
  return std::string(type_url.substr(type_url.rfind('.') + 1));
}

// A 64-bit hash of the bytes (eight bytes a step), as 16 lowercase hex digits; the same on every
// machine, so versions are stable across restarts and replicas.
std::string content_hash(std::string_view bytes);
// The same hash of the pieces' bytes joined.
std::string content_hash(const std::vector<std::string_view>& pieces);

// Whether two resources' bytes are equal, whether whole or in parts.
bool same_bytes(const Resource& a, const Resource& b);

}  // namespace kgw::snapshot
