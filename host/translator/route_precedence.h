// Which hostnames a route serves on a listener, and the order of routes within a virtual host.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/gateway_api.h"

namespace kgw::translator {

// Gateway API hostname matching: "*.example.com" covers one or more labels left of
// ".example.com"; any other pattern covers only itself.
bool hostname_covers(const std::string& pattern, const std::string& host);

// The hostnames a route serves on a listener: the intersection of the listener's hostname and
// the route's hostnames ("*" when neither has any); empty when they do not intersect.
std::vector<std::string> effective_hostnames(const std::optional<std::string>& listener,
                                             const std::vector<std::string>& route);

// One match of one rule of a route, as it becomes one Envoy route.
struct RouteEntry {
  const model::HttpRoute* route;
  size_t rule;
  size_t match;
};

// Gateway API precedence: exact paths, then regular expressions, then prefixes (longer first
// for exact and prefix), then method, header and query matches, then the older route, then
// namespace/name, then rule and match order.
bool precedes(const RouteEntry& a, const RouteEntry& b);

}  // namespace kgw::translator
