#include "translator/golden_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "envoy/extensions/filters/http/router/v3/router.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"

namespace kgw::translator {
namespace {

using sdk::Value;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Hcm = envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;

Hcm make_hcm() {
  Hcm hcm;
  hcm.set_stat_prefix("http");
  hcm.mutable_use_remote_address()->set_value(true);
  hcm.set_merge_slashes(true);
  auto* rds = hcm.mutable_rds();
  rds->set_route_config_name("listener~8080");
  rds->mutable_config_source()->mutable_ads();
  rds->mutable_config_source()->set_resource_api_version(envoy::config::core::v3::V3);
  auto* router = hcm.add_http_filters();
  router->set_name("envoy.filters.http.router");
  router->mutable_typed_config()->PackFrom(envoy::extensions::filters::http::router::v3::Router());
  return hcm;
}

envoy::config::listener::v3::Listener make_listener(const Hcm& hcm) {
  envoy::config::listener::v3::Listener l;
  l.set_name("listener~8080");
  auto* sa = l.mutable_address()->mutable_socket_address();
  sa->set_address("::");
  sa->set_port_value(8080);
  sa->set_ipv4_compat(true);
  auto* chain = l.add_filter_chains();
  chain->set_name("listener~8080");
  auto* f = chain->add_filters();
  f->set_name("envoy.filters.network.http_connection_manager");
  f->mutable_typed_config()->PackFrom(hcm);
  return l;
}

Value condition(const char* type, const char* status, const char* reason, const char* message) {
  return Value(Value::Map{{"lastTransitionTime", Value()},
                          {"message", Value(message)},
                          {"reason", Value(reason)},
                          {"status", Value(status)},
                          {"type", Value(type)}});
}

Output make_output() {
  Output out;
  auto& c = out.clusters.emplace_back();
  c.set_name("kube_default_svc_80");
  c.mutable_connect_timeout()->set_seconds(5);
  c.set_type(envoy::config::cluster::v3::Cluster::EDS);
  c.mutable_eds_cluster_config()->mutable_eds_config()->mutable_ads();
  c.mutable_per_connection_buffer_limit_bytes()->set_value(0);  // set to zero: presence matters
  auto& x = out.extra_clusters.emplace_back();
  x.set_name("extra");
  x.mutable_connect_timeout()->set_nanos(250000000);
  out.listeners.push_back(make_listener(make_hcm()));
  auto& r = out.routes.emplace_back();
  r.set_name("listener~8080");
  r.set_ignore_port_in_host_matching(true);
  auto* vh = r.add_virtual_hosts();
  vh->set_name("listener~8080~example_com");
  vh->add_domains("example.com");
  vh->add_domains("*.example.com");
  auto* route = vh->add_routes();
  route->mutable_match()->set_prefix("/");
  route->mutable_route()->set_cluster("kube_default_svc_80");
  (*route->mutable_typed_per_filter_config())["envoy.filters.http.router"].PackFrom(
      envoy::extensions::filters::http::router::v3::Router());
  auto& e = out.endpoints.emplace_back();
  e.set_cluster_name("kube_default_svc_80");
  auto* lb = e.add_endpoints()->add_lb_endpoints();
  lb->mutable_endpoint()->mutable_address()->mutable_socket_address()->set_address("10.0.0.1");
  lb->mutable_endpoint()->mutable_address()->mutable_socket_address()->set_port_value(8080);

  Value gw(Value::Map{});
  gw.set("conditions", Value(Value::List{condition("Accepted", "True", "Accepted", "Successfully accepted Gateway"),
                                         condition("Programmed", "False", "Invalid", "multi\nline: message")}));
  gw.set("listeners", Value(Value::List{Value(Value::Map{{"attachedRoutes", Value(0)}, {"name", Value("http")}})}));
  out.statuses["gateways"]["default/example-gateway"] = gw;
  // Strings a YAML reader would otherwise type as something else, or that need quoting.
  Value tricky(Value::Map{});
  for (const char* s :
       {"True",  "false", "null",   "~",           "",          "123",      "-1.5",        "1e3", "0x1F",
        "0o17",  ".inf",  "yes",    "off",         "10:30",     " lead",    "trail ",      "::",  "@at",
        "a: b",  "#hash", "- dash", "caf\xc3\xa9", "tab\there", "quote\"s", "back\\slash", "[x]", "{y}",
        "*star", "&amp",  "!bang",  "%pct",        "|pipe",     ">gt"})
    tricky.set(std::string("k") + std::to_string(tricky.as_map()->size()), Value(s));
  tricky.set("int", Value(int64_t{-42}));
  tricky.set("big", Value(int64_t{9007199254740993}));
  tricky.set("double", Value(0.1));
  tricky.set("whole", Value(2.0));
  tricky.set("bool", Value(true));
  tricky.set("null", Value());
  tricky.set("empty list", Value(Value::List{}));
  tricky.set("empty map", Value(Value::Map{}));
  out.statuses["policies"]["TrafficPolicy/default/tp"] = tricky;
  return out;
}

Output parse_ok(const std::string& text) {
  std::vector<std::string> errors;
  Output out = parse_golden(text, errors);
  EXPECT_THAT(errors, IsEmpty()) << text;
  return out;
}

// Compare Value trees by kind as well as value (Value's == already does: Int 2 != Double 2.0).
void expect_same_statuses(const Output& a, const Output& b) {
  ASSERT_EQ(a.statuses.size(), b.statuses.size());
  for (const auto& [section, objects] : a.statuses) {
    auto it = b.statuses.find(section);
    ASSERT_NE(it, b.statuses.end()) << section;
    ASSERT_EQ(objects.size(), it->second.size()) << section;
    for (const auto& [key, value] : objects) {
      auto found = it->second.find(key);
      ASSERT_NE(found, it->second.end()) << key;
      // Key order may change (rendering sorts); compare entry by entry.
      ASSERT_TRUE(value->is_map());
      for (const auto& [k, v] : *value->as_map()) {
        const Value* other = found->second->find(k);
        ASSERT_NE(other, nullptr) << key << "." << k;
        EXPECT_TRUE(v == *other) << key << "." << k << " kind " << v.kind_name() << " vs " << other->kind_name();
      }
    }
  }
}

TEST(GoldenRender, RoundTripYaml) {
  Output out = make_output();
  std::string text = render_golden(out, Format::Yaml);
  Output back = parse_ok(text);
  EXPECT_THAT(compare_golden(back, out), IsEmpty()) << text;
  expect_same_statuses(out, back);
  EXPECT_EQ(render_golden(back, Format::Yaml), text);  // deterministic, and a fixed point
}

TEST(GoldenRender, RoundTripJson) {
  Output out = make_output();
  std::string text = render_golden(out, Format::Json);
  EXPECT_EQ(text.front(), '{');
  Output back = parse_ok(text);
  EXPECT_THAT(compare_golden(back, out), IsEmpty()) << text;
  expect_same_statuses(out, back);
  EXPECT_EQ(render_golden(back, Format::Json), text);
}

TEST(GoldenRender, LooksLikeTheReferenceGoldens) {
  std::string text = render_golden(make_output(), Format::Yaml);
  EXPECT_THAT(text, HasSubstr("Clusters:\n"));
  EXPECT_THAT(text, HasSubstr("connectTimeout: 5s"));
  EXPECT_THAT(text, HasSubstr("\"@type\": type.googleapis.com/envoy.extensions.filters.network."
                              "http_connection_manager.v3.HttpConnectionManager"));
  EXPECT_THAT(text, HasSubstr("ads: {}"));
  EXPECT_THAT(text, HasSubstr("address: \"::\""));
  EXPECT_THAT(text, HasSubstr("status: \"True\""));
  EXPECT_THAT(text, HasSubstr("lastTransitionTime: null"));
  EXPECT_THAT(text, HasSubstr("resourceApiVersion: V3"));
  // Top-level keys in sorted order, each once.
  std::vector<size_t> at;
  for (const char* key : {"Clusters:", "Endpoints:", "ExtraClusters:", "Listeners:", "Routes:", "Statuses:"}) {
    at.push_back(text.rfind(key, 0) == 0 ? 0 : text.find(std::string("\n") + key));
    EXPECT_NE(at.back(), std::string::npos) << key;
  }
  EXPECT_TRUE(std::is_sorted(at.begin(), at.end())) << text;
}

TEST(GoldenRender, EmptySectionsAreLeftOut) {
  EXPECT_EQ(render_golden(Output{}, Format::Yaml), "{}\n");
  EXPECT_EQ(render_golden(Output{}, Format::Json), "{}\n");
  Output only;
  only.clusters.emplace_back().set_name("c");
  only.statuses["gateways"];  // an empty section is not rendered
  std::string text = render_golden(only, Format::Yaml);
  EXPECT_EQ(text, "Clusters:\n  - name: c\n");
}

TEST(GoldenParse, ReadsAReferenceStyleDocument) {
  const char* text = R"(Clusters:
- connectTimeout: 5s
  name: test-backend-plugin_default_example-svc_80
Listeners:
- address:
    socketAddress:
      address: '::'
      ipv4Compat: true
      portValue: 8080
  name: listener~8080
Routes:
- ignorePortInHostMatching: true
  name: listener~8080
Statuses:
  gateways:
    default/example-gateway:
      conditions:
      - lastTransitionTime: null
        message: 'Some listeners: are not
          programmed'
        reason: ListenersNotValid
        status: "True"
        type: Accepted
      listeners:
      - attachedRoutes: 0
        name: http
)";
  Output out = parse_ok(text);
  ASSERT_EQ(out.clusters.size(), 1u);
  EXPECT_EQ(out.clusters[0].connect_timeout().seconds(), 5);
  ASSERT_EQ(out.listeners.size(), 1u);
  EXPECT_EQ(out.listeners[0].address().socket_address().address(), "::");
  EXPECT_TRUE(out.listeners[0].address().socket_address().ipv4_compat());
  EXPECT_EQ(out.listeners[0].address().socket_address().port_value(), 8080u);
  ASSERT_EQ(out.routes.size(), 1u);
  const Value& gw = out.statuses["gateways"]["default/example-gateway"];
  const Value& cond = (*gw.find("conditions")->as_list())[0];
  EXPECT_TRUE(*cond.find("status") == Value("True"));  // quoted: a string, not a boolean
  EXPECT_TRUE(cond.find("lastTransitionTime")->is_null());
  EXPECT_TRUE(*cond.find("message") == Value("Some listeners: are not programmed"));
  EXPECT_TRUE(*(*gw.find("listeners")->as_list())[0].find("attachedRoutes") == Value(0));
}

TEST(GoldenParse, ReportsBadResourcesByName) {
  const char* text = R"(Clusters:
- name: good
- name: bad
  connectTimeoutt: 5s
Listeners:
- name: l1
  filterChains:
  - filters:
    - name: hcm
      typedConfig:
        '@type': type.googleapis.com/no.such.Type
- name: l2
  address: 12
Routes:
- virtualHosts: [1]
)";
  std::vector<std::string> errors;
  Output out = parse_golden(text, errors);
  ASSERT_EQ(errors.size(), 4u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("Clusters[bad]: "));
  EXPECT_THAT(errors[0], HasSubstr("connectTimeoutt"));
  EXPECT_THAT(errors[1], HasSubstr("Listeners[l1]: "));
  EXPECT_THAT(errors[1], HasSubstr("no.such.Type"));
  EXPECT_THAT(errors[2], HasSubstr("Listeners[l2]: "));
  EXPECT_THAT(errors[3], HasSubstr("Routes[#0]: "));
  ASSERT_EQ(out.clusters.size(), 1u);  // the good one is kept
  EXPECT_EQ(out.clusters[0].name(), "good");
  EXPECT_THAT(out.listeners, IsEmpty());
}

