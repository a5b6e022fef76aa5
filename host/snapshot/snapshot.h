// Snapshots: what the xDS server hands out for one Gateway, built from a translation's output.
//
// A snapshot is immutable. Each resource is serialized once, as the bytes of the Any that carries
// it, and its version is a hash of those bytes; every stream that sends it shares the same bytes.
// A snapshot has two views of the same translation: one for Envoy proxies, one for proxyless gRPC
// clients (API listeners, and route forms older gRPC releases accept). Resources equal in both
// views are the same object.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
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
  std::string version;  // 16 hex digits: a hash of `any`
  std::string any;      // the serialized google.protobuf.Any (type_url + value)
};
using ResourcePtr = std::shared_ptr<const Resource>;

// One resource type of a view, sorted by name.
struct TypeResources {
  std::map<std::string, ResourcePtr, std::less<>> resources;
  // A hash of every name and version: equal when nothing of the type changed, so a stream skips
  // an unchanged type without looking at its resources.
  std::string version;
  const Resource* find(std::string_view name) const {
    auto it = resources.find(name);
    return it == resources.end() ? nullptr : it->second.get();
  }
};

struct View {
  std::map<std::string, TypeResources, std::less<>> types;  // by type URL
  const TypeResources* type(std::string_view type_url) const {
    auto it = types.find(type_url);
    return it == types.end() ? nullptr : &it->second;
  }
  size_t size() const;
};

struct Snapshot {
  View envoy;
  View proxyless;
  // When the change that produced this snapshot was taken up; the server measures change-to-push.
  std::chrono::steady_clock::time_point origin{};
};
using SnapshotPtr = std::shared_ptr<const Snapshot>;

// An empty snapshot: what a node whose Gateway is unknown receives (a valid, empty configuration).
SnapshotPtr empty_snapshot();

// Builds the snapshot of a translation. `previous` (may be null) lets unchanged resources keep
// their objects, so memory is shared across versions.
SnapshotPtr build_snapshot(const translator::Output& output, const Snapshot* previous,
                           std::chrono::steady_clock::time_point origin = std::chrono::steady_clock::now());

// Serializes a message deterministically into the bytes of an Any, and wraps it as a Resource.
ResourcePtr make_resource(std::string name, const google::protobuf::Message& message);

// 64-bit FNV-1a of the bytes, as 16 lowercase hex digits.
std::string content_hash(std::string_view bytes);

}  // namespace kgw::snapshot
