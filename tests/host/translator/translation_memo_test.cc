// A translation with a memo must give exactly what a translation without one gives, whatever
// changed in between; and the memo must actually spare the work it claims to.
#include "translator/translation_memo.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench/synthetic_cluster.h"
#include "builtin/builtin_extensions.h"
#include "common/output_difference.h"
#include "plugins/extension_registry.h"
#include "sources/manifest_parser.h"
#include "translator/route_configurations.h"
#include "translator/translator.h"

namespace kgw::translator {
namespace {

class MemoTest : public ::testing::Test {
 protected:
  void SetUp() override { builtin::register_builtin_extensions(registry_); }

  void load(const std::string& yaml) {
    input_.objects.clear();
    auto parsed = sources::parse_manifests(yaml, "cluster.yaml");
    ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0].message;
    for (auto& p : parsed.objects) {
      p.object.creation_timestamp = static_cast<int64_t>(input_.objects.size()) + 1;
      input_.objects.push_back(std::move(p.object));
    }
  }
  // Replaces the object of the same kind, namespace and name (or adds it); returns its ref.
  sdk::ObjectRef put(const std::string& yaml) {
    auto parsed = sources::parse_manifests(yaml, "change.yaml");
    EXPECT_TRUE(parsed.errors.empty());
    EXPECT_EQ(parsed.objects.size(), 1u);
    sdk::Object object = std::move(parsed.objects.at(0).object);
    for (auto& existing : input_.objects)
      if (existing.ref == object.ref) {
        object.creation_timestamp = existing.creation_timestamp;
        existing = std::move(object);
        return existing.ref;
      }
    object.creation_timestamp = static_cast<int64_t>(input_.objects.size()) + 1;
    input_.objects.push_back(std::move(object));
    return input_.objects.back().ref;
  }
  sdk::ObjectRef remove(const std::string& kind, const std::string& ns, const std::string& name) {
    for (auto it = input_.objects.begin(); it != input_.objects.end(); ++it)
      if (it->ref.kind == kind && it->ref.ns == ns && it->ref.name == name) {
        sdk::ObjectRef ref = it->ref;
        input_.objects.erase(it);
        return ref;
      }
    ADD_FAILURE() << "no " << kind << " " << ns << "/" << name;
    return {};
  }
  // Translates with the memo, told `changed`, and without; they must agree.
  Output check(const std::vector<sdk::ObjectRef>& changed) {
    memo_.invalidate(changed);
    Output with = translate_gateway(input_, gateway_, settings_, registry_, &memo_);
    Output without = translate_gateway(input_, gateway_, settings_, registry_);
    EXPECT_EQ(kgw::test_support::output_difference(with, without), "");
    EXPECT_EQ(memo_.mismatches, 0u) << "the memo was found out of step";
    return with;
  }
  size_t remembered_complete() const {
    size_t n = 0;
    for (const auto& [ref, route] : memo_.routes) n += route.built_complete;
    return n;
  }

