#include "snapshot/snapshot.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format.h>
#include <google/protobuf/wire_format_lite.h>

#include <cstring>
#include <set>

#include "snapshot/proxyless.h"

namespace kgw::snapshot {
namespace {

constexpr std::string_view kTypePrefix = "type.googleapis.com/";

// Reuses the previous snapshot's object when the bytes did not change.
ResourcePtr reuse(ResourcePtr fresh, const TypeResources* previous) {
  if (!previous) return fresh;
  const auto it = previous->resources.find(fresh->name);
  if (it != previous->resources.end() && it->second->version == fresh->version && same_bytes(*it->second, *fresh))
    return it->second;
  return fresh;
}

template <typename Messages>
void add_all(View& view, std::string_view type_url, const Messages& messages, const View* previous, auto name_of) {
  TypeResources& type = view.types[std::string(type_url)];
  const TypeResources* before = previous ? previous->type(type_url) : nullptr;
  for (const auto& message : messages) {
    ResourcePtr resource = reuse(make_resource(name_of(message), message), before);
    type.resources[resource->name] = std::move(resource);
  }
}

std::string versions_hash(const std::vector<ResourcePtr>& resources) {
  std::string all;
  for (const auto& resource : resources) {
    all.append(resource->name).push_back('\0');
    all.append(resource->version).push_back('\n');
  }
  return content_hash(all);
}

void seal(TypeResources& type) {
  std::vector<ResourcePtr> all;
  all.reserve(type.resources.size());
  for (const auto& [name, resource] : type.resources) all.push_back(resource);
  type.all = std::make_shared<const ResourceSet>(std::move(all));
  type.version = type.all->version();
}

void seal(View& view) {
  for (auto& [url, type] : view.types) seal(type);
}

}  // namespace

// A stream steps from one set to the next; streams in other states make other steps, but few at
// a time.
constexpr size_t kMemoEntries = 4;

ResourceSet::ResourceSet(std::vector<ResourcePtr> sorted)
    : resources_(std::move(sorted)), version_(versions_hash(resources_)) {}

const Resource* ResourceSet::find(std::string_view name) const {
  auto it = std::lower_bound(resources_.begin(), resources_.end(), name,
                             [](const ResourcePtr& r, std::string_view n) { return r->name < n; });
  return it != resources_.end() && (*it)->name == name ? it->get() : nullptr;
}

const ResourceSet::Step* ResourceSet::Memo::find(const ResourceSetPtr& other) const {
  if (!other) return from_nothing ? &*from_nothing : nullptr;
  for (const auto& [base, step] : entries)
    if (base.lock() == other) return &step;
  return nullptr;
}

void ResourceSet::Memo::add(const ResourceSetPtr& other, Step step) {
  if (!other) {
    from_nothing = std::move(step);
    return;
  }
  std::erase_if(entries, [](const auto& e) { return e.first.expired(); });
  if (entries.size() >= kMemoEntries) entries.erase(entries.begin());
  entries.emplace_back(other, std::move(step));
}

ResourceSet::Diff ResourceSet::diff_from(const ResourceSetPtr& from) const {
  std::lock_guard lock(mu_);
  const Step* step = diffs_.find(from);
  if (!step) {
    const auto& before = from ? from->resources_ : empty_resource_set()->resources_;
    std::vector<ResourcePtr> changed;
    auto removed = std::make_shared<std::vector<std::string>>();
    size_t i = 0, j = 0;
    while (i < resources_.size() || j < before.size()) {
      if (j == before.size() || (i < resources_.size() && resources_[i]->name < before[j]->name)) {
        changed.push_back(resources_[i++]);
      } else if (i == resources_.size() || before[j]->name < resources_[i]->name) {
        removed->push_back(before[j++]->name);
      } else {
        if (resources_[i]->version != before[j]->version) changed.push_back(resources_[i]);
        ++i, ++j;
      }
    }
    Step made{nullptr, std::move(removed)};
    // All of this set: the step shares the set's encodings.
    if (changed.size() != resources_.size())
      made.set = changed.empty() ? empty_resource_set() : std::make_shared<const ResourceSet>(std::move(changed));
    diffs_.add(from, std::move(made));
    step = diffs_.find(from);
  }
  return Diff{step->set ? step->set : shared_from_this(), step->removed};
}

ResourceSetPtr ResourceSet::keeping(const ResourceSetPtr& held) const {
  if (!held || held.get() == this) return shared_from_this();
  std::lock_guard lock(mu_);
  const Step* step = kept_.find(held);
  if (!step) {
    std::vector<ResourcePtr> kept;
    for (const auto& r : held->resources_)
      if (!find(r->name)) kept.push_back(r);
    Step made;
    if (!kept.empty()) {
      std::vector<ResourcePtr> merged;
      merged.reserve(resources_.size() + kept.size());
      std::merge(resources_.begin(), resources_.end(), kept.begin(), kept.end(), std::back_inserter(merged),
                 [](const auto& a, const auto& b) { return a->name < b->name; });
      made.set = std::make_shared<const ResourceSet>(std::move(merged));
    }
    kept_.add(held, std::move(made));
    step = kept_.find(held);
  }
  return step->set ? step->set : shared_from_this();
}

EncodingPtr ResourceSet::encoded(size_t slot, EncodingPtr (*make)(const std::vector<ResourcePtr>&)) const {
  std::lock_guard lock(mu_);
  auto& encoding = encoded_[slot];
  if (!encoding) encoding = make(resources_);
  return encoding;
}

const ResourceSetPtr& empty_resource_set() {
  static const ResourceSetPtr empty = std::make_shared<const ResourceSet>(std::vector<ResourcePtr>{});
  return empty;
}

NameSetPtr intern_names(std::vector<std::string_view> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  size_t size = 0;
  for (const auto& n : names) size += n.size() + 1;
  std::string joined;
  joined.reserve(size);
  for (const auto& n : names) joined.append(n).push_back('\0');
  std::string hash = content_hash(joined);

  static std::mutex mu;
  static std::map<std::string, std::vector<std::weak_ptr<const NameSet>>> table;
  std::lock_guard lock(mu);
  auto& bucket = table[hash];
  std::erase_if(bucket, [](const auto& w) { return w.expired(); });
  for (const auto& w : bucket)
    if (auto existing = w.lock();
        existing && std::equal(existing->names.begin(), existing->names.end(), names.begin(), names.end()))
      return existing;
  // Only a set not known yet copies the names.
  auto set =
      std::make_shared<const NameSet>(NameSet{std::vector<std::string>(names.begin(), names.end()), std::move(hash)});
  bucket.push_back(set);
  // Forget the name sets nobody holds any more, now and then.
  if (table.size() > 4096)
    for (auto it = table.begin(); it != table.end();) {
      std::erase_if(it->second, [](const auto& w) { return w.expired(); });
      it = it->second.empty() ? table.erase(it) : std::next(it);
    }
  return set;
}

ResourceSetPtr TypeResources::select(const NameSetPtr& names) const {
  if (!names || names->empty()) return empty_resource_set();
  std::lock_guard lock(selections_mu_);
  auto it = selections_.find(names.get());
  if (it != selections_.end()) return it->second.second;
  std::vector<ResourcePtr> chosen;
  for (const auto& name : names->names)
    if (auto found = resources.find(name); found != resources.end()) chosen.push_back(found->second);
  auto set = chosen.size() == resources.size() ? all : std::make_shared<const ResourceSet>(std::move(chosen));
  selections_.emplace(names.get(), std::make_pair(names, set));
  return set;
}

namespace {

// content_hash, fed piece by piece: the bytes need not be in one string.
class ContentHasher {
 public:
  // 64-bit, eight bytes a step (FNV-1a took a byte a step, a tenth of a snapshot build). The
  // words are read little-endian whatever the machine, so versions are the same everywhere.
  explicit ContentHasher(size_t total) : hash_(14695981039346656037ull ^ (total * 0x9e3779b97f4a7c15ull)) {}

