// Extension points for backends: Backend `spec.type` values a plugin implements, and hooks that
// add per-backend data to the routes that reach a backend (function metadata such as a Lambda
// function name).
#pragma once

#include <memory>
#include <string_view>

#include "kgw/sdk/ir.h"
#include "kgw/sdk/status.h"

namespace envoy::config::cluster::v3 {
class Cluster;
}
namespace envoy::config::endpoint::v3 {
class ClusterLoadAssignment;
}
namespace envoy::config::route::v3 {
class Route;
}
namespace google::protobuf {
class Any;
template <typename Key, typename T>
class Map;
}  // namespace google::protobuf

namespace kgw::sdk {

// Where a backend type writes its cluster. The host names the cluster (COMPATIBILITY.md naming)
// and sets the defaults every cluster gets before the call; the plugin fills in the rest.
struct ClusterOutput {
  envoy::config::cluster::v3::Cluster& cluster;
  // Set when the cluster's endpoints are served over EDS; nullptr for clusters with inline or
  // DNS-resolved endpoints.
  envoy::config::endpoint::v3::ClusterLoadAssignment* endpoints = nullptr;
};

class BackendType {
 public:
  virtual ~BackendType() = default;

  // The kgateway Backend `spec.type` this handles, e.g. "AWS".
  virtual std::string_view type() const noexcept = 0;

  // Validates `backend` and parses it into the plugin's IR. Every problem goes into `diag` with
  // its field path; on errors the host marks the Backend Accepted=False and gives it an empty
  // cluster. Must return non-null when `diag` holds no errors.
  virtual std::shared_ptr<const PluginIr> parse(const Object& backend, const HostApi& host,
                                                Diagnostics& diag) const noexcept = 0;

  // Builds the cluster for a parsed backend. Errors found here (a missing Secret, say) go into
  // `diag` and make the host treat the backend as broken, as after a failed parse.
  virtual void build_cluster(const TranslationContext& ctx, const Object& backend, const PluginIr& ir,
                             ClusterOutput& out, Diagnostics& diag) const noexcept = 0;
};

// Where a route-backend hook writes: the route, and the per-filter configuration of this one
// backend within it (the weighted-cluster entry, or the route's own map for a single backend).
struct RouteBackendOutput {
  envoy::config::route::v3::Route& route;
  // filter name -> typed config, as in `typed_per_filter_config`.
  google::protobuf::Map<std::string, google::protobuf::Any>* typed_per_filter_config = nullptr;
};

class RouteBackendHook {
 public:
  virtual ~RouteBackendHook() = default;

  // The Backend type (as BackendType::type()) whose routes this hook sees.
  virtual std::string_view backend_type() const noexcept = 0;

  // Called for every route rule backendRef that resolves to a backend of that type.
  virtual void apply(const TranslationContext& ctx, const Object& backend, const PluginIr& backend_ir,
                     RouteBackendOutput& out, Diagnostics& diag) const noexcept = 0;
};

}  // namespace kgw::sdk