  plugins::ExtensionRegistry registry_;
  config::TranslationSettings settings_;
  Input input_;
  TranslationMemo memo_;
  sdk::ObjectRef gateway_{"gateway.networking.k8s.io", "Gateway", "default", "gw"};
};

constexpr const char* kCluster = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: http, protocol: HTTP, port: 80}
  - {name: other, protocol: HTTP, port: 80, hostname: other.example.com}
  - {name: tcp, protocol: TCP, port: 9000}
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: default}
spec: {ports: [{port: 80}, {port: 81, name: ws, appProtocol: kubernetes.io/ws}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc-1, namespace: default, labels: {kubernetes.io/service-name: svc}}
ports: [{port: 8080}]
endpoints: [{addresses: [10.0.0.1], conditions: {ready: true}}]
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: DirectResponse
metadata: {name: teapot, namespace: default}
spec: {status: 418, body: short and stout}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [a.example.com, other.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /a}}, {path: {type: Exact, value: /a/x}}]
    backendRefs: [{name: svc, port: 80, weight: 2}, {name: missing, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /ws}}]
    backendRefs: [{name: svc, port: 81}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: b, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: http}, {name: gw, sectionName: nope}]
  hostnames: [a.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /b}}]
    filters:
    - type: ExtensionRef
      extensionRef: {group: gateway.kgateway.dev, kind: DirectResponse, name: teapot}
  - matches: [{path: {type: PathPrefix, value: /old}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https, statusCode: 301}
---
# Attached twice to the same listener: its matches are twice in the virtual host.
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: twice, namespace: default}
spec:
  parentRefs: [{name: gw}, {name: gw, sectionName: http}]
  hostnames: [a.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /twice}}]
    backendRefs: [{name: svc, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [grpc.example.com]
  rules:
  - matches: [{method: {service: pkg.Svc, method: Get}}]
    backendRefs: [{name: svc, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: t, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: tcp}]
  rules:
  - backendRefs: [{name: svc, port: 80}]
)";

TEST_F(MemoTest, EveryKindOfChangeGivesWhatAFullTranslationGives) {
  load(kCluster);
  check({});
  EXPECT_EQ(remembered_complete(), 4u) << "the HTTP and gRPC routes";

  // A route's path changes: it is built again, the others are not.
  const auto a = put(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [a.example.com, other.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /a-longer}}, {path: {type: Exact, value: /a/x}}]
    backendRefs: [{name: svc, port: 80, weight: 2}, {name: missing, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /ws}}]
    backendRefs: [{name: svc, port: 81}]
)");
  memo_.invalidate({a});
  EXPECT_EQ(remembered_complete(), 3u);
  check({});
  EXPECT_EQ(remembered_complete(), 4u);

  // A new route on an existing host, then one on a new host.
  check({put(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: c, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [a.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /a-longer/c}}]
    backendRefs: [{name: svc, port: 80}]
)")});
  check({put(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: d, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [d.example.com]
  rules:
  - backendRefs: [{name: svc, port: 80}]
)")});
  // A route that stops parsing, then parses again; a route removed.
  check({put(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: d, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [d.example.com]
  rules:
  - backendRefs: [{name: svc, port: not-a-number}]
)")});
  check({put(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: d, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [d.example.com]
  rules:
  - backendRefs: [{name: svc, port: 80}]
)")});
  check({remove("HTTPRoute", "default", "b")});
  // The TCP route changes its backend.
  check({put(R"(
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: t, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: tcp}]
  rules:
  - backendRefs: [{name: missing, port: 80}]
)")});
  // Endpoints alone: the routes stay remembered; the load assignments are new.
  const size_t before = remembered_complete();
  const Output endpoints_changed = check({put(R"(
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc-1, namespace: default, labels: {kubernetes.io/service-name: svc}}
ports: [{port: 8080}]
endpoints: [{addresses: [10.0.0.2], conditions: {ready: true}}]
)")});
  EXPECT_EQ(remembered_complete(), before);
  // The backend the missing ref names appears: every route depends on Services, so all is forgotten.
  check({put(R"(
apiVersion: v1
kind: Service
metadata: {name: missing, namespace: default}
spec: {ports: [{port: 80}]}
)")});
  // The DirectResponse and the Gateway change.
  check({put(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: DirectResponse
metadata: {name: teapot, namespace: default}
spec: {status: 503}
)")});
  check({put(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: http, protocol: HTTP, port: 8080}
  - {name: other, protocol: HTTP, port: 80, hostname: other.example.com}
)")});
}

// One listener per route configuration, so route changes patch phase A's outcome in the memo.
constexpr const char* kPatchableCluster = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: kgateway
  allowedListeners: {namespaces: {from: All}}
  listeners:
  - {name: http, protocol: HTTP, port: 80}
  - {name: tcp, protocol: TCP, port: 9000}
---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: set, namespace: default}
spec:
  parentRef: {name: gw}
  listeners:
  - {name: extra, protocol: HTTP, port: 8080, hostname: "*.example.com"}
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: default}
spec: {ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a, namespace: default}
spec:
  parentRefs: [{name: gw}, {kind: ListenerSet, name: set}]
  hostnames: [a.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /a}}]
    backendRefs: [{name: svc, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: b, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: http}, {name: gw, sectionName: nope}]
  hostnames: [a.example.com, b.example.com]
  rules:
  - matches: [{path: {type: Exact, value: /b}}, {headers: [{name: x, value: y}]}]
    backendRefs: [{name: svc, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: lonely, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [lonely.example.com]
  rules:
  - backendRefs: [{name: svc, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: t, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: tcp}]
  rules:
  - backendRefs: [{name: svc, port: 80}]
)";

std::string route_a(const std::string& path,
                    const std::string& parents = "[{name: gw}, {kind: ListenerSet, name: set}]") {
  return R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a, namespace: default}
spec:
  parentRefs: )" +
         parents + R"(
  hostnames: [a.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: )" +
         path + R"(}}]
    backendRefs: [{name: svc, port: 80}]
)";
}

TEST_F(MemoTest, PatchedAttachmentsGiveWhatAFullTranslationGives) {
  load(kPatchableCluster);
  check({});
  auto patched = [&] { return memo_.attachments_patched; };
  size_t expected = 0;
  // Route edits, one and several at once, on the Gateway and through the ListenerSet: patched.
  check({put(route_a("/a/longer"))});
  EXPECT_EQ(patched(), ++expected);
  // a.example.com loses both its routes on port 80; b.example.com loses b and gets it back.
  check({put(route_a("/x", "[{kind: ListenerSet, name: set}]")), put(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: b, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [b.example.com, c.example.com]
  rules:
  - matches: [{path: {type: Exact, value: /b}}]
    backendRefs: [{name: svc, port: 80}]
)")});
  EXPECT_EQ(patched(), ++expected);
  // A new route on a new hostname, and one that attaches nowhere.
  check({put(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: c, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [new.example.com]
  rules:
  - backendRefs: [{name: svc, port: 80}]
)"),
         put(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: nowhere, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: missing}]
)")});
  EXPECT_EQ(patched(), ++expected);
  // A route that stops parsing, then parses again; the last route of a hostname goes.
  check({put(route_a("not-a-path"))});
  EXPECT_EQ(patched(), ++expected);
  check({put(route_a("/a"))});
  EXPECT_EQ(patched(), ++expected);
  check({remove("HTTPRoute", "default", "lonely")});
  EXPECT_EQ(patched(), ++expected);
  // A TCP route changes: attached afresh.
  check({put(R"(
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: t, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: tcp}]
  rules:
  - backendRefs: [{name: missing, port: 80}]
)")});
  EXPECT_EQ(patched(), expected);
  // While a route without rules (a virtual host without routes) is attached: attached afresh.
  check({put(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: empty, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [empty.example.com]
  rules: []
)")});
  EXPECT_EQ(patched(), expected);
  check({put(route_a("/while-empty"))});
  EXPECT_EQ(patched(), expected);
  check({remove("HTTPRoute", "default", "empty"), put(route_a("/again"))});
  EXPECT_EQ(patched(), ++expected);
  // Anything but a route: everything is forgotten, then patched again on the next route change.
  check({put(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: set, namespace: default}
spec:
  parentRef: {name: gw}
  listeners:
  - {name: extra, protocol: HTTP, port: 8081}
)")});
  EXPECT_EQ(patched(), expected);
  check({put(route_a("/after"))});
  EXPECT_EQ(patched(), ++expected);
}

// The benchmark's cluster, with routes changed one after another: paths (which move routes within
// their virtual host) and back again.
TEST_F(MemoTest, SyntheticClusterRouteChanges) {
  bench::Shape shape;
  load(bench::cluster_yaml(300, shape));
  gateway_ = {"gateway.networking.k8s.io", "Gateway", bench::kGatewayNs, bench::kGatewayName};
  Output last = check({});
  for (size_t step = 0; step < 6; ++step) {
    const size_t i = (step * 97) % shape.routes;
    const auto ref = put(bench::route_yaml(i, shape.services, static_cast<int>(step % 2 == 0), nullptr));
    Output next = check({ref});
    EXPECT_EQ(remembered_complete(), shape.routes);
    // The route has one hostname: in each route configuration one virtual host is new, the other
    // four are the same objects as in the last output.
    ASSERT_EQ(next.routes.size(), last.routes.size());
    for (size_t rc = 0; rc < next.routes.size(); ++rc) {
      const auto& a = last.routes.get()[rc];
      const auto& b = next.routes.get()[rc];
      ASSERT_EQ(a.virtual_hosts_size(), bench::kHostnames);
      ASSERT_EQ(b.virtual_hosts_size(), bench::kHostnames);
      int shared = 0;
      for (int h = 0; h < bench::kHostnames; ++h) shared += &a.virtual_hosts(h) == &b.virtual_hosts(h);
      EXPECT_EQ(shared, bench::kHostnames - 1) << b.name();
    }
    // The route's status is the same: the route statuses are the last output's.
    EXPECT_TRUE(next.statuses.get().at("httpRoutes").shares_with(last.statuses.get().at("httpRoutes")));
    last = std::move(next);
  }
}

// A copy owns everything it holds; a borrowed virtual host outlives the output that lent it.
TEST(RouteConfigurations, CopiesAreDeepAndBorrowedHostsStayAlive) {
  auto host = std::make_shared<envoy::config::route::v3::VirtualHost>();
  host->set_name("h");
  host->add_routes()->set_name("r");
  RouteConfigurations copy;
  {
    RouteConfigurations lender;
    auto& rc = lender.emplace_back();
    rc.set_name("rc");
    lender.borrow_virtual_host(rc, host);
    EXPECT_EQ(&lender[0].virtual_hosts(0), host.get());
    copy = lender;
  }
  ASSERT_EQ(copy.size(), 1u);
  EXPECT_NE(&copy[0].virtual_hosts(0), host.get());
  EXPECT_EQ(copy[0].virtual_hosts(0).routes(0).name(), "r");
  EXPECT_EQ(host.use_count(), 1) << "the copy does not borrow";
  RouteConfigurations borrower;
  borrower.borrow_virtual_host(borrower.emplace_back(), host);
  EXPECT_EQ(host.use_count(), 2);
  borrower = RouteConfigurations();
  EXPECT_EQ(host.use_count(), 1);
  EXPECT_EQ(host->routes(0).name(), "r") << "untouched by the configuration that borrowed it";
}

}  // namespace
}  // namespace kgw::translator
