#include "translator/translator.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "envoy/extensions/filters/http/router/v3/router.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "kgw/sdk/policy_kind.h"
#include "plugins/extension_registry.h"
#include "sources/manifest_parser.h"

namespace kgw::translator {
namespace {

Input input_from(const std::string& yaml) {
  auto parsed = sources::parse_manifests(yaml, "test.yaml");
  EXPECT_TRUE(parsed.errors.empty());
  Input input;
  int64_t t = 0;
  for (auto& p : parsed.objects) {
    p.object.creation_timestamp = ++t;
    input.objects.push_back(std::move(p.object));
  }
  return input;
}

// A route attached through two parentRefs (one per listener section on the same port) is built
// once: its weighted clusters are not repeated, and a missing backend is reported on both parents.
TEST(TranslateGateway, ARouteWithTwoParentsIsBuiltOnce) {
  const Input input = input_from(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: a, protocol: HTTP, port: 80, hostname: a.example.com}
  - {name: b, protocol: HTTP, port: 80, hostname: b.example.com}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs:
  - {name: gw, sectionName: a}
  - {name: gw, sectionName: b}
  rules:
  - backendRefs:
    - {name: svc, port: 80, weight: 3}
    - {name: missing, port: 80, weight: 1}
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec:
  ports: [{port: 80}]
)");
  config::TranslationSettings settings;
  plugins::ExtensionRegistry registry;
  Output out = translate_gateway(input, {"gateway.networking.k8s.io", "Gateway", "default", "gw"}, settings, registry);

  ASSERT_EQ(out.routes.size(), 1u);
  const auto& rc = out.routes[0];
  ASSERT_EQ(rc.virtual_hosts_size(), 2);
  for (const auto& vh : rc.virtual_hosts()) {
    ASSERT_EQ(vh.routes_size(), 1);
    const auto& weighted = vh.routes(0).route().weighted_clusters();
    ASSERT_EQ(weighted.clusters_size(), 2) << vh.name();
    EXPECT_EQ(weighted.clusters(0).name(), "kube_default_svc_80");
    EXPECT_EQ(weighted.clusters(0).weight().value(), 3u);
    EXPECT_EQ(weighted.clusters(1).name(), "blackhole-cluster");
  }