TEST(GoldenParse, ReportsSyntaxAndStructureErrors) {
  std::vector<std::string> errors;
  parse_golden("Clusters: [\n", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("line "));
  errors.clear();
  parse_golden("Clusterz: []\nClusters: {}\n", errors);
  EXPECT_THAT(errors,
              ElementsAre(HasSubstr("unknown top-level key 'Clusterz'"), HasSubstr("Clusters: expected a list")));
  errors.clear();
  parse_golden("- a\n", errors);
  EXPECT_THAT(errors, ElementsAre(HasSubstr("expected a mapping")));
  errors.clear();
  EXPECT_THAT(compare_golden(parse_golden("", errors), Output{}), IsEmpty());
  EXPECT_THAT(errors, IsEmpty());
}

// ---- comparison ----

TEST(GoldenCompare, EqualOutputsHaveNoDifferences) {
  EXPECT_THAT(compare_golden(make_output(), make_output()), IsEmpty());
  EXPECT_THAT(compare_golden(Output{}, Output{}), IsEmpty());
}

TEST(GoldenCompare, ChangedFieldInsideAnyHasAPath) {
  Output expected = make_output();
  Output actual = make_output();
  Hcm hcm = make_hcm();
  hcm.set_stat_prefix("https");
  actual.listeners[0] = make_listener(hcm);
  EXPECT_THAT(compare_golden(actual, expected),
              ElementsAre("Listeners[listener~8080]: modified: filter_chains[0].filters[0].typed_config.stat_prefix: "
                          "\"http\" -> \"https\""));
}

