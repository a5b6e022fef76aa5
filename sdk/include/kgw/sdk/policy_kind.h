// Extension point for policy kinds (TrafficPolicy, ListenerPolicy, a vendor's own CRD, ...).
//
// The host attaches policies to their targets (targetRefs, targetSelectors, ExtensionRef filters)
// and orders them by precedence; a policy kind parses its objects and, at each level of the
// output, receives the policies of its kind attached there. Every hook has a no-op default, so a
// kind overrides only the levels it acts on. Hooks run on the translation thread, one at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "envoy/config/listener/v3/listener_components.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "kgw/sdk/filter_stage.h"
#include "kgw/sdk/ir.h"
#include "kgw/sdk/status.h"

namespace envoy::config::listener::v3 {
class Listener;
}
namespace envoy::config::route::v3 {
class RouteConfiguration;
class VirtualHost;
class Route;
}  // namespace envoy::config::route::v3
namespace envoy::config::cluster::v3 {
class Cluster;
}

namespace kgw::sdk {

struct RouteBackendOutput;

// An HTTP filter a policy needs on a chain, at its stage. The host adds each filter name once per
// chain (the first contribution wins for a name) and sorts the chain by stage.
struct StagedHttpFilter {
  FilterStage stage;
  envoy::extensions::filters::network::http_connection_manager::v3::HttpFilter filter;
};

// A network filter a policy needs on a TCP or TLS chain, or before the HTTP connection manager.
struct StagedNetworkFilter {
  FilterStage stage;
  envoy::config::listener::v3::Filter filter;
};

using HttpConnectionManager = envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;

class PolicyKind {
 public:
  virtual ~PolicyKind() = default;

  // The kind this handles, e.g. {"gateway.kgateway.dev", "TrafficPolicy"}.
  virtual GroupKind group_kind() const noexcept = 0;

  // Validates and parses one policy object. Every problem goes into `diag` with its field path; a
  // policy with errors is reported Accepted=False and does not attach. Non-null when no errors.
  virtual std::shared_ptr<const PluginIr> parse(const Object& policy, const HostApi& host,
                                                Diagnostics& diag) const noexcept = 0;

  // The filters this kind needs on an HTTP filter chain. Called once for the policies attached to
  // the chain (its listeners and Gateway) and once for each route's, each time in precedence
  // order, so a kind can leave out what a higher-precedence policy overrides; the host keeps one
  // filter per name. Filters usually go in disabled here and are enabled or configured per route
  // through typed per-filter config.
  virtual void http_filters(const TranslationContext& ctx, AttachedPolicies policies,
                            std::vector<StagedHttpFilter>& out) const noexcept {}
  // The network filters this kind needs on a chain.
  virtual void network_filters(const TranslationContext& ctx, AttachedPolicies policies,
                               std::vector<StagedNetworkFilter>& out) const noexcept {}

  // Level hooks: `policies` are this kind's policies attached at that level, highest precedence
  // first. The output object is owned by the host and valid during the call.
  virtual void apply_listener(const TranslationContext& ctx, AttachedPolicies policies,
                              envoy::config::listener::v3::Listener& listener) const noexcept {}
  virtual void apply_filter_chain(const TranslationContext& ctx, AttachedPolicies policies,
                                  envoy::config::listener::v3::FilterChain& chain) const noexcept {}
  virtual void apply_http_connection_manager(const TranslationContext& ctx, AttachedPolicies policies,
                                             HttpConnectionManager& hcm) const noexcept {}
  virtual void apply_route_configuration(const TranslationContext& ctx, AttachedPolicies policies,
                                         envoy::config::route::v3::RouteConfiguration& rc) const noexcept {}
  virtual void apply_virtual_host(const TranslationContext& ctx, AttachedPolicies policies,
                                  envoy::config::route::v3::VirtualHost& vhost) const noexcept {}
  virtual void apply_route(const TranslationContext& ctx, AttachedPolicies policies,
                           envoy::config::route::v3::Route& route) const noexcept {}
  virtual void apply_route_backend(const TranslationContext& ctx, AttachedPolicies policies,
                                   RouteBackendOutput& out) const noexcept {}
  // Backend-level policies (BackendConfigPolicy, BackendTLSPolicy-like kinds).
  virtual void apply_cluster(const TranslationContext& ctx, AttachedPolicies policies,
                             envoy::config::cluster::v3::Cluster& cluster) const noexcept {}
};

}  // namespace kgw::sdk