  void add(std::string_view bytes) {
    size_t i = 0;
    if (pending_ > 0) {
      while (pending_ < 8 && i < bytes.size()) tail_[pending_++] = bytes[i++];
      if (pending_ < 8) return;
      hash_ = mix(hash_, word(tail_));
      pending_ = 0;
    }
    // In a local: the member could alias the bytes, and would be stored at every step.
    uint64_t hash = hash_;
    for (; i + 8 <= bytes.size(); i += 8) hash = mix(hash, word(bytes.data() + i));
    hash_ = hash;
    while (i < bytes.size()) tail_[pending_++] = bytes[i++];
  }

  std::string finish() {
    uint64_t tail = 0;
    for (size_t b = pending_; b > 0; --b) tail = (tail << 8) | static_cast<unsigned char>(tail_[b - 1]);
    uint64_t hash = mix(hash_, tail);
    hash = (hash ^ (hash >> 29)) * 0x94d049bb133111ebull;
    hash ^= hash >> 32;
    static const char* const kDigits = "0123456789abcdef";
    std::string out(16, '0');
    for (int d = 15; d >= 0; --d, hash >>= 4) out[d] = kDigits[hash & 0xf];
    return out;
  }

 private:
  static uint64_t word(const char* p) {
    uint64_t word = 0;
    for (int b = 7; b >= 0; --b) word = (word << 8) | static_cast<unsigned char>(p[b]);
    return word;
  }
  static uint64_t mix(uint64_t hash, uint64_t word) {
    hash = (hash ^ word) * 0xbf58476d1ce4e5b9ull;
    return hash ^ (hash >> 31);
  }