TEST(GoldenCompare, ChangedScalarAndPresence) {
  Output expected = make_output();
  Output actual = make_output();
  actual.listeners[0].mutable_address()->mutable_socket_address()->set_port_value(8443);
  actual.clusters[0].clear_per_connection_buffer_limit_bytes();
  EXPECT_THAT(compare_golden(actual, expected),
              ElementsAre("Clusters[kube_default_svc_80]: missing: per_connection_buffer_limit_bytes: 0",
                          "Listeners[listener~8080]: modified: address.socket_address.port_value: 8080 -> 8443"));
}

TEST(GoldenCompare, EmptyMessageDiffersFromUnset) {
  Output expected = make_output();
  Output actual = make_output();
  actual.clusters[0].mutable_eds_cluster_config()->mutable_eds_config()->clear_ads();
  EXPECT_THAT(compare_golden(actual, expected),
              ElementsAre("Clusters[kube_default_svc_80]: missing: eds_cluster_config.eds_config.ads: {}"));
}

TEST(GoldenCompare, MissingAndUnexpectedResources) {
  Output expected = make_output();
  Output actual = make_output();
  actual.clusters.clear();
  actual.extra_clusters[0].set_name("other");
  expected.endpoints.clear();
  EXPECT_THAT(compare_golden(actual, expected),
              ElementsAre("Clusters[kube_default_svc_80]: missing", "Endpoints[kube_default_svc_80]: unexpected",
                          "ExtraClusters[extra]: missing", "ExtraClusters[other]: unexpected"));
}