  const auto& parents = *out.statuses.at("httpRoutes").at("default/r")->find("parents")->as_list();
  ASSERT_EQ(parents.size(), 2u);
  for (const auto& parent : parents) {
    const auto& first = (*parent.find("conditions")->as_list())[0];
    EXPECT_EQ(*first.find("type")->as_string(), "ResolvedRefs");
    EXPECT_EQ(*first.find("reason")->as_string(), "BackendNotFound");
    EXPECT_EQ(*first.find("message")->as_string(), "Service default/missing not found");
  }
}

const sdk::Value* condition(const sdk::Value& status, const std::string& type) {
  for (const auto& c : *status.find("conditions")->as_list())
    if (*c.find("type")->as_string() == type) return &c;
  return nullptr;
}

Output translate(const std::string& yaml) {
  config::TranslationSettings settings;
  plugins::ExtensionRegistry registry;
  return translate_gateway(input_from(yaml), {"gateway.networking.k8s.io", "Gateway", "default", "gw"}, settings,
                           registry);
}

// Listeners sharing a port: a hostname is served by the routes of the listener matching it most
// specifically; a wildcard listener's route still serves the other hostnames it names.
TEST(TranslateGateway, TheMostSpecificListenerServesAHostname) {
  Output out = translate(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: wild, protocol: HTTP, port: 80, hostname: "*.example.com"}
  - {name: exact, protocol: HTTP, port: 80, hostname: a.example.com}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: w}
spec:
  parentRefs: [{name: gw, sectionName: wild}]
  hostnames: [a.example.com, b.example.com]
  rules: [{backendRefs: [{name: w, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: e}
spec:
  parentRefs: [{name: gw, sectionName: exact}]
  rules: [{backendRefs: [{name: e, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: w}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: e}
spec: {ports: [{port: 80}]}
)");
  ASSERT_EQ(out.routes.size(), 1u);
  std::map<std::string, std::vector<std::string>> clusters;
  for (const auto& vh : out.routes[0].virtual_hosts())
    for (const auto& r : vh.routes()) clusters[vh.domains(0)].push_back(r.route().cluster());
  EXPECT_EQ(clusters["a.example.com"], std::vector<std::string>{"kube_default_e_80"});
  EXPECT_EQ(clusters["b.example.com"], std::vector<std::string>{"kube_default_w_80"});
}

// Virtual hosts go by name, in which '.' is '_': "example2_com" sorts before "example_com".
TEST(TranslateGateway, VirtualHostsAreOrderedByName) {
  Output out = translate(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: http, protocol: HTTP, port: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  hostnames: [example.com, example2.com]
  rules: [{backendRefs: [{name: s, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {ports: [{port: 80}]}
)");
  ASSERT_EQ(out.routes.size(), 1u);
  std::vector<std::string> names;
  for (const auto& vh : out.routes[0].virtual_hosts()) names.push_back(vh.name());
  EXPECT_EQ(names, (std::vector<std::string>{"listener~80~example2_com", "listener~80~example_com"}));
}

// A listener of a protocol kgateway does not serve is rejected on its own (no supported kinds, no
// Envoy listener); the Gateway's other listeners are unaffected.
TEST(TranslateGateway, AnUnsupportedProtocolRejectsTheListener) {
  Output out = translate(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: http, protocol: HTTP, port: 80}
  - {name: udp, protocol: UDP, port: 5353}
)");
  ASSERT_EQ(out.listeners.size(), 1u);
  EXPECT_EQ(out.listeners[0].name(), "listener~80");
  const auto& listeners = *out.statuses.at("gateways").at("default/gw")->find("listeners")->as_list();
  ASSERT_EQ(listeners.size(), 2u);
  const auto* accepted = condition(listeners[1], "Accepted");
  ASSERT_NE(accepted, nullptr);
  EXPECT_EQ(*accepted->find("status")->as_string(), "False");
  EXPECT_EQ(*accepted->find("reason")->as_string(), "UnsupportedProtocol");
  EXPECT_EQ(*accepted->find("message")->as_string(), "Protocol UDP is unsupported.");
  EXPECT_EQ(listeners[1].find("supportedKinds"), nullptr);
}

// A DirectResponse on a rule whose redirect already set the action replaces the rule with a 500,
// reported on the route's parent.
TEST(TranslateGateway, ADirectResponseAfterARedirectReplacesTheRule) {
  Output out = translate(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: http, protocol: HTTP, port: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
  - filters:
    - type: RequestRedirect
      requestRedirect: {hostname: example.org}
    - type: ExtensionRef
      extensionRef: {group: gateway.kgateway.dev, kind: DirectResponse, name: dr}
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: DirectResponse
metadata: {name: dr}
spec: {status: 200}
)");
  ASSERT_EQ(out.routes.size(), 1u);
  const auto& route = out.routes[0].virtual_hosts(0).routes(0);
  ASSERT_TRUE(route.has_direct_response());
  EXPECT_EQ(route.direct_response().status(), 500u);
  const auto& parent = (*out.statuses.at("httpRoutes").at("default/r")->find("parents")->as_list())[0];
  const auto* programmed = condition(parent, "kgateway.dev/Programmed");
  ASSERT_NE(programmed, nullptr);
  EXPECT_EQ(*programmed->find("reason")->as_string(), "RouteRuleReplaced");
  EXPECT_EQ(*programmed->find("message")->as_string(),
            "Replaced Rule (0): DirectResponse cannot be applied to route with existing action: "
            "*routev3.Route_Redirect");
}

// A BackendTLSPolicy whose CA ConfigMap is missing leaves the cluster without TLS and is reported
// not accepted (on the Gateway whose route reaches the Service).
TEST(TranslateGateway, ABackendTlsPolicyWithAMissingCaIsNotAccepted) {
  Output out = translate(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: http, protocol: HTTP, port: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: svc, port: 443}]
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec:
  ports: [{port: 443}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: tls}
spec:
  targetRefs: [{group: "", kind: Service, name: svc}]
  validation:
    hostname: svc.example.com
    caCertificateRefs: [{group: "", kind: ConfigMap, name: missing}]
)");
  ASSERT_EQ(out.clusters.size(), 1u);
  EXPECT_FALSE(out.clusters[0].has_transport_socket());
  const auto& ancestor =
      (*out.statuses.at("policies").at("BackendTLSPolicy/default/tls")->find("ancestors")->as_list())[0];
  const auto* accepted = condition(ancestor, "Accepted");
  ASSERT_NE(accepted, nullptr);
  EXPECT_EQ(*accepted->find("status")->as_string(), "False");
  EXPECT_EQ(*accepted->find("reason")->as_string(), "NoValidCACertificate");
}

// Header modifier filters become the route's headers to add (appended, or overwritten for `set`)
// and to remove, for requests and responses apart.
TEST(TranslateGateway, HeaderModifierFiltersEditTheRoutesHeaders) {
  Output out = translate(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: http, protocol: HTTP, port: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: svc, port: 80}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        add: [{name: x-added, value: a}]
        set: [{name: x-set, value: s}]
        remove: [x-gone]
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        set: [{name: x-resp, value: r}]
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec:
  ports: [{port: 80}]
)");
  ASSERT_EQ(out.routes.size(), 1u);
  const auto& route = out.routes[0].virtual_hosts(0).routes(0);
  using Option = envoy::config::core::v3::HeaderValueOption;
  ASSERT_EQ(route.request_headers_to_add_size(), 2);
  EXPECT_EQ(route.request_headers_to_add(0).header().key(), "x-added");
  EXPECT_EQ(route.request_headers_to_add(0).append_action(), Option::APPEND_IF_EXISTS_OR_ADD);
  EXPECT_EQ(route.request_headers_to_add(1).header().key(), "x-set");
  EXPECT_EQ(route.request_headers_to_add(1).append_action(), Option::OVERWRITE_IF_EXISTS_OR_ADD);
  ASSERT_EQ(route.request_headers_to_remove_size(), 1);
  EXPECT_EQ(route.request_headers_to_remove(0), "x-gone");
  ASSERT_EQ(route.response_headers_to_add_size(), 1);
  EXPECT_EQ(route.response_headers_to_add(0).header().value(), "r");
  EXPECT_EQ(route.route().cluster(), "kube_default_svc_80");
}

// A policy kind whose policies each put the filters their spec names, in that order, on the chain.
class NamedFiltersKind final : public sdk::PolicyKind {
 public:
  struct Ir final : sdk::PluginIr {
    std::vector<std::string> names;
    bool equals(const sdk::PluginIr& other) const noexcept override { return &other == this; }
  };
  sdk::GroupKind group_kind() const noexcept override { return {"example.dev", "NamedFilters"}; }
  std::shared_ptr<const sdk::PluginIr> parse(const sdk::Object& policy, const sdk::HostApi&,
                                             sdk::Diagnostics&) const noexcept override {
    auto ir = std::make_shared<Ir>();
    for (const auto& name : *policy.spec()->find("filters")->as_list()) ir->names.push_back(*name.as_string());
    return ir;
  }
  void http_filters(const sdk::TranslationContext&, sdk::AttachedPolicies policies,
                    std::vector<sdk::StagedHttpFilter>& out) const noexcept override {
    for (const auto& p : policies)
      for (const auto& name : static_cast<const Ir*>(p.ir)->names) {
        sdk::StagedHttpFilter f;
        f.stage.stage = sdk::WellKnownStage::AuthN;
        f.filter.set_name(name);
        f.filter.mutable_typed_config()->PackFrom(envoy::extensions::filters::http::router::v3::Router());
        out.push_back(std::move(f));
      }
  }
};

// Filters of one stage are ordered by name, whichever policy contributed them first.
TEST(TranslateGateway, FiltersOfOneStageAreOrderedByName) {
  const Input input = input_from(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: a, protocol: HTTP, port: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: svc, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec:
  ports: [{port: 80}]
---
apiVersion: example.dev/v1
kind: NamedFilters
metadata: {name: p}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  filters: [jwt/z, jwt/b, jwt/m]
)");
  config::TranslationSettings settings;
  plugins::ExtensionRegistry registry;
  ASSERT_TRUE(registry.add_policy_kind(std::make_unique<NamedFiltersKind>()));
  Output out = translate_gateway(input, {"gateway.networking.k8s.io", "Gateway", "default", "gw"}, settings, registry);
  ASSERT_EQ(out.listeners.size(), 1u);
  envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager hcm;
  ASSERT_TRUE(out.listeners[0].filter_chains(0).filters(0).typed_config().UnpackTo(&hcm));
  std::vector<std::string> names;
  for (const auto& f : hcm.http_filters()) names.push_back(f.name());
  EXPECT_EQ(names, (std::vector<std::string>{"jwt/b", "jwt/m", "jwt/z", "envoy.filters.http.router"}));
}

}  // namespace
}  // namespace kgw::translator
