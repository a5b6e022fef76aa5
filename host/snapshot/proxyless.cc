#include "snapshot/proxyless.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "envoy/extensions/filters/http/rbac/v3/rbac.pb.h"
#include "envoy/extensions/filters/http/router/v3/router.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "snapshot/proxyless_rbac.h"

namespace kgw::snapshot {
namespace {

using envoy::config::route::v3::HeaderMatcher;
using envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;

// How well a route configuration serves proxyless clients: plain text first, then lower ports.
using Rank = std::tuple<bool /*tls*/, uint32_t /*port*/>;

// gRPC applies fault injection in clients and RBAC in servers only.
enum class Side { Client, Server };

// Whether gRPC implements the HTTP filter of this type on `side` (the router on both).
bool grpc_supports(std::string_view type_url, Side side) {
  static constexpr std::string_view kClient[] = {
      "envoy.extensions.filters.http.fault.v3.HTTPFault",
      "envoy.extensions.filters.http.router.v3.Router",
  };
  static constexpr std::string_view kServer[] = {
      "envoy.extensions.filters.http.rbac.v3.RBAC",
      "envoy.extensions.filters.http.rbac.v3.RBACPerRoute",
      "envoy.extensions.filters.http.router.v3.Router",
  };
  const auto slash = type_url.rfind('/');
  const std::string_view type = slash == std::string_view::npos ? type_url : type_url.substr(slash + 1);
  if (side == Side::Client) return std::find(std::begin(kClient), std::end(kClient), type) != std::end(kClient);
  return std::find(std::begin(kServer), std::end(kServer), type) != std::end(kServer);
}

// A per-filter config gRPC can apply on `side`: a supported filter's, or a FilterConfig wrapping one.
bool supported_config(const google::protobuf::Any& config, Side side) {
  if (config.Is<envoy::config::route::v3::FilterConfig>()) {
    envoy::config::route::v3::FilterConfig wrapped;
    return config.UnpackTo(&wrapped) && grpc_supports(wrapped.config().type_url(), side);
  }
  return grpc_supports(config.type_url(), side);
}

struct RouteConfigUse {
  Rank rank;
  HttpConnectionManager hcm;  // of the best-ranked listener using it
};

std::map<std::string, RouteConfigUse> route_configuration_uses(const translator::Output& output) {
  std::map<std::string, RouteConfigUse> ranks;
  for (const auto& listener : output.listeners) {
    const uint32_t port = listener.address().socket_address().port_value();
    for (const auto& chain : listener.filter_chains()) {
      for (const auto& filter : chain.filters()) {
        if (!filter.has_typed_config() || !filter.typed_config().Is<HttpConnectionManager>()) continue;
        HttpConnectionManager hcm;
        if (!filter.typed_config().UnpackTo(&hcm) || !hcm.has_rds()) continue;
        const Rank rank{chain.has_transport_socket(), port};
        const std::string name = hcm.rds().route_config_name();
        auto it = ranks.find(name);
        if (it == ranks.end())
          ranks.emplace(name, RouteConfigUse{rank, std::move(hcm)});
        else if (rank < it->second.rank)
          it->second = RouteConfigUse{rank, std::move(hcm)};
      }
    }
  }
  return ranks;
}

bool is_target_name(const std::string& domain) { return !domain.empty() && domain.find('*') == std::string::npos; }

// The API listener for `host`: the Envoy listener's HTTP filters that gRPC clients implement
// (fault injection), the others marked optional so gRPC skips them instead of rejecting the
// listener, and the router last.
envoy::config::listener::v3::Listener api_listener(const std::string& host, const std::string& route_config,
                                                   const HttpConnectionManager& envoy_hcm) {
  HttpConnectionManager hcm;
  hcm.set_stat_prefix("http");
  auto* rds = hcm.mutable_rds();
  rds->set_route_config_name(route_config);
  rds->mutable_config_source()->mutable_ads();
  rds->mutable_config_source()->set_resource_api_version(envoy::config::core::v3::V3);
  for (const auto& filter : envoy_hcm.http_filters()) {
    if (filter.typed_config().Is<envoy::extensions::filters::http::router::v3::Router>()) continue;
    auto* copy = hcm.add_http_filters();
    *copy = filter;
    if (!grpc_supports(filter.typed_config().type_url(), Side::Client)) {
      copy->set_is_optional(true);
    } else if (filter.typed_config().type_url().ends_with("HTTPFault")) {
      // An empty fault filter injects nothing by itself; enabled, its per-route configs apply in
      // gRPC releases that do not know `disabled`.
      copy->clear_disabled();
    }
  }
  auto* router = hcm.add_http_filters();
  router->set_name("envoy.filters.http.router");
  router->mutable_typed_config()->PackFrom(envoy::extensions::filters::http::router::v3::Router());
  envoy::config::listener::v3::Listener listener;
  listener.set_name(host);
  listener.mutable_api_listener()->mutable_api_listener()->PackFrom(hcm);
  return listener;
}

// Rewrites one matcher to its older form; false when it has none. The older fields are deprecated
// in Envoy's API, and using them is the point here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
bool to_older_form(HeaderMatcher& matcher) {
  if (matcher.header_match_specifier_case() != HeaderMatcher::kStringMatch) return false;
  auto string_match = matcher.string_match();
  if (string_match.ignore_case()) return false;
  switch (string_match.match_pattern_case()) {
    case envoy::type::matcher::v3::StringMatcher::kExact:
      matcher.set_exact_match(string_match.exact());
      return true;
    case envoy::type::matcher::v3::StringMatcher::kPrefix:
      matcher.set_prefix_match(string_match.prefix());
      return true;
    case envoy::type::matcher::v3::StringMatcher::kSuffix:
      matcher.set_suffix_match(string_match.suffix());
      return true;
    case envoy::type::matcher::v3::StringMatcher::kContains:
      matcher.set_contains_match(string_match.contains());
      return true;
    case envoy::type::matcher::v3::StringMatcher::kSafeRegex:
      *matcher.mutable_safe_regex_match() = string_match.safe_regex();
      return true;
    default:
      return false;
  }
}
#pragma GCC diagnostic pop

// The route configuration as a gRPC server applies it: every route that forwards answers in the
// server itself (non_forwarding_action), header matchers in their older forms, and only the
// per-filter configs of filters gRPC servers implement, RBAC in its `rules` form.
envoy::config::route::v3::RouteConfiguration server_route_configuration(
    const envoy::config::route::v3::RouteConfiguration& envoy_route) {
  envoy::config::route::v3::RouteConfiguration route = envoy_route;
  auto server_configs = [](auto& configs) {
    for (auto it = configs.begin(); it != configs.end();) {
      if (!supported_config(it->second, Side::Server)) {
        it = configs.erase(it);
        continue;
      }
      envoy::extensions::filters::http::rbac::v3::RBACPerRoute rbac;
      if (it->second.template Is<envoy::extensions::filters::http::rbac::v3::RBACPerRoute>() &&
          it->second.UnpackTo(&rbac))
        it->second.PackFrom(grpc_rbac(rbac));
      ++it;
    }
  };
  for (auto& vhost : *route.mutable_virtual_hosts()) {
    for (const auto& [name, config] : route.typed_per_filter_config())
      vhost.mutable_typed_per_filter_config()->insert({name, config});
    server_configs(*vhost.mutable_typed_per_filter_config());
    for (auto& r : *vhost.mutable_routes()) {
      server_configs(*r.mutable_typed_per_filter_config());
      if (r.has_route()) r.mutable_non_forwarding_action();
      for (auto& header : *r.mutable_match()->mutable_headers()) to_older_form(header);
    }
  }
  route.clear_typed_per_filter_config();
  return route;
}

// The server listener for `address` and `port`: the plain-text HTTP chain's filters that gRPC
// servers implement, the router last, and the route configuration inline.
envoy::config::listener::v3::Listener server_listener(const std::string& address, uint32_t port,
                                                      const HttpConnectionManager& envoy_hcm,
                                                      const envoy::config::route::v3::RouteConfiguration& route) {
  HttpConnectionManager hcm;
  hcm.set_stat_prefix("http");
  *hcm.mutable_route_config() = server_route_configuration(route);
  for (const auto& filter : envoy_hcm.http_filters()) {
    if (filter.typed_config().Is<envoy::extensions::filters::http::router::v3::Router>()) continue;
    if (grpc_supports(filter.typed_config().type_url(), Side::Server)) *hcm.add_http_filters() = filter;
  }
  auto* router = hcm.add_http_filters();
  router->set_name("envoy.filters.http.router");
  router->mutable_typed_config()->PackFrom(envoy::extensions::filters::http::router::v3::Router());
  envoy::config::listener::v3::Listener listener;
  const std::string host = address.find(':') == std::string::npos ? address : "[" + address + "]";
  listener.set_name(kServerListenerPrefix + host + ":" + std::to_string(port));
  auto* socket = listener.mutable_address()->mutable_socket_address();
  socket->set_address(address);
  socket->set_port_value(port);
  auto* chain = listener.add_filter_chains();
  chain->set_name("http");
  auto* filter = chain->add_filters();
  filter->set_name("envoy.filters.network.http_connection_manager");
  filter->mutable_typed_config()->PackFrom(hcm);
  return listener;
}

}  // namespace

std::vector<envoy::config::listener::v3::Listener> server_listeners(const translator::Output& output) {
  std::map<std::string, const envoy::config::route::v3::RouteConfiguration*> routes;
  for (const auto& route : output.routes) routes[route.name()] = &route;
  std::vector<envoy::config::listener::v3::Listener> listeners;
  for (const auto& listener : output.listeners) {
    const uint32_t port = listener.address().socket_address().port_value();
    for (const auto& chain : listener.filter_chains()) {
      if (chain.has_transport_socket() || chain.filters_size() != 1) continue;
      const auto& filter = chain.filters(0);
      HttpConnectionManager hcm;
      if (!filter.typed_config().Is<HttpConnectionManager>() || !filter.typed_config().UnpackTo(&hcm) || !hcm.has_rds())
        continue;
      auto route = routes.find(hcm.rds().route_config_name());
      if (route == routes.end()) continue;
      for (const char* address : {"0.0.0.0", "::"})
        listeners.push_back(server_listener(address, port, hcm, *route->second));
      break;  // one plain-text chain per port
    }
  }
  return listeners;
}

std::vector<envoy::config::listener::v3::Listener> api_listeners(const translator::Output& output) {
  const auto uses = route_configuration_uses(output);
  std::map<std::string, std::pair<Rank, std::string>> best;  // host -> (rank, route configuration)
  for (const auto& route : output.routes) {
    const auto use = uses.find(route.name());
    if (use == uses.end()) continue;  // not used by any listener
    for (const auto& vhost : route.virtual_hosts()) {
      for (const auto& domain : vhost.domains()) {
        if (!is_target_name(domain)) continue;
        auto candidate = std::make_pair(use->second.rank, route.name());
        auto [it, added] = best.emplace(domain, candidate);
        if (!added && candidate < it->second) it->second = candidate;
      }
    }
  }
  std::vector<envoy::config::listener::v3::Listener> listeners;
  listeners.reserve(best.size());
  for (const auto& [host, choice] : best)
    listeners.push_back(api_listener(host, choice.second, uses.at(choice.second).hcm));
  return listeners;
}

std::optional<envoy::config::route::v3::RouteConfiguration> proxyless_route_configuration(
    const envoy::config::route::v3::RouteConfiguration& route, const std::set<std::string, std::less<>>& clusters) {
  std::optional<envoy::config::route::v3::RouteConfiguration> out;
  auto writable = [&]() -> envoy::config::route::v3::RouteConfiguration& {
    if (!out) out = route;
    return *out;
  };
  // gRPC reads per-filter configs of virtual hosts, routes and weighted clusters only (not of the
  // route configuration), and rejects configs of filters it does not implement.
  if (!route.typed_per_filter_config().empty()) {
    auto& rc = writable();
    for (auto& vhost : *rc.mutable_virtual_hosts())
      for (const auto& [name, config] : route.typed_per_filter_config())
        vhost.mutable_typed_per_filter_config()->insert({name, config});  // the virtual host's own wins
    rc.clear_typed_per_filter_config();
  }
  auto has_unsupported = [](const auto& configs) {
    return std::any_of(configs.begin(), configs.end(),
                       [](const auto& entry) { return !supported_config(entry.second, Side::Client); });
  };
  auto drop_unsupported = [](auto& configs) {
    for (auto it = configs.begin(); it != configs.end();)
      it = supported_config(it->second, Side::Client) ? std::next(it) : configs.erase(it);
  };
  for (int v = 0; v < route.virtual_hosts_size(); ++v) {
    if (has_unsupported((out ? *out : route).virtual_hosts(v).typed_per_filter_config()))
      drop_unsupported(*writable().mutable_virtual_hosts(v)->mutable_typed_per_filter_config());
    const auto& vhost = route.virtual_hosts(v);
    for (int r = 0; r < vhost.routes_size(); ++r) {
      if (has_unsupported(vhost.routes(r).typed_per_filter_config()))
        drop_unsupported(*writable().mutable_virtual_hosts(v)->mutable_routes(r)->mutable_typed_per_filter_config());
      const auto& action = vhost.routes(r).route();
      if (vhost.routes(r).has_route() &&
          action.cluster_specifier_case() == envoy::config::route::v3::RouteAction::kCluster &&
          !clusters.contains(action.cluster())) {
        if (!out) out = route;
        out->mutable_virtual_hosts(v)->mutable_routes(r)->mutable_route()->set_cluster(kUnavailableCluster);
      }
      const auto& headers = vhost.routes(r).match().headers();
      for (int h = 0; h < headers.size(); ++h) {
        HeaderMatcher matcher = headers[h];
        if (!to_older_form(matcher)) continue;
        if (!out) out = route;
        *out->mutable_virtual_hosts(v)->mutable_routes(r)->mutable_match()->mutable_headers(h) = std::move(matcher);
      }
    }
  }
  return out;
}

std::optional<envoy::config::endpoint::v3::ClusterLoadAssignment> proxyless_load_assignment(
    const envoy::config::endpoint::v3::ClusterLoadAssignment& assignment) {
  std::optional<envoy::config::endpoint::v3::ClusterLoadAssignment> out;
  for (int i = 0; i < assignment.endpoints_size(); ++i) {
    const auto& locality = assignment.endpoints(i);
    if (locality.has_locality() && locality.has_load_balancing_weight()) continue;
    if (!out) out = assignment;
    auto* fixed = out->mutable_endpoints(i);
    fixed->mutable_locality();
    if (!fixed->has_load_balancing_weight()) fixed->mutable_load_balancing_weight()->set_value(1);
  }
  return out;
}

bool uses_unavailable_cluster(const envoy::config::route::v3::RouteConfiguration& route) {
  for (const auto& vhost : route.virtual_hosts())
    for (const auto& r : vhost.routes())
      if (r.has_route() && r.route().cluster() == kUnavailableCluster) return true;
  return false;
}

envoy::config::cluster::v3::Cluster unavailable_cluster() {
  envoy::config::cluster::v3::Cluster cluster;
  cluster.set_name(kUnavailableCluster);
  cluster.set_type(envoy::config::cluster::v3::Cluster::EDS);
  cluster.mutable_connect_timeout()->set_seconds(5);
  auto* eds = cluster.mutable_eds_cluster_config()->mutable_eds_config();
  eds->mutable_ads();
  eds->set_resource_api_version(envoy::config::core::v3::V3);
  return cluster;
}

}  // namespace kgw::snapshot