TEST(GoldenCompare, ResourceOrderDoesNotMatterButRepeatedFieldOrderDoes) {
  Output expected = make_output();
  expected.clusters.emplace_back().set_name("a_first");
  Output actual = make_output();
  actual.clusters.insert(actual.clusters.begin(), expected.clusters.back());
  EXPECT_THAT(compare_golden(actual, expected), IsEmpty());

  auto* domains = actual.routes[0].mutable_virtual_hosts(0)->mutable_domains();
  std::swap(*domains->Mutable(0), *domains->Mutable(1));
  EXPECT_THAT(compare_golden(actual, expected),
              ElementsAre("Routes[listener~8080]: modified: virtual_hosts[0].domains[0]: \"example.com\" -> "
                          "\"*.example.com\"",
                          "Routes[listener~8080]: modified: virtual_hosts[0].domains[1]: \"*.example.com\" -> "
                          "\"example.com\""));
}

TEST(GoldenCompare, ExtraAndMissingRepeatedElements) {
  Output expected = make_output();
  Output actual = make_output();
  actual.routes[0].mutable_virtual_hosts(0)->add_domains("third.example.com");
  expected.listeners[0].mutable_filter_chains(0)->add_filters()->set_name("second");
  auto lines = compare_golden(actual, expected);
  EXPECT_THAT(lines,
              ElementsAre("Listeners[listener~8080]: missing: filter_chains[0].filters[1]: {\"name\":\"second\"}",
                          "Routes[listener~8080]: unexpected: virtual_hosts[0].domains[2]: "
                          "\"third.example.com\""));
}

