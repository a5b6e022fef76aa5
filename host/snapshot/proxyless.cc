#include "snapshot/proxyless.h"

#include <map>
#include <tuple>

#include "envoy/extensions/filters/http/router/v3/router.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"

namespace kgw::snapshot {
namespace {

using envoy::config::route::v3::HeaderMatcher;
using envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;

// How well a route configuration serves proxyless clients: plain text first, then lower ports.
using Rank = std::tuple<bool /*tls*/, uint32_t /*port*/>;

std::map<std::string, Rank> route_configuration_ranks(const translator::Output& output) {
  std::map<std::string, Rank> ranks;
  for (const auto& listener : output.listeners) {
    const uint32_t port = listener.address().socket_address().port_value();
    for (const auto& chain : listener.filter_chains()) {
      for (const auto& filter : chain.filters()) {
        if (!filter.has_typed_config() || !filter.typed_config().Is<HttpConnectionManager>()) continue;
        HttpConnectionManager hcm;
        if (!filter.typed_config().UnpackTo(&hcm) || !hcm.has_rds()) continue;
        const Rank rank{chain.has_transport_socket(), port};
        auto [it, added] = ranks.emplace(hcm.rds().route_config_name(), rank);
        if (!added && rank < it->second) it->second = rank;
      }
    }
  }
  return ranks;
}

bool is_target_name(const std::string& domain) { return !domain.empty() && domain.find('*') == std::string::npos; }

envoy::config::listener::v3::Listener api_listener(const std::string& host, const std::string& route_config) {
  HttpConnectionManager hcm;
  hcm.set_stat_prefix("http");
  auto* rds = hcm.mutable_rds();
  rds->set_route_config_name(route_config);
  rds->mutable_config_source()->mutable_ads();
  rds->mutable_config_source()->set_resource_api_version(envoy::config::core::v3::V3);
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

}  // namespace

std::vector<envoy::config::listener::v3::Listener> api_listeners(const translator::Output& output) {
  const auto ranks = route_configuration_ranks(output);
  std::map<std::string, std::pair<Rank, std::string>> best;  // host -> (rank, route configuration)
  for (const auto& route : output.routes) {
    const auto rank_it = ranks.find(route.name());
    if (rank_it == ranks.end()) continue;  // not used by any listener
    for (const auto& vhost : route.virtual_hosts()) {
      for (const auto& domain : vhost.domains()) {
        if (!is_target_name(domain)) continue;
        auto candidate = std::make_pair(rank_it->second, route.name());
        auto [it, added] = best.emplace(domain, candidate);
        if (!added && candidate < it->second) it->second = candidate;
      }
    }
  }
  std::vector<envoy::config::listener::v3::Listener> listeners;
  listeners.reserve(best.size());
  for (const auto& [host, choice] : best) listeners.push_back(api_listener(host, choice.second));
  return listeners;
}

std::optional<envoy::config::route::v3::RouteConfiguration> proxyless_route_configuration(
    const envoy::config::route::v3::RouteConfiguration& route, const std::set<std::string, std::less<>>& clusters) {
  std::optional<envoy::config::route::v3::RouteConfiguration> out;
  for (int v = 0; v < route.virtual_hosts_size(); ++v) {
    const auto& vhost = route.virtual_hosts(v);
    for (int r = 0; r < vhost.routes_size(); ++r) {
      const auto& action = vhost.routes(r).route();
      if (vhost.routes(r).has_route() &&
          action.cluster_specifier_case() == envoy::config::route::v3::RouteAction::kCluster &&
          !clusters.contains(action.cluster())) {
        if (!out) out = route;
        out->mutable_virtual_hosts(v)->mutable_routes(r)->mutable_direct_response()->set_status(500);
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

}  // namespace kgw::snapshot
