#include "translator/route_precedence.h"

namespace kgw::translator {

bool hostname_covers(const std::string& pattern, const std::string& host) {
  if (pattern == host) return true;
  if (pattern.rfind("*.", 0) == 0) {
    const std::string suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return false;
}

std::vector<std::string> effective_hostnames(const std::optional<std::string>& listener,
                                             const std::vector<std::string>& route) {
  if (route.empty()) return {listener.value_or("*")};
  if (!listener) return route;
  std::vector<std::string> out;
  for (const auto& h : route) {
    if (hostname_covers(*listener, h))
      out.push_back(h);
    else if (hostname_covers(h, *listener))
      out.push_back(*listener);
  }
  return out;
}

bool precedes(const RouteEntry& a, const RouteEntry& b) {
  const auto& ma = a.route->rules[a.rule].matches[a.match];
  const auto& mb = b.route->rules[b.rule].matches[b.match];
  auto rank = [](const std::string& t) { return t == "Exact" ? 0 : t == "RegularExpression" ? 1 : 2; };
  if (rank(ma.path.type) != rank(mb.path.type)) return rank(ma.path.type) < rank(mb.path.type);
  if (ma.path.type != "RegularExpression" && ma.path.value.size() != mb.path.value.size())
    return ma.path.value.size() > mb.path.value.size();
  if (ma.method.has_value() != mb.method.has_value()) return ma.method.has_value();
  if (ma.headers.size() != mb.headers.size()) return ma.headers.size() > mb.headers.size();
  if (ma.query_params.size() != mb.query_params.size()) return ma.query_params.size() > mb.query_params.size();
  if (a.route->creation_timestamp != b.route->creation_timestamp)
    return a.route->creation_timestamp < b.route->creation_timestamp;
  if (a.route->ref.ns != b.route->ref.ns) return a.route->ref.ns < b.route->ref.ns;
  if (a.route->ref.name != b.route->ref.name) return a.route->ref.name < b.route->ref.name;
  if (a.rule != b.rule) return a.rule < b.rule;
  return a.match < b.match;
}

}  // namespace kgw::translator