TEST(GoldenCompare, MapEntriesByKey) {
  Output expected = make_output();
  Output actual = make_output();
  auto& per_filter = *actual.routes[0].mutable_virtual_hosts(0)->mutable_routes(0)->mutable_typed_per_filter_config();
  Hcm hcm;
  hcm.set_stat_prefix("x");
  per_filter["envoy.filters.http.router"].PackFrom(hcm);
  per_filter["another"].PackFrom(envoy::extensions::filters::http::router::v3::Router());
  auto lines = compare_golden(actual, expected);
  ASSERT_EQ(lines.size(), 2u) << ::testing::PrintToString(lines);
  EXPECT_THAT(lines, ::testing::UnorderedElementsAre(
                         HasSubstr("unexpected: virtual_hosts[0].routes[0].typed_per_filter_config[\"another\"]: "),
                         HasSubstr("modified: virtual_hosts[0].routes[0].typed_per_filter_config[\"envoy.filters.http."
                                   "router\"]: {\"@type\":\"type.googleapis.com/envoy.extensions.filters.http.router."
                                   "v3.Router\"} -> {\"@type\":\"type.googleapis.com/envoy.extensions.filters.network."
                                   "http_connection_manager.v3.HttpConnectionManager\",\"statPrefix\":\"x\"}")));
}

TEST(GoldenCompare, AnyComparedByContentNotBytes) {
  Hcm first, second;
  first.set_stat_prefix("http");
  second.mutable_use_remote_address()->set_value(true);
  Hcm whole = first;
  whole.MergeFrom(second);
  // Same content, different bytes: the two halves serialized in either order.
  std::string ab = first.SerializeAsString() + second.SerializeAsString();
  std::string ba = second.SerializeAsString() + first.SerializeAsString();
  ASSERT_NE(ab, ba);
  Output expected, actual;
  auto& le = expected.listeners.emplace_back();
  le.set_name("l");
  auto* any_e = le.add_filter_chains()->add_filters()->mutable_typed_config();
  any_e->set_type_url("type.googleapis.com/" + Hcm::descriptor()->full_name());
  any_e->set_value(ab);
  auto& la = actual.listeners.emplace_back();
  la.set_name("l");
  auto* any_a = la.add_filter_chains()->add_filters()->mutable_typed_config();
  any_a->set_type_url(any_e->type_url());
  any_a->set_value(ba);
  EXPECT_THAT(compare_golden(actual, expected), IsEmpty());

  // And the same HttpConnectionManager packed twice.
  Output twice_a, twice_e;
  twice_a.listeners.push_back(make_listener(whole));
  twice_e.listeners.push_back(make_listener(whole));
  EXPECT_THAT(compare_golden(twice_a, twice_e), IsEmpty());

  // A differing field inside the Any is still found.
  any_a->set_value(first.SerializeAsString());
  EXPECT_THAT(compare_golden(actual, expected),
              ElementsAre("Listeners[l]: missing: filter_chains[0].filters[0].typed_config.use_remote_address: true"));
}

