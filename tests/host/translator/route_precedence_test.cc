#include "translator/route_precedence.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace kgw::translator {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(HostnameCovers, ExactAndWildcard) {
  EXPECT_TRUE(hostname_covers("example.com", "example.com"));
  EXPECT_FALSE(hostname_covers("example.com", "foo.example.com"));
  EXPECT_TRUE(hostname_covers("*.example.com", "foo.example.com"));
  EXPECT_TRUE(hostname_covers("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(hostname_covers("*.example.com", "example.com"));
  EXPECT_FALSE(hostname_covers("*.example.com", "fooexample.com"));
}

TEST(EffectiveHostnames, Intersection) {
  EXPECT_THAT(effective_hostnames(std::nullopt, {}), ElementsAre("*"));
  EXPECT_THAT(effective_hostnames(std::string("a.com"), {}), ElementsAre("a.com"));
  EXPECT_THAT(effective_hostnames(std::nullopt, {"a.com", "b.com"}), ElementsAre("a.com", "b.com"));
  EXPECT_THAT(effective_hostnames(std::string("*.example.com"), {"foo.example.com", "other.com"}),
              ElementsAre("foo.example.com"));
  // A route wildcard narrower than the listener's name: the listener's name is served.
  EXPECT_THAT(effective_hostnames(std::string("foo.example.com"), {"*.example.com"}), ElementsAre("foo.example.com"));
  EXPECT_THAT(effective_hostnames(std::string("a.com"), {"b.com"}), IsEmpty());
}

model::HttpRoute route(std::string name, int64_t created, std::vector<model::PathMatch> paths) {
  model::HttpRoute r;
  r.ref = {model::kGatewayGroup, "HTTPRoute", "default", std::move(name)};
  r.creation_timestamp = created;
  for (auto& p : paths) {
    model::HttpRouteRule rule;
    rule.matches.push_back({p, {}, {}, std::nullopt});
    r.rules.push_back(std::move(rule));
  }
  return r;
}

std::vector<std::string> sorted(const std::vector<model::HttpRoute>& routes) {
  std::vector<RouteEntry> entries;
  for (const auto& r : routes)
    for (size_t i = 0; i < r.rules.size(); ++i) entries.push_back({&r, i, 0});
  std::stable_sort(entries.begin(), entries.end(), precedes);
  std::vector<std::string> out;
  for (const auto& e : entries) {
    const auto& p = e.route->rules[e.rule].matches[0].path;
    out.push_back(e.route->ref.name + ":" + p.type + ":" + p.value);
  }
  return out;
}

TEST(RoutePrecedence, ExactThenRegexThenLongestPrefixThenOlderRoute) {
  std::vector<model::HttpRoute> routes = {
      route("r1", 1, {{"PathPrefix", "/a"}, {"PathPrefix", "/a/1"}, {"RegularExpression", "/a/.*"}, {"Exact", "/a/1"}}),
      route("r2", 2, {{"PathPrefix", "/x/1"}, {"Exact", "/x/1/2"}, {"RegularExpression", "/x/.*"}}),
  };
  EXPECT_THAT(sorted(routes), ElementsAre("r2:Exact:/x/1/2", "r1:Exact:/a/1", "r1:RegularExpression:/a/.*",
                                          "r2:RegularExpression:/x/.*", "r1:PathPrefix:/a/1", "r2:PathPrefix:/x/1",
                                          "r1:PathPrefix:/a"));
}

TEST(RoutePrecedence, MoreHeaderMatchesWinOverFewer) {
  model::HttpRoute a = route("a", 1, {{"PathPrefix", "/"}});
  model::HttpRoute b = route("b", 2, {{"PathPrefix", "/"}});
  b.rules[0].matches[0].headers.push_back({"Exact", "env", "canary"});
  EXPECT_TRUE(precedes({&b, 0, 0}, {&a, 0, 0}));
  EXPECT_FALSE(precedes({&a, 0, 0}, {&b, 0, 0}));
}

}  // namespace
}  // namespace kgw::translator