  uint64_t hash_;
  char tail_[8] = {};
  size_t pending_ = 0;
};

}  // namespace

std::string content_hash(std::string_view bytes) {
  ContentHasher hasher(bytes.size());
  hasher.add(bytes);
  return hasher.finish();
}

std::string content_hash(const std::vector<std::string_view>& pieces) {
  size_t total = 0;
  for (const auto piece : pieces) total += piece.size();
  ContentHasher hasher(total);
  for (const auto piece : pieces) hasher.add(piece);
  return hasher.finish();
}

size_t Resource::size() const {
  if (parts.empty()) return any.size();
  size_t total = 0;
  for (const auto& part : parts) total += part->size();
  return total;
}

std::vector<std::string_view> Resource::pieces() const {
  std::vector<std::string_view> out;
  out.reserve(std::max<size_t>(parts.size(), 1));
  for_each_piece([&](std::string_view piece) { out.push_back(piece); });
  return out;
}

std::string Resource::bytes() const {
  if (parts.empty()) return any;
  std::string out;
  out.reserve(size());
  for (const auto& part : parts) out.append(*part);
  return out;
}

bool same_bytes(const Resource& a, const Resource& b) {
  if (a.size() != b.size()) return false;
  const auto x = a.pieces(), y = b.pieces();
  size_t i = 0, j = 0, at_x = 0, at_y = 0;  // piece, and offset in it
  while (i < x.size() && j < y.size()) {
    const size_t n = std::min(x[i].size() - at_x, y[j].size() - at_y);
    // Shared parts are the same memory: nothing to compare.
    if (x[i].data() + at_x != y[j].data() + at_y && std::memcmp(x[i].data() + at_x, y[j].data() + at_y, n) != 0)
      return false;
    at_x += n, at_y += n;
    if (at_x == x[i].size()) ++i, at_x = 0;
    if (at_y == y[j].size()) ++j, at_y = 0;
  }
  return true;
}

namespace {

// The header of an Any: type_url (field 1), then the tag and length of the `size` bytes of the
// message's value (field 2), which follow.
void write_any_header(google::protobuf::io::CodedOutputStream& out, std::string_view type_url, size_t size) {
  out.WriteTag(10);
  out.WriteVarint64(type_url.size());
  out.WriteRaw(type_url.data(), static_cast<int>(type_url.size()));
  out.WriteTag(18);
  out.WriteVarint64(size);
}

std::string type_url_of(const google::protobuf::Message& message) {
  return std::string(kTypePrefix) + message.GetDescriptor()->full_name();
}

}  // namespace

// Deterministic serialization, so equal messages give equal bytes (map entries could otherwise
// come out in any order) and versions are content hashes.
ResourcePtr make_resource(std::string name, const google::protobuf::Message& message) {
  const std::string type_url = type_url_of(message);
  const size_t size = message.ByteSizeLong();
  auto resource = std::make_shared<Resource>();
  resource->name = std::move(name);
  std::string& any = resource->any;
  any.reserve(type_url.size() + size + 12);
  {
    google::protobuf::io::StringOutputStream stream(&any);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    write_any_header(out, type_url, size);
    message.SerializeWithCachedSizes(&out);
  }
  resource->version = content_hash(any);
  return resource;
}

namespace {

using VirtualHostBytes = std::unordered_map<const void*, std::shared_ptr<const std::string>>;

// A virtual host as the route configuration's field carries it: tag, length and the message,
// serialized deterministically into a string of just that size (growing one by doubling zeroes
// and copies it several times over).
std::shared_ptr<const std::string> virtual_host_field(const envoy::config::route::v3::VirtualHost& host) {
  using google::protobuf::internal::WireFormatLite;
  using google::protobuf::io::CodedOutputStream;
  const uint32_t tag = WireFormatLite::MakeTag(envoy::config::route::v3::RouteConfiguration::kVirtualHostsFieldNumber,
                                               WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  const size_t size = host.ByteSizeLong();  // caches sub-message sizes
  auto bytes = std::make_shared<std::string>();
  bytes->resize(CodedOutputStream::VarintSize32(tag) + CodedOutputStream::VarintSize64(size) + size);
  google::protobuf::io::ArrayOutputStream stream(bytes->data(), static_cast<int>(bytes->size()));
  CodedOutputStream out(&stream);
  out.SetSerializationDeterministic(true);
  out.WriteTag(tag);
  out.WriteVarint64(size);
  host.SerializeWithCachedSizes(&out);
  return bytes;
}

// A route configuration's resource in parts, as deterministic serialization writes its fields in
// field order: the Any's header with the fields before the virtual hosts, each virtual host, the
// fields after them. Each virtual host's part comes from `previous` when it holds that virtual
// host, and goes into `mine`, so a change to one host serializes that host alone and copies no
// other's bytes.
ResourcePtr route_configuration_resource(const envoy::config::route::v3::RouteConfiguration& rc,
                                         const VirtualHostBytes* previous, VirtualHostBytes& mine) {
  using google::protobuf::internal::WireFormat;
  constexpr int kHosts = envoy::config::route::v3::RouteConfiguration::kVirtualHostsFieldNumber;
  const auto* reflection = rc.GetReflection();
  if (!reflection->GetUnknownFields(rc).empty()) {
    for (const auto& host : rc.virtual_hosts()) mine.erase(&host);
    return make_resource(rc.name(), rc);
  }
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(rc, &fields);  // by field number
  auto resource = std::make_shared<Resource>();
  resource->name = rc.name();
  resource->parts.reserve(static_cast<size_t>(rc.virtual_hosts_size()) + 2);
  resource->parts.emplace_back();  // the head, written once the size is known
  size_t size = 0;
  for (const auto* field : fields) {
    if (field->number() != kHosts) {
      size += WireFormat::FieldByteSize(field, rc);  // caches sub-message sizes
      continue;
    }
    for (const auto& host : rc.virtual_hosts()) {
      std::shared_ptr<const std::string> bytes;
      if (previous)
        if (auto it = previous->find(&host); it != previous->end()) bytes = it->second;
      if (!bytes) bytes = virtual_host_field(host);
      mine[&host] = bytes;
      size += bytes->size();
      resource->parts.push_back(std::move(bytes));
    }
  }
  auto head = std::make_shared<std::string>();
  auto tail = std::make_shared<std::string>();
  {
    google::protobuf::io::StringOutputStream head_stream(head.get());
    google::protobuf::io::CodedOutputStream out(&head_stream);
    out.SetSerializationDeterministic(true);
    write_any_header(out, type_url_of(rc), size);
    for (const auto* field : fields)
      if (field->number() < kHosts) WireFormat::SerializeFieldWithCachedSizes(field, rc, &out);
  }
  {
    google::protobuf::io::StringOutputStream tail_stream(tail.get());
    google::protobuf::io::CodedOutputStream out(&tail_stream);
    out.SetSerializationDeterministic(true);
    for (const auto* field : fields)
      if (field->number() > kHosts) WireFormat::SerializeFieldWithCachedSizes(field, rc, &out);
  }
  resource->parts.front() = std::move(head);
  if (!tail->empty()) resource->parts.push_back(std::move(tail));
  resource->version = content_hash(resource->pieces());
  return resource;
}

}  // namespace

// Every EDS cluster has an assignment, empty if need be: a proxy keeps a cluster warming until its
// endpoints arrive. The empty ones a translation lacks.
std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment> missing_assignments(const translator::Output& output) {
  std::set<std::string, std::less<>> present;
  for (const auto& cla : output.endpoints) present.insert(cla.cluster_name());
  std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment> missing;
  for (const auto* clusters : {&output.clusters, &output.extra_clusters})
    for (const auto& cluster : *clusters) {
      if (cluster.type() != envoy::config::cluster::v3::Cluster::EDS) continue;
      const std::string& name = cluster.eds_cluster_config().service_name().empty()
                                    ? cluster.name()
                                    : cluster.eds_cluster_config().service_name();
      if (present.insert(name).second) missing.emplace_back().set_cluster_name(name);
    }
  return missing;
}

SnapshotPtr empty_snapshot() {
  auto snapshot = std::make_shared<Snapshot>();
  for (const auto& type : envoy_types()) {
    snapshot->envoy.types[type];
    snapshot->proxyless_.types[type];
  }
  seal(snapshot->envoy);
  seal(snapshot->proxyless_);
  std::call_once(snapshot->proxyless_once_, [] {});
  return snapshot;
}

SnapshotPtr build_snapshot(std::shared_ptr<const translator::Output> source, const Snapshot* previous,
                           std::chrono::steady_clock::time_point origin) {
  const translator::Output& output = *source;
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->origin = origin;
  snapshot->output_ = std::move(source);
  if (previous && output.endpoints_only_since && previous->source() == output.endpoints_only_since) {
    // Only load assignments changed since the previous snapshot's translation: the rest is reused.
    snapshot->envoy = previous->envoy;
    snapshot->virtual_host_bytes_ = previous->virtual_host_bytes_;  // the routes are the same objects
    TypeResources& assignments = snapshot->envoy.types[std::string(kEndpointType)];
    std::set<std::string_view> changed(output.changed_endpoints.begin(), output.changed_endpoints.end());
    for (const auto& cla : output.endpoints)
      if (changed.contains(cla.cluster_name()))
        assignments.resources[cla.cluster_name()] = make_resource(cla.cluster_name(), cla);
    seal(assignments);
    return snapshot;
  }
  View& envoy = snapshot->envoy;
  const View* before = previous ? &previous->envoy : nullptr;
  auto named = [](const auto& m) { return m.name(); };
  auto cluster_name = [](const auto& m) { return m.cluster_name(); };
  // Parts this output shares with the previous snapshot's (a translation that reused them) give
  // the same resources: their sealed sets are taken over, nothing is serialized again.
  const translator::Output* last = previous ? previous->source() : nullptr;
  auto taken_over = [&](std::string_view type_url, bool same) {
    const TypeResources* kept = same && before ? before->type(type_url) : nullptr;
    if (kept) envoy.types[std::string(type_url)] = *kept;
    return kept != nullptr;
  };
  const bool same_clusters = last && output.clusters.shares_with(last->clusters) && output.extra_clusters.empty() &&
                             last->extra_clusters.empty();
  const bool same_endpoints = same_clusters && output.endpoints.shares_with(last->endpoints);
  std::vector<std::string_view> built;
  if (!taken_over(kClusterType, same_clusters)) {
    add_all(envoy, kClusterType, output.clusters.get(), before, named);
    add_all(envoy, kClusterType, output.extra_clusters.get(), before, named);
    built.push_back(kClusterType);
  }
  if (!taken_over(kEndpointType, same_endpoints)) {
    add_all(envoy, kEndpointType, output.endpoints.get(), before, cluster_name);
    add_all(envoy, kEndpointType, missing_assignments(output), before, cluster_name);
    built.push_back(kEndpointType);
  }
  add_all(envoy, kListenerType, output.listeners.get(), before, named);
  {
    // Route configurations from their virtual hosts' bytes, kept for the next snapshot.
    TypeResources& type = envoy.types[std::string(kRouteType)];
    const TypeResources* routes_before = before ? before->type(kRouteType) : nullptr;
    const VirtualHostBytes* hosts_before = previous && previous->output_ ? &previous->virtual_host_bytes_ : nullptr;
    for (const auto& rc : output.routes) {
      ResourcePtr resource =
          reuse(route_configuration_resource(rc, hosts_before, snapshot->virtual_host_bytes_), routes_before);
      type.resources[resource->name] = std::move(resource);
    }
  }
  built.push_back(kListenerType);
  built.push_back(kRouteType);
  for (const auto type_url : built) seal(envoy.types[std::string(type_url)]);
  return snapshot;
}

SnapshotPtr snapshot_of(View view, std::chrono::steady_clock::time_point origin) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->origin = origin;
  snapshot->envoy = std::move(view);
  seal(snapshot->envoy);
  return snapshot;
}

const View& Snapshot::proxyless() const {
  if (!output_) return envoy;
  std::call_once(proxyless_once_, [this] {
    // Clusters are shared; listeners are API listeners, and route configurations and load
    // assignments are rewritten only where gRPC needs another form.
    const translator::Output& output = *output_;
    View& view = proxyless_;
    view.types[std::string(kClusterType)] = *envoy.type(kClusterType);
    const TypeResources& envoy_assignments = *envoy.type(kEndpointType);
    TypeResources& assignments = view.types[std::string(kEndpointType)];
    assignments.resources = envoy_assignments.resources;
    for (const auto& cla : output.endpoints)
      if (auto rewritten = proxyless_load_assignment(cla))
        assignments.resources[cla.cluster_name()] = make_resource(cla.cluster_name(), *rewritten);
    auto listeners = api_listeners(output);
    for (auto& l : server_listeners(output)) listeners.push_back(std::move(l));
    add_all(view, kListenerType, std::move(listeners), nullptr, [](const auto& m) { return m.name(); });
    const TypeResources& envoy_routes = *envoy.type(kRouteType);
    TypeResources& routes = view.types[std::string(kRouteType)];
    routes.resources = envoy_routes.resources;
    std::set<std::string, std::less<>> cluster_names;
    for (const auto& [name, resource] : envoy.type(kClusterType)->resources) cluster_names.insert(name);
    bool unavailable = false;
    for (const auto& route : output.routes)
      if (auto rewritten = proxyless_route_configuration(route, cluster_names)) {
        unavailable = unavailable || uses_unavailable_cluster(*rewritten);
        routes.resources[route.name()] = make_resource(route.name(), *rewritten);
      }
    if (unavailable) {
      view.types[std::string(kClusterType)].resources[kUnavailableCluster] =
          make_resource(kUnavailableCluster, unavailable_cluster());
      envoy::config::endpoint::v3::ClusterLoadAssignment none;
      none.set_cluster_name(kUnavailableCluster);
      assignments.resources[kUnavailableCluster] = make_resource(kUnavailableCluster, none);
    }
    seal(view);
  });
  return proxyless_;
}

}  // namespace kgw::snapshot