TEST(GoldenCompare, AnyOfAnotherTypeIsReported) {
  Output expected = make_output();
  Output actual = make_output();
  actual.listeners[0].mutable_filter_chains(0)->mutable_filters(0)->mutable_typed_config()->PackFrom(
      envoy::extensions::filters::http::router::v3::Router());
  auto lines = compare_golden(actual, expected);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  EXPECT_THAT(lines[0], HasSubstr("Listeners[listener~8080]: modified: filter_chains[0].filters[0].typed_config: "));
  EXPECT_THAT(lines[0], HasSubstr("HttpConnectionManager"));
  EXPECT_THAT(lines[0],
              HasSubstr("-> {\"@type\":\"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\"}"));
}

// An output holds each status whole: edit a copy of the Gateway's conditions and put it back.
template <typename Edit>
void edit_gateway_conditions(Output& out, Edit edit) {
  auto& slot = out.statuses["gateways"]["default/example-gateway"];
  Value status = slot.get();
  edit(*status.as_map()->at(0).second.as_list());
  slot = std::move(status);
}

TEST(GoldenCompare, StatusConditionChange) {
  Output expected = make_output();
  Output actual = make_output();
  edit_gateway_conditions(actual, [](Value::List& conditions) {
    Value& cond = conditions.at(1);
    cond.set("reason", Value("Programmed"));
    cond.set("status", Value("True"));
    cond.set("lastTransitionTime", Value("2026-01-01T00:00:00Z"));  // ignored
  });
  EXPECT_THAT(compare_golden(actual, expected),
              ElementsAre("Statuses.gateways[default/example-gateway]: modified: conditions[1].reason: \"Invalid\" -> "
                          "\"Programmed\"",
                          "Statuses.gateways[default/example-gateway]: modified: conditions[1].status: \"False\" -> "
                          "\"True\""));
}

TEST(GoldenCompare, StatusConditionOrderAndPresence) {
  Output expected = make_output();
  Output actual = make_output();
  edit_gateway_conditions(actual, [](Value::List& conditions) { std::swap(conditions[0], conditions[1]); });
  EXPECT_THAT(compare_golden(actual, expected),
              ::testing::Contains("Statuses.gateways[default/example-gateway]: modified: conditions[0].type: "
                                  "\"Accepted\" -> \"Programmed\""));

  actual = make_output();
  edit_gateway_conditions(actual, [](Value::List& conditions) { conditions.pop_back(); });
  actual.statuses["httpRoutes"]["default/r"] = Value(Value::Map{});
  expected.statuses["gateways"]["default/other"] = Value(Value::Map{});
  EXPECT_THAT(compare_golden(actual, expected),
              ElementsAre(HasSubstr("Statuses.gateways[default/example-gateway]: missing: conditions[1]: {"),
                          "Statuses.gateways[default/other]: missing", "Statuses.httpRoutes[default/r]: unexpected"));
}

TEST(GoldenCompare, StatusAbsentEqualsNullOrEmptyAndNumbersCompareByValue) {
  Output expected, actual;
  expected.statuses["backends"]["default/b"] =
      Value(Value::Map{{"parents", Value(Value::List{})}, {"x", Value()}, {"n", Value(1)}, {"s", Value("")}});
  actual.statuses["backends"]["default/b"] = Value(Value::Map{{"n", Value(1.0)}, {"s", Value("")}});
  EXPECT_THAT(compare_golden(actual, expected), IsEmpty());
  actual.statuses["backends"]["default/b"] = Value(Value::Map{{"n", Value(1.0)}});
  EXPECT_THAT(compare_golden(actual, expected), ElementsAre("Statuses.backends[default/b]: missing: s: \"\""));
}

}  // namespace
}  // namespace kgw::translator
