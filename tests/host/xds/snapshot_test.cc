// Snapshots, the proxyless view and the response encoding.
#include "snapshot/snapshot.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "envoy/config/rbac/v3/rbac.pb.h"
#include "envoy/extensions/filters/http/fault/v3/fault.pb.h"
#include "envoy/extensions/filters/http/rbac/v3/rbac.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "snapshot/proxyless.h"
#include "snapshot/proxyless_rbac.h"
#include "xds/type/matcher/v3/cel.pb.h"
#include "xds/type/matcher/v3/matcher.pb.h"
#include "xds/wire.h"
#include "xds_test_util.h"

namespace kgw::snapshot {
namespace {

using envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;
using xds::testing::make_output;

TEST(SnapshotTest, VersionsAreContentHashesAndUnchangedResourcesAreShared) {
  auto first = build_snapshot(make_output({"a", "b"}, {{"rc", "example.com", "a"}}), nullptr);
  auto again = build_snapshot(make_output({"a", "b"}, {{"rc", "example.com", "a"}}), nullptr);
  const auto* a1 = first->envoy.type(kClusterType)->find("a");
  const auto* a2 = again->envoy.type(kClusterType)->find("a");
  ASSERT_TRUE(a1 && a2);
  EXPECT_EQ(a1->version, a2->version);
  EXPECT_EQ(a1->version.size(), 16u);
  EXPECT_NE(a1->version, first->envoy.type(kClusterType)->find("b")->version);

  auto next = build_snapshot(make_output({"a", "b"}, {{"rc", "example.com", "b"}}), first.get());
  EXPECT_EQ(next->envoy.type(kClusterType)->resources.at("a"), first->envoy.type(kClusterType)->resources.at("a"))
      << "an unchanged resource keeps its object";
  EXPECT_NE(next->envoy.type(kRouteType)->find("rc")->version, first->envoy.type(kRouteType)->find("rc")->version);
}

// Clusters and load assignments a translation reused (the output shares them with the previous
// one) are taken over with their sets; routes that changed are built again.
TEST(SnapshotTest, PartsSharedWithThePreviousOutputAreTakenOver) {
  auto first_output = std::make_shared<const translator::Output>(make_output({"a", "b"}, {{"rc", "example.com", "a"}}));
  auto first = build_snapshot(first_output, nullptr);
  auto second_output = std::make_shared<translator::Output>(*first_output);
  second_output->routes[0].mutable_virtual_hosts(0)->add_domains("www.example.com");
  auto second = build_snapshot(second_output, first.get());
  EXPECT_EQ(second->envoy.type(kClusterType)->all, first->envoy.type(kClusterType)->all);
  EXPECT_EQ(second->envoy.type(kEndpointType)->all, first->envoy.type(kEndpointType)->all);
  EXPECT_NE(second->envoy.type(kRouteType)->version, first->envoy.type(kRouteType)->version);

  // New clusters (not shared, even if equal) are serialized and compared again.
  auto third_output = std::make_shared<translator::Output>(*second_output);
  third_output->clusters.mutate()[0].mutable_connect_timeout()->set_seconds(42);
  auto third = build_snapshot(third_output, second.get());
  EXPECT_NE(third->envoy.type(kClusterType)->version, second->envoy.type(kClusterType)->version);
  EXPECT_NE(third->envoy.type(kEndpointType)->all, nullptr);
  EXPECT_EQ(third->envoy.type(kEndpointType)->version, second->envoy.type(kEndpointType)->version);
}

// A route configuration's resource is what deterministic serialization gives, map fields and
// fields after the virtual hosts included, whether its virtual hosts' bytes are new or taken from
// the previous snapshot (the same virtual host objects, as lent by the translation memo).
TEST(SnapshotTest, RouteConfigurationsAreAssembledFromTheirVirtualHostsBytes) {
  auto output = std::make_shared<translator::Output>(make_output({"a", "b"}, {{"rc", "example.com", "a"}}));
  auto& rc = output->routes[0];
  rc.add_virtual_hosts()->set_name("second");
  for (const char* key : {"zeta", "alpha", "mid"})
    (*rc.mutable_typed_per_filter_config())[key].set_type_url(std::string("type.example/") + key);
  rc.add_request_headers_to_add()->mutable_header()->set_key("x-after-hosts");
  rc.mutable_vhds();
  auto expected = [](const envoy::config::route::v3::RouteConfiguration& m) { return make_resource(m.name(), m); };

  auto first = build_snapshot(output, nullptr);
  const auto* served = first->envoy.type(kRouteType)->find("rc");
  ASSERT_NE(served, nullptr);
  EXPECT_EQ(served->bytes(), expected(output->routes.get()[0])->any);
  EXPECT_EQ(served->version, expected(output->routes.get()[0])->version);

  // The next output shares the route configurations (and so their virtual hosts) and changes
  // the listeners: the bytes are the same, taken from the first snapshot.
  auto next_output = std::make_shared<translator::Output>(*output);
  next_output->listeners.mutate()[0].set_stat_prefix("changed");
  auto next = build_snapshot(next_output, first.get());
  EXPECT_EQ(next->envoy.type(kRouteType)->find("rc"), served) << "unchanged: the same resource object";

  // A changed route configuration (a deep copy: new virtual host objects) is serialized afresh.
  auto changed_output = std::make_shared<translator::Output>(*next_output);
  changed_output->routes[0].mutable_virtual_hosts(1)->add_domains("second.example.com");
  auto changed = build_snapshot(changed_output, next.get());
  EXPECT_EQ(changed->envoy.type(kRouteType)->find("rc")->bytes(), expected(changed_output->routes.get()[0])->any);
}

// The hash of bytes in pieces, split anywhere, is the hash of the bytes joined: a resource's
// version does not depend on how its bytes are held.
TEST(SnapshotTest, ContentHashOfPiecesIsTheHashOfTheirBytes) {
  std::string bytes;
  for (int i = 0; i < 100; ++i) bytes.push_back(static_cast<char>(i * 37 + 11));
  for (size_t size : {0, 1, 7, 8, 9, 31, 100})
    for (size_t cut : {0, 1, 3, 8, 13})
      for (size_t second : {0, 2, 9}) {
        const std::string_view all = std::string_view(bytes).substr(0, size);
        const size_t a = std::min(cut, size), b = std::min(a + second, size);
        EXPECT_EQ(content_hash({all.substr(0, a), all.substr(a, b - a), all.substr(b)}), content_hash(all))
            << size << " bytes cut at " << a << " and " << b;
      }
}

// A snapshot takes over an unchanged type's resources; adding to its copy leaves the original
// as it was.
TEST(SnapshotTest, ResourceMapCopiesShareUntilChanged) {
  envoy::config::cluster::v3::Cluster x, y;
  x.set_name("x");
  y.set_name("y");
  ResourceMap first;
  first["x"] = make_resource("x", x);
  ResourceMap second = first;
  EXPECT_EQ(&*second.begin(), &*first.begin()) << "one map for both";
  second["y"] = make_resource("y", y);
  EXPECT_EQ(first.size(), 1u);
  EXPECT_EQ(first.find("y"), first.end());
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second.at("x"), first.at("x"));
  EXPECT_THROW(first.at("y"), std::out_of_range);
}

// A large route configuration goes out as its virtual hosts' own bytes, referenced rather than
// copied into the response; the response is what serializing the whole configuration gives.
TEST(WireTest, RouteConfigurationsAreSentFromTheirVirtualHostsBytes) {
  auto output = std::make_shared<translator::Output>(make_output({"a"}, {{"rc", "example.com", "a"}}));
  auto& rc = output->routes[0];
  rc.mutable_virtual_hosts(0)->add_domains(std::string(32 * 1024, 'x'));
  rc.add_virtual_hosts()->set_name("small");
  rc.mutable_vhds();
  const auto snapshot = build_snapshot(output, nullptr);
  const auto served = snapshot->envoy.type(kRouteType)->all;
  const auto* resource = served->find("rc");
  ASSERT_NE(resource, nullptr);
  const auto expected = make_resource("rc", output->routes.get()[0]);
  EXPECT_EQ(resource->version, expected->version);
  EXPECT_EQ(resource->size(), expected->any.size());
  for (const bool delta : {false, true}) {
    SCOPED_TRACE(delta ? "delta" : "sotw");
    xds::Response response;
    response.delta = delta;
    response.type_url = std::string(kRouteType);
    response.nonce = "1";
    response.resources = served;
    const auto chunks = xds::encode(response);
    bool referenced = false;
    for (const auto& chunk : chunks) referenced = referenced || chunk.shared.data() == resource->parts[1]->data();
    EXPECT_TRUE(referenced) << "the large virtual host's bytes are shared";
    std::string any;
    if (delta) {
      envoy::service::discovery::v3::DeltaDiscoveryResponse parsed;
      ASSERT_TRUE(parsed.ParseFromString(xds::flatten(chunks)));
      ASSERT_EQ(parsed.resources_size(), 1);
      EXPECT_EQ(parsed.resources(0).version(), expected->version);
      any = parsed.resources(0).resource().SerializeAsString();
    } else {
      envoy::service::discovery::v3::DiscoveryResponse parsed;
      ASSERT_TRUE(parsed.ParseFromString(xds::flatten(chunks)));
      ASSERT_EQ(parsed.resources_size(), 1);
      any = parsed.resources(0).SerializeAsString();
    }
    google::protobuf::Any sent, want;
    ASSERT_TRUE(sent.ParseFromString(any) && want.ParseFromString(expected->any));
    EXPECT_EQ(sent.type_url(), want.type_url());
    EXPECT_EQ(sent.value(), want.value());
  }
}

TEST(SnapshotTest, ProxylessViewHasApiListenersPerHostname) {
  translator::Output out =
      make_output({"a", "b"}, {{"plain", "echo.example.com", "a"}, {"tls", "echo.example.com", "b"}});
  out.routes[0].mutable_virtual_hosts(0)->add_domains("*.wild.example.com");
  // The first listener is TLS, the second plain text: the plain one's route configuration wins.
  for (int i = 0; i < 2; ++i) {
    HttpConnectionManager hcm;
    hcm.mutable_rds()->set_route_config_name(out.routes[i].name());
    auto* chain = out.listeners[i].add_filter_chains();
    chain->add_filters()->mutable_typed_config()->PackFrom(hcm);
    if (out.routes[i].name() == "tls") chain->mutable_transport_socket()->set_name("envoy.transport_sockets.tls");
  }
  const auto listeners = api_listeners(out);
  ASSERT_EQ(listeners.size(), 1u) << "one per exact hostname; wildcards name no target";
  EXPECT_EQ(listeners[0].name(), "echo.example.com");
  HttpConnectionManager hcm;
  ASSERT_TRUE(listeners[0].api_listener().api_listener().UnpackTo(&hcm));
  EXPECT_EQ(hcm.rds().route_config_name(), "plain");
  ASSERT_EQ(hcm.http_filters_size(), 1);
  EXPECT_EQ(hcm.http_filters(0).name(), "envoy.filters.http.router");

  auto snapshot = build_snapshot(out, nullptr);
  EXPECT_NE(snapshot->proxyless().type(kListenerType)->find("echo.example.com"), nullptr);
  EXPECT_EQ(snapshot->envoy.type(kListenerType)->find("echo.example.com"), nullptr) << "Envoy gets no API listener";
  EXPECT_EQ(snapshot->proxyless().type(kClusterType)->resources.at("a"),
            snapshot->envoy.type(kClusterType)->resources.at("a"));
}

// CEL syntax trees as the filters plugin's parser builds them.
cel::expr::Expr ident(const std::string& name) {
  cel::expr::Expr e;
  e.mutable_ident_expr()->set_name(name);
  return e;
}
cel::expr::Expr select(cel::expr::Expr operand, const std::string& field) {
  cel::expr::Expr e;
  *e.mutable_select_expr()->mutable_operand() = std::move(operand);
  e.mutable_select_expr()->set_field(field);
  return e;
}
cel::expr::Expr text(const std::string& value) {
  cel::expr::Expr e;
  e.mutable_const_expr()->set_string_value(value);
  return e;
}
cel::expr::Expr call(const std::string& function, std::vector<cel::expr::Expr> args,
                     std::optional<cel::expr::Expr> target = std::nullopt) {
  cel::expr::Expr e;
  e.mutable_call_expr()->set_function(function);
  if (target) *e.mutable_call_expr()->mutable_target() = std::move(*target);
  for (auto& a : args) *e.mutable_call_expr()->add_args() = std::move(a);
  return e;
}
cel::expr::Expr header_is(const std::string& name, const std::string& value) {
  return call("_==_", {call("_[_]", {select(ident("request"), "headers"), text(name)}), text(value)});
}

// An RBACPerRoute as the filters plugin writes it: one CEL predicate per expression, ORed.
envoy::extensions::filters::http::rbac::v3::RBACPerRoute cel_rbac(bool allow, std::vector<cel::expr::Expr> exprs) {
  using ::xds::type::matcher::v3::Matcher;
  Matcher matcher;
  auto* m = matcher.mutable_matcher_list()->add_matchers();
  for (auto& e : exprs) {
    ::xds::type::matcher::v3::CelMatcher cel;
    *cel.mutable_expr_match()->mutable_cel_expr_parsed()->mutable_expr() = std::move(e);
    Matcher::MatcherList::Predicate p;
    p.mutable_single_predicate()->mutable_custom_match()->mutable_typed_config()->PackFrom(cel);
    if (exprs.size() == 1)
      *m->mutable_predicate() = std::move(p);
    else
      *m->mutable_predicate()->mutable_or_matcher()->add_predicate() = std::move(p);
  }
  envoy::config::rbac::v3::Action yes, no;
  yes.set_action(allow ? envoy::config::rbac::v3::RBAC::ALLOW : envoy::config::rbac::v3::RBAC::DENY);
  no.set_action(allow ? envoy::config::rbac::v3::RBAC::DENY : envoy::config::rbac::v3::RBAC::ALLOW);
  m->mutable_on_match()->mutable_action()->mutable_typed_config()->PackFrom(yes);
  matcher.mutable_on_no_match()->mutable_action()->mutable_typed_config()->PackFrom(no);
  envoy::extensions::filters::http::rbac::v3::RBACPerRoute out;
  *out.mutable_rbac()->mutable_matcher() = std::move(matcher);
  return out;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST(ProxylessRbacTest, HeaderPathAndLogicTestsBecomeRules) {
  auto deny = grpc_rbac(cel_rbac(false, {header_is("x-caller", "mallory")}));
  ASSERT_TRUE(deny.rbac().has_rules());
  EXPECT_FALSE(deny.rbac().has_matcher());
  EXPECT_EQ(deny.rbac().rules().action(), envoy::config::rbac::v3::RBAC::DENY);
  ASSERT_EQ(deny.rbac().rules().policies_size(), 1);
  const auto& policy = deny.rbac().rules().policies().begin()->second;
  ASSERT_EQ(policy.permissions_size(), 1);
  EXPECT_EQ(policy.permissions(0).header().name(), "x-caller");
  EXPECT_EQ(policy.permissions(0).header().exact_match(), "mallory");
  ASSERT_EQ(policy.principals_size(), 1);
  EXPECT_TRUE(policy.principals(0).any());

  // Two expressions (ORed), one of them `&&` of a path prefix and a negated method test.
  auto allow = grpc_rbac(
      cel_rbac(true, {header_is("x-caller", "alice"),
                      call("_&&_", {call("startsWith", {text("/admin")}, select(ident("request"), "path")),
                                    call("!_", {call("_==_", {select(ident("request"), "method"), text("POST")})})})}));
  ASSERT_TRUE(allow.rbac().has_rules());
  EXPECT_EQ(allow.rbac().rules().action(), envoy::config::rbac::v3::RBAC::ALLOW);
  const auto& either = allow.rbac().rules().policies().begin()->second.permissions(0).or_rules();
  ASSERT_EQ(either.rules_size(), 2);
  EXPECT_EQ(either.rules(0).header().exact_match(), "alice");
  const auto& both = either.rules(1).and_rules();
  ASSERT_EQ(both.rules_size(), 2);
  EXPECT_EQ(both.rules(0).url_path().path().prefix(), "/admin");
  EXPECT_EQ(both.rules(1).not_rule().header().name(), ":method");
  EXPECT_EQ(both.rules(1).not_rule().header().exact_match(), "POST");
}
#pragma GCC diagnostic pop

TEST(ProxylessRbacTest, WhatHasNoRulesFormFailsClosed) {
  // metadata.filter_metadata[...] == 'x': not a request attribute gRPC can test.
  auto metadata = call("_==_", {call("_[_]", {select(ident("metadata"), "filter_metadata"), text("jwt")}), text("x")});
  for (bool allow : {true, false}) {
    auto out = grpc_rbac(cel_rbac(allow, {header_is("x-caller", "alice"), metadata}));
    ASSERT_TRUE(out.rbac().has_rules()) << allow;
    EXPECT_EQ(out.rbac().rules().action(), envoy::config::rbac::v3::RBAC::ALLOW) << allow;
    EXPECT_EQ(out.rbac().rules().policies_size(), 0) << "allows nothing";
  }
  envoy::extensions::filters::http::rbac::v3::RBACPerRoute rules;
  rules.mutable_rbac()->mutable_rules()->set_action(envoy::config::rbac::v3::RBAC::DENY);
  EXPECT_EQ(grpc_rbac(rules).SerializeAsString(), rules.SerializeAsString()) << "the rules form stays";
}

TEST(SnapshotTest, XdsServersGetTheirPortsListenerWithRoutesAnsweredInPlace) {
  translator::Output out = make_output({"a"}, {{"plain", "echo.example.com", "a"}, {"tls", "secure.example.com", "a"}});
  HttpConnectionManager envoy_hcm;
  auto* fault = envoy_hcm.add_http_filters();
  fault->set_name("envoy.filters.http.fault");
  fault->mutable_typed_config()->PackFrom(envoy::extensions::filters::http::fault::v3::HTTPFault());
  auto* rbac = envoy_hcm.add_http_filters();
  rbac->set_name("envoy.filters.http.rbac");
  rbac->mutable_typed_config()->PackFrom(envoy::extensions::filters::http::rbac::v3::RBAC());
  for (int i = 0; i < 2; ++i) {
    envoy_hcm.mutable_rds()->set_route_config_name(out.routes[i].name());
    auto* chain = out.listeners[i].add_filter_chains();
    chain->add_filters()->mutable_typed_config()->PackFrom(envoy_hcm);
    if (i == 1) chain->mutable_transport_socket()->set_name("envoy.transport_sockets.tls");
  }
  auto* route = out.routes[0].mutable_virtual_hosts(0)->mutable_routes(0);
  (*route->mutable_typed_per_filter_config())["envoy.filters.http.rbac"].PackFrom(
      cel_rbac(false, {header_is("x-caller", "mallory")}));
  (*route->mutable_typed_per_filter_config())["envoy.filters.http.fault"].PackFrom(
      envoy::extensions::filters::http::fault::v3::HTTPFault());

  const auto listeners = server_listeners(out);
  ASSERT_EQ(listeners.size(), 2u) << "IPv4 and IPv6 for the plain-text port only";
  EXPECT_EQ(listeners[0].name(), std::string(kServerListenerPrefix) + "0.0.0.0:8080");
  EXPECT_EQ(listeners[1].name(), std::string(kServerListenerPrefix) + "[::]:8080");
  EXPECT_EQ(listeners[1].address().socket_address().address(), "::");
  EXPECT_EQ(listeners[0].address().socket_address().port_value(), 8080u);
  ASSERT_EQ(listeners[0].filter_chains_size(), 1);
  HttpConnectionManager hcm;
  ASSERT_TRUE(listeners[0].filter_chains(0).filters(0).typed_config().UnpackTo(&hcm));
  ASSERT_EQ(hcm.http_filters_size(), 2) << "RBAC and the router; fault injection is for clients";
  EXPECT_EQ(hcm.http_filters(0).name(), "envoy.filters.http.rbac");
  EXPECT_EQ(hcm.http_filters(1).name(), "envoy.filters.http.router");
  ASSERT_TRUE(hcm.has_route_config());
  const auto& served = hcm.route_config().virtual_hosts(0).routes(0);
  EXPECT_TRUE(served.has_non_forwarding_action());
  EXPECT_EQ(served.typed_per_filter_config().count("envoy.filters.http.fault"), 0u);
  envoy::extensions::filters::http::rbac::v3::RBACPerRoute per_route;
  ASSERT_TRUE(served.typed_per_filter_config().at("envoy.filters.http.rbac").UnpackTo(&per_route));
  EXPECT_EQ(per_route.rbac().rules().action(), envoy::config::rbac::v3::RBAC::DENY);

  auto snapshot = build_snapshot(out, nullptr);
  EXPECT_NE(snapshot->proxyless().type(kListenerType)->find(listeners[0].name()), nullptr);
  EXPECT_EQ(snapshot->envoy.type(kListenerType)->find(listeners[0].name()), nullptr);
}

TEST(SnapshotTest, HeaderMatchersTakeTheOlderFormForProxylessClients) {
  translator::Output out = make_output({"a"}, {{"rc", "echo.example.com", "a"}});
  auto* match = out.routes[0].mutable_virtual_hosts(0)->mutable_routes(0)->mutable_match();
  auto* exact = match->add_headers();
  exact->set_name("x-variant");
  exact->mutable_string_match()->set_exact("b");
  auto* folded = match->add_headers();
  folded->set_name("x-case");
  folded->mutable_string_match()->set_exact("b");
  folded->mutable_string_match()->set_ignore_case(true);

  auto rewritten = proxyless_route_configuration(out.routes[0], {"a"});
  ASSERT_TRUE(rewritten);
  const auto& headers = rewritten->virtual_hosts(0).routes(0).match().headers();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // the older form is what is tested
  EXPECT_EQ(headers[0].exact_match(), "b");
#pragma GCC diagnostic pop
  EXPECT_TRUE(headers[1].has_string_match()) << "ignore_case has no older form";
  EXPECT_FALSE(proxyless_route_configuration(make_output({"a"}, {{"rc", "x", "a"}}).routes[0], {"a"}))
      << "nothing to rewrite: the Envoy resource is shared";

  auto snapshot = build_snapshot(out, nullptr);
  EXPECT_NE(snapshot->proxyless().type(kRouteType)->find("rc")->version,
            snapshot->envoy.type(kRouteType)->find("rc")->version);
}

TEST(SnapshotTest, RoutesToMissingClustersFailFastForProxylessClients) {
  translator::Output out = make_output({"a"}, {{"rc", "echo.example.com", "blackhole-cluster"}});
  auto snapshot = build_snapshot(out, nullptr);
  envoy::config::route::v3::RouteConfiguration served;
  google::protobuf::Any any;
  ASSERT_TRUE(any.ParseFromString(snapshot->proxyless().type(kRouteType)->find("rc")->bytes()));
  ASSERT_TRUE(any.UnpackTo(&served));
  EXPECT_EQ(served.virtual_hosts(0).routes(0).route().cluster(), kUnavailableCluster);
  EXPECT_NE(snapshot->proxyless().type(kClusterType)->find(kUnavailableCluster), nullptr);
  EXPECT_NE(snapshot->proxyless().type(kEndpointType)->find(kUnavailableCluster), nullptr);
  EXPECT_EQ(snapshot->envoy.type(kClusterType)->find(kUnavailableCluster), nullptr);
  ASSERT_TRUE(any.ParseFromString(snapshot->envoy.type(kRouteType)->find("rc")->bytes()));
  ASSERT_TRUE(any.UnpackTo(&served));
  EXPECT_EQ(served.virtual_hosts(0).routes(0).route().cluster(), "blackhole-cluster") << "Envoy's own is untouched";
}

TEST(SnapshotTest, EveryEdsClusterHasAnAssignment) {
  translator::Output out = make_output({"a", "b"}, {});
  out.endpoints.pop_back();  // b's
  auto snapshot = build_snapshot(out, nullptr);
  for (const View* view : {&snapshot->envoy, &snapshot->proxyless()}) {
    const Resource* b = view->type(kEndpointType)->find("b");
    ASSERT_NE(b, nullptr) << "a cluster without endpoints must not keep a proxy waiting";
    google::protobuf::Any any;
    envoy::config::endpoint::v3::ClusterLoadAssignment cla;
    ASSERT_TRUE(any.ParseFromString(b->any) && any.UnpackTo(&cla));
    EXPECT_EQ(cla.cluster_name(), "b");
    EXPECT_EQ(cla.endpoints_size(), 0);
  }
}

TEST(SnapshotTest, StreamsInTheSameStateShareSets) {
  auto first = build_snapshot(make_output({"a", "b", "c"}, {}), nullptr);
  const TypeResources& clusters = *first->envoy.type(kClusterType);
  auto names = intern_names({"c", "a", "zz", "a"});
  EXPECT_EQ(names, intern_names({"a", "c", "zz"})) << "the same names are one set, whatever their order";
  EXPECT_EQ(names->names, (std::vector<std::string>{"a", "c", "zz"}));
  auto selected = clusters.select(names);
  EXPECT_EQ(selected, clusters.select(intern_names({"zz", "c", "a"}))) << "selected once per snapshot";
  ASSERT_EQ(selected->size(), 2u);
  EXPECT_NE(selected->find("a"), nullptr);
  EXPECT_EQ(selected->find("b"), nullptr);
  EXPECT_EQ(clusters.select(intern_names({"a", "b", "c"})), clusters.all);

  translator::Output changed = make_output({"a", "c", "d"}, {});
  changed.clusters[1].set_type(envoy::config::cluster::v3::Cluster::STRICT_DNS);  // c changes
  auto second = build_snapshot(changed, first.get());
  const auto& all = second->envoy.type(kClusterType)->all;
  auto diff = all->diff_from(clusters.all);
  std::vector<std::string> changed_names;
  for (const auto& r : diff.changed->resources()) changed_names.push_back(r->name);
  EXPECT_EQ(changed_names, (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(*diff.removed, (std::vector<std::string>{"b"}));
  const auto again = all->diff_from(clusters.all);
  EXPECT_EQ(again.changed, diff.changed) << "computed once for every stream making the same step";
  EXPECT_EQ(again.removed, diff.removed);
  EXPECT_EQ(all->diff_from(nullptr).changed, all) << "all of it: the set itself, with its encodings";
  EXPECT_TRUE(all->diff_from(all).changed->empty());

  // A client keeping the clusters that go holds the new set and those, at their old versions.
  const auto kept = all->keeping(clusters.all);
  std::vector<std::pair<std::string, std::string>> held;
  for (const auto& r : kept->resources()) held.emplace_back(r->name, r->version);
  EXPECT_EQ(held, (std::vector<std::pair<std::string, std::string>>{{"a", all->find("a")->version},
                                                                    {"b", clusters.all->find("b")->version},
                                                                    {"c", all->find("c")->version},
                                                                    {"d", all->find("d")->version}}));
  EXPECT_EQ(all->keeping(clusters.all), kept) << "computed once for every stream making the same step";
  EXPECT_EQ(clusters.all->keeping(clusters.all), clusters.all);
}

TEST(SnapshotTest, AnEndpointOnlyChangeReusesTheRest) {
  auto base = std::make_shared<const translator::Output>(make_output({"a", "b"}, {{"rc", "example.com", "a"}}));
  auto first = build_snapshot(base, nullptr);
  auto next = std::make_shared<translator::Output>(*base);
  next->endpoints.mutate()
      .mutable_at(1)
      .mutable_endpoints(0)
      ->mutable_lb_endpoints(0)
      ->mutable_endpoint()
      ->mutable_address()
      ->mutable_socket_address()
      ->set_address("10.9.9.9");
  next->endpoints_only_since = base.get();
  next->changed_endpoints = {"b"};
  auto second = build_snapshot(next, first.get());
  EXPECT_EQ(second->envoy.type(kRouteType)->resources.at("rc"), first->envoy.type(kRouteType)->resources.at("rc"));
  EXPECT_EQ(second->envoy.type(kEndpointType)->resources.at("a"), first->envoy.type(kEndpointType)->resources.at("a"));
  // What a full build of the same output gives.
  auto full = build_snapshot(*next, nullptr);
  for (const auto& type : envoy_types()) {
    SCOPED_TRACE(type);
    EXPECT_EQ(second->envoy.type(type)->version, full->envoy.type(type)->version);
  }
  EXPECT_NE(second->envoy.type(kEndpointType)->version, first->envoy.type(kEndpointType)->version);
}

TEST(WireTest, EncodedResponsesParseBack) {
  auto snapshot = build_snapshot(make_output({"a", "b"}, {}), nullptr);
  const auto& clusters = snapshot->envoy.type(kClusterType)->resources;
  xds::Response response;
  response.type_url = std::string(kClusterType);
  response.version = "v1";
  response.nonce = "7";
  std::vector<ResourcePtr> resources;
  for (const auto& [name, resource] : clusters) resources.push_back(resource);
  response.resources = std::make_shared<const ResourceSet>(std::move(resources));

  envoy::service::discovery::v3::DiscoveryResponse sotw;
  ASSERT_TRUE(sotw.ParseFromString(xds::flatten(xds::encode(response))));
  EXPECT_EQ(sotw.version_info(), "v1");
  EXPECT_EQ(sotw.nonce(), "7");
  EXPECT_EQ(sotw.type_url(), kClusterType);
  EXPECT_EQ(xds::testing::names_of(sotw), (std::vector<std::string>{"a", "b"}));

  response.delta = true;
  response.removed = {"gone"};
  envoy::service::discovery::v3::DeltaDiscoveryResponse delta;
  ASSERT_TRUE(delta.ParseFromString(xds::flatten(xds::encode(response))));
  ASSERT_EQ(delta.resources_size(), 2);
  EXPECT_EQ(delta.resources(0).name(), "a");
  EXPECT_EQ(delta.resources(0).version(), clusters.at("a")->version);
  envoy::config::cluster::v3::Cluster cluster;
  ASSERT_TRUE(delta.resources(1).resource().UnpackTo(&cluster));
  EXPECT_EQ(cluster.name(), "b");
  EXPECT_EQ(delta.removed_resources(0), "gone");

  // The resources' bytes are encoded once per set and protocol, and shared by every response.
  const auto chunks = xds::encode(response), again = xds::encode(response);
  ASSERT_EQ(chunks.size(), 2u) << "a header, and the small resources together";
  EXPECT_EQ(chunks[1].holder, again[1].holder);
  EXPECT_EQ(chunks[1].shared.data(), again[1].shared.data());
  response.resources = empty_resource_set();
  ASSERT_TRUE(delta.ParseFromString(xds::flatten(xds::encode(response))));
  EXPECT_EQ(delta.resources_size(), 0);
}

TEST(WireTest, LargeResourcesAreReferencedNotCopied) {
  envoy::config::cluster::v3::Cluster small_a, large, small_b;
  small_a.set_name("a");
  large.set_name("b");
  large.mutable_metadata()
      ->mutable_filter_metadata()
      ->
      operator[]("pad")
      .mutable_fields()
      ->
      operator[]("x")
      .set_string_value(std::string(64 * 1024, 'x'));
  small_b.set_name("c");
  const auto big = make_resource("b", large);
  for (const bool delta : {false, true}) {
    SCOPED_TRACE(delta ? "delta" : "sotw");
    xds::Response response;
    response.delta = delta;
    response.type_url = std::string(kClusterType);
    response.nonce = "1";
    response.resources = std::make_shared<const ResourceSet>(
        std::vector<ResourcePtr>{make_resource("a", small_a), big, make_resource("c", small_b)});
    const auto chunks = xds::encode(response);
    ASSERT_EQ(chunks.size(), 4u) << "the header, a's bytes and b's framing, b's own bytes, c's bytes";
    EXPECT_EQ(chunks[2].shared.data(), big->any.data());
    std::vector<std::string> names;
    if (delta) {
      envoy::service::discovery::v3::DeltaDiscoveryResponse parsed;
      ASSERT_TRUE(parsed.ParseFromString(xds::flatten(chunks)));
      for (const auto& r : parsed.resources()) names.push_back(r.name());
      EXPECT_EQ(parsed.resources(1).version(), big->version);
    } else {
      envoy::service::discovery::v3::DiscoveryResponse parsed;
      ASSERT_TRUE(parsed.ParseFromString(xds::flatten(chunks)));
      names = xds::testing::names_of(parsed);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  }
}

}  // namespace
}  // namespace kgw::snapshot
