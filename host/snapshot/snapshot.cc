#include "snapshot/snapshot.h"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <set>

#include "snapshot/proxyless.h"

namespace kgw::snapshot {
namespace {

constexpr std::string_view kTypePrefix = "type.googleapis.com/";

// Protobuf's default serialization may order map entries differently between runs; the
// deterministic form makes equal messages give equal bytes, so versions are content hashes.
std::string serialize_deterministic(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&out);
  }
  return bytes;
}

// Reuses the previous snapshot's object when the bytes did not change.
ResourcePtr reuse(ResourcePtr fresh, const TypeResources* previous) {
  if (!previous) return fresh;
  const auto it = previous->resources.find(fresh->name);
  if (it != previous->resources.end() && it->second->version == fresh->version && it->second->any == fresh->any)
    return it->second;
  return fresh;
}

template <typename Message>
void add_all(View& view, std::string_view type_url, const std::vector<Message>& messages, const View* previous,
             auto name_of) {
  TypeResources& type = view.types[std::string(type_url)];
  const TypeResources* before = previous ? previous->type(type_url) : nullptr;
  for (const auto& message : messages) {
    ResourcePtr resource = reuse(make_resource(name_of(message), message), before);
    type.resources[resource->name] = std::move(resource);
  }
}

void seal(View& view) {
  for (auto& [url, type] : view.types) {
    std::string all;
    for (const auto& [name, resource] : type.resources) {
      all.append(name).push_back('\0');
      all.append(resource->version).push_back('\n');
    }
    type.version = content_hash(all);
  }
}

}  // namespace

size_t View::size() const {
  size_t n = 0;
  for (const auto& [url, type] : types) n += type.resources.size();
  return n;
}

std::string content_hash(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  static const char* const kDigits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[i] = kDigits[hash & 0xf];
  return out;
}

ResourcePtr make_resource(std::string name, const google::protobuf::Message& message) {
  google::protobuf::Any any;
  any.set_type_url(std::string(kTypePrefix) + message.GetDescriptor()->full_name());
  any.set_value(serialize_deterministic(message));
  auto resource = std::make_shared<Resource>();
  resource->name = std::move(name);
  resource->any = serialize_deterministic(any);
  resource->version = content_hash(resource->any);
  return resource;
}

SnapshotPtr empty_snapshot() {
  auto snapshot = std::make_shared<Snapshot>();
  for (const auto& type : envoy_types()) {
    snapshot->envoy.types[type];
    snapshot->proxyless.types[type];
  }
  seal(snapshot->envoy);
  seal(snapshot->proxyless);
  return snapshot;
}

SnapshotPtr build_snapshot(const translator::Output& output, const Snapshot* previous,
                           std::chrono::steady_clock::time_point origin) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->origin = origin;
  View& envoy = snapshot->envoy;
  const View* before = previous ? &previous->envoy : nullptr;
  auto named = [](const auto& m) { return m.name(); };
  add_all(envoy, kClusterType, output.clusters, before, named);
  add_all(envoy, kClusterType, output.extra_clusters, before, named);
  add_all(envoy, kEndpointType, output.endpoints, before, [](const auto& m) { return m.cluster_name(); });
  // Every EDS cluster has an assignment, empty if need be: a proxy keeps a cluster warming until
  // its endpoints arrive.
  std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment> missing;
  const TypeResources& assignments_so_far = envoy.types[std::string(kEndpointType)];
  for (const auto* clusters : {&output.clusters, &output.extra_clusters})
    for (const auto& cluster : *clusters) {
      if (cluster.type() != envoy::config::cluster::v3::Cluster::EDS) continue;
      const std::string& name = cluster.eds_cluster_config().service_name().empty()
                                    ? cluster.name()
                                    : cluster.eds_cluster_config().service_name();
      if (!assignments_so_far.find(name)) missing.emplace_back().set_cluster_name(name);
    }
  add_all(envoy, kEndpointType, missing, before, [](const auto& m) { return m.cluster_name(); });
  add_all(envoy, kListenerType, output.listeners, before, named);
  add_all(envoy, kRouteType, output.routes, before, named);

  // The proxyless view shares clusters; listeners are API listeners, and route configurations and
  // load assignments are rewritten only where gRPC needs another form.
  View& proxyless = snapshot->proxyless;
  proxyless.types[std::string(kClusterType)] = envoy.types[std::string(kClusterType)];
  const View* proxyless_before = previous ? &previous->proxyless : nullptr;
  TypeResources& assignments = proxyless.types[std::string(kEndpointType)];
  const TypeResources* assignments_before = proxyless_before ? proxyless_before->type(kEndpointType) : nullptr;
  const std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment>* lists[] = {&output.endpoints, &missing};
  for (const auto* list : lists)
    for (const auto& cla : *list) {
      auto rewritten = proxyless_load_assignment(cla);
      assignments.resources[cla.cluster_name()] =
          rewritten ? reuse(make_resource(cla.cluster_name(), *rewritten), assignments_before)
                    : envoy.types[std::string(kEndpointType)].resources[cla.cluster_name()];
    }
  add_all(proxyless, kListenerType, api_listeners(output), proxyless_before, named);
  TypeResources& routes = proxyless.types[std::string(kRouteType)];
  const TypeResources* routes_before = proxyless_before ? proxyless_before->type(kRouteType) : nullptr;
  std::set<std::string, std::less<>> cluster_names;
  for (const auto& [name, resource] : envoy.types[std::string(kClusterType)].resources) cluster_names.insert(name);
  for (const auto& route : output.routes) {
    auto rewritten = proxyless_route_configuration(route, cluster_names);
    routes.resources[route.name()] = rewritten ? reuse(make_resource(route.name(), *rewritten), routes_before)
                                               : envoy.types[std::string(kRouteType)].resources[route.name()];
  }
  for (View* view : {&snapshot->envoy, &snapshot->proxyless}) seal(*view);
  return snapshot;
}

}  // namespace kgw::snapshot
