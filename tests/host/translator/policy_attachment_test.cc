#include "translator/policy_attachment.h"

#include <gtest/gtest.h>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/route/v3/route.pb.h"
#include "envoy/extensions/filters/http/router/v3/router.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "sources/manifest_parser.h"
#include "translator/translator.h"

namespace kgw::translator {
namespace {

std::vector<sdk::Object> objects_from(const std::string& yaml) {
  auto parsed = sources::parse_manifests(yaml, "test.yaml");
  EXPECT_TRUE(parsed.errors.empty());
  std::vector<sdk::Object> out;
  int64_t t = 0;
  for (auto& p : parsed.objects) {
    p.object.creation_timestamp = ++t;
    out.push_back(std::move(p.object));
  }
  return out;
}

class NameIr final : public sdk::PluginIr {
 public:
  explicit NameIr(std::string n) : name(std::move(n)) {}
  bool equals(const sdk::PluginIr& o) const noexcept override {
    auto* other = dynamic_cast<const NameIr*>(&o);
    return other && other->name == name;
  }
  std::string name;
};

// A policy kind that rejects `spec.bad`, asks for one filter named by `spec.filter` at stage
// `spec.stage`, and records the policies each level hook receives in the output it is given.
class RecordingKind final : public sdk::PolicyKind {
 public:
  sdk::GroupKind group_kind() const noexcept override { return {"example.com", "TestPolicy"}; }
  std::shared_ptr<const sdk::PluginIr> parse(const sdk::Object& policy, const sdk::HostApi&,
                                             sdk::Diagnostics& diag) const noexcept override {
    if (policy.spec() && policy.spec()->find("bad")) {
      diag.error("spec.bad", "bad is not allowed");
      diag.error("spec.bad", "and neither is this");
      return nullptr;
    }
    return std::make_shared<NameIr>(policy.ref.name);
  }
  void http_filters(const sdk::TranslationContext&, sdk::AttachedPolicies policies,
                    std::vector<sdk::StagedHttpFilter>& out) const noexcept override {
    for (const auto& p : policies) {
      auto& f = out.emplace_back();
      const std::string& name = p.policy.name;
      f.stage.stage = name == "early" ? sdk::WellKnownStage::Fault : sdk::WellKnownStage::RateLimit;
      if (name == "upstream") f.stage = {sdk::WellKnownStage::Route, sdk::FilterStage::Relative::After, 0};
      const bool own_name = name.starts_with("named-") || name == "upstream";
      f.filter.set_name("filter." + (name == "early" ? std::string("early") : own_name ? name : std::string("late")));
      f.filter.set_disabled(true);
      f.filter.mutable_typed_config()->PackFrom(google::protobuf::StringValue());
    }
  }
  void apply_route(const sdk::TranslationContext&, sdk::AttachedPolicies policies,
                   envoy::config::route::v3::Route& route) const noexcept override {
    for (const auto& p : policies) route.add_request_headers_to_remove(p.policy.name);
  }
  void apply_cluster(const sdk::TranslationContext&, sdk::AttachedPolicies policies,
                     envoy::config::cluster::v3::Cluster& cluster) const noexcept override {
    for (const auto& p : policies) cluster.set_alt_stat_name(cluster.alt_stat_name() + p.policy.name + ";");
  }
  void apply_route_configuration(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies,
                                 envoy::config::route::v3::RouteConfiguration& rc) const noexcept override {
    for (const auto& p : policies) {
      rc.add_request_headers_to_remove(p.policy.name);
      if (p.policy.name == "overridden")
        ctx.host().report_condition(p.policy, &ctx.gateway(),
                                    {"Attached", sdk::Condition::Status::False, "Overridden", "lost"});
    }
  }
};

class NullHost final : public sdk::HostApi {
 public:
  void log(sdk::LogLevel, std::string_view) const noexcept override {}
  std::shared_ptr<const sdk::Secret> find_secret(const sdk::ObjectRef&, std::string_view,
                                                 std::string_view) const noexcept override {
    return nullptr;
  }
  void report_condition(const sdk::ObjectRef&, const sdk::ObjectRef*, const sdk::Condition&) const noexcept override {}
  const sdk::Object* find_object(const sdk::ObjectRef&, const sdk::ObjectRef&, std::string*) const noexcept override {
    return nullptr;
  }
  std::string backend_cluster(const sdk::ObjectRef&, const sdk::ObjectRef&, int32_t,
                              std::string&) const noexcept override {
    return {};
  }
  void refresh(const sdk::ObjectRef&) const noexcept override {}
};

std::vector<std::string> names(sdk::AttachedPolicies policies) {
  std::vector<std::string> out;
  for (const auto& p : policies) out.push_back(p.policy.name);
  return out;
}

const sdk::ObjectRef kGateway{"gateway.networking.k8s.io", "Gateway", "default", "gw"};
const sdk::ObjectRef kRoute{"gateway.networking.k8s.io", "HTTPRoute", "default", "r"};

const char* kGatewayAndRoute = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, labels: {tier: edge}}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: http, protocol: HTTP, port: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, labels: {app: web}}
spec:
  parentRefs: [{name: gw}]
  rules:
  - name: first
    backendRefs: [{name: svc, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec:
  ports: [{port: 80}]
)";

TEST(PolicyIndex, ResolvesTargetRefsToTheirLevelOldestFirst) {
  auto objects = objects_from(std::string(kGatewayAndRoute) + R"(
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: newer}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: older-in-name-only}
spec:
  targetRefs:
  - {group: gateway.networking.k8s.io, kind: Gateway, name: gw}
  - {group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: http}
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: r, sectionName: first}
  - {group: "", kind: Service, name: svc}
  - {group: "", kind: ConfigMap, name: cm}
  - {group: gateway.networking.k8s.io, kind: ListenerSet, name: set}
  - {group: gateway.networking.k8s.io, kind: ListenerSet, name: set, sectionName: extra}
)");
  plugins::ExtensionRegistry registry;
  ASSERT_TRUE(registry.add_policy_kind(std::make_unique<RecordingKind>()));
  NullHost host;
  PolicyIndex index(objects, registry, host, "");
  const sdk::PolicyKind* kind = registry.policy_kind({"example.com", "TestPolicy"});
  ASSERT_EQ(index.kinds().size(), 1u);
  EXPECT_EQ(names(index.gateway(kind, kGateway)), std::vector<std::string>{"older-in-name-only"});
  EXPECT_EQ(names(index.listener(kind, kGateway, "http")), std::vector<std::string>{"older-in-name-only"});
  EXPECT_TRUE(index.listener(kind, kGateway, "other").empty());
  // Same level: the one created first comes first, whatever the names.
  EXPECT_EQ(names(index.route(kind, kRoute)), (std::vector<std::string>{"newer", "older-in-name-only"}));
  EXPECT_EQ(names(index.rule(kind, kRoute, "first")), std::vector<std::string>{"older-in-name-only"});
  EXPECT_EQ(names(index.backend(kind, {"", "Service", "default", "svc"})),
            std::vector<std::string>{"older-in-name-only"});
  // A ListenerSet stands where a Gateway would.
  const sdk::ObjectRef set{"gateway.networking.k8s.io", "ListenerSet", "default", "set"};
  EXPECT_EQ(names(index.gateway(kind, set)), std::vector<std::string>{"older-in-name-only"});
  EXPECT_EQ(names(index.listener(kind, set, "extra")), std::vector<std::string>{"older-in-name-only"});
  // A target kind that does not attach here resolves to nothing.
  EXPECT_EQ(index.policies()[1].targets.size(), 7u);
}

TEST(PolicyIndex, AHigherPolicyWeightComesBeforeAnOlderPolicy) {
  auto objects = objects_from(std::string(kGatewayAndRoute) + R"(
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: oldest}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: weighted, annotations: {kgateway.dev/policy-weight: "5"}}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: not-a-number, annotations: {kgateway.dev/policy-weight: "5x"}}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: negative, annotations: {kgateway.dev/policy-weight: "-1"}}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
)");
  plugins::ExtensionRegistry registry;
  ASSERT_TRUE(registry.add_policy_kind(std::make_unique<RecordingKind>()));
  NullHost host;
  PolicyIndex index(objects, registry, host, "");
  const sdk::PolicyKind* kind = registry.policy_kind({"example.com", "TestPolicy"});
  // Weight first (a weight that is not an integer counts as none), then creation time.
  EXPECT_EQ(names(index.route(kind, kRoute)),
            (std::vector<std::string>{"weighted", "oldest", "not-a-number", "negative"}));
}

TEST(PolicyIndex, TargetSelectorsMatchLabelsInTheirNamespaceOrEverywhereFromTheGlobalOne) {
  auto objects = objects_from(std::string(kGatewayAndRoute) + R"(
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: local}
spec:
  targetSelectors:
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, matchLabels: {app: web}}
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, matchLabels: {app: other}}
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: global, namespace: system}
spec:
  targetSelectors:
  - {group: gateway.networking.k8s.io, kind: Gateway, matchLabels: {tier: edge}}
)");
  plugins::ExtensionRegistry registry;
  ASSERT_TRUE(registry.add_policy_kind(std::make_unique<RecordingKind>()));
  NullHost host;
  const sdk::PolicyKind* kind = registry.policy_kind({"example.com", "TestPolicy"});
  {
    PolicyIndex index(objects, registry, host, "");
    EXPECT_EQ(names(index.route(kind, kRoute)), std::vector<std::string>{"local"});
    EXPECT_TRUE(index.gateway(kind, kGateway).empty());
  }
  PolicyIndex index(objects, registry, host, "system");
  EXPECT_EQ(names(index.gateway(kind, kGateway)), std::vector<std::string>{"global"});
}

TEST(PolicyIndex, NothingWithoutPolicyKinds) {
  auto objects = objects_from(kGatewayAndRoute);
  plugins::ExtensionRegistry registry;
  NullHost host;
  PolicyIndex index(objects, registry, host, "");
  EXPECT_TRUE(index.empty());
  EXPECT_TRUE(index.kinds().empty());
}

const sdk::Value* find_condition(const sdk::Value& status, const std::string& type) {
  const auto& ancestors = *status.find("ancestors")->as_list();
  for (const auto& c : *ancestors.at(0).find("conditions")->as_list())
    if (*c.find("type")->as_string() == type) return &c;
  return nullptr;
}

TEST(TranslateGatewayPolicies, HooksGetTheirLevelAndFiltersAreStagedOncePerChain) {
  Input input;
  input.objects = objects_from(std::string(kGatewayAndRoute) + R"(
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: late}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: early}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: rule-level}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r, sectionName: first}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: broken}
spec:
  bad: true
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: elsewhere}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: not-here}]
)");
  plugins::ExtensionRegistry registry;
  ASSERT_TRUE(registry.add_policy_kind(std::make_unique<RecordingKind>()));
  Output out = translate_gateway(input, kGateway, config::TranslationSettings{}, registry);

  ASSERT_EQ(out.listeners.size(), 1u);
  envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager hcm;
  ASSERT_TRUE(out.listeners[0].filter_chains(0).filters(0).typed_config().UnpackTo(&hcm));
  std::vector<std::string> filters;
  for (const auto& f : hcm.http_filters()) filters.push_back(f.name());
  // "late" is asked for twice (route and rule policies): once on the chain, by stage, before the router.
  EXPECT_EQ(filters, (std::vector<std::string>{"filter.early", "filter.late", "envoy.filters.http.router"}));

  ASSERT_EQ(out.routes.size(), 1u);
  const auto& rc = out.routes[0];
  EXPECT_EQ(std::vector<std::string>(rc.request_headers_to_remove().begin(), rc.request_headers_to_remove().end()),
            std::vector<std::string>{"early"});
  const auto& route = rc.virtual_hosts(0).routes(0);
  // More specific first: the rule's policy, then the route's.
  EXPECT_EQ(
      std::vector<std::string>(route.request_headers_to_remove().begin(), route.request_headers_to_remove().end()),
      (std::vector<std::string>{"rule-level", "late"}));

  const auto& policies = out.statuses.at("policies");
  EXPECT_EQ(policies.count("TestPolicy/default/elsewhere"), 0u);
  const auto* accepted = find_condition(policies.at("TestPolicy/default/late"), "Accepted");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(*accepted->find("reason")->as_string(), "Valid");
  const auto& broken = policies.at("TestPolicy/default/broken");
  const auto* rejected = find_condition(broken, "Accepted");
  ASSERT_TRUE(rejected);
  EXPECT_EQ(*rejected->find("status")->as_string(), "False");
  EXPECT_EQ(*rejected->find("reason")->as_string(), "Invalid");
  EXPECT_EQ(*rejected->find("message")->as_string(), "bad is not allowed; and neither is this");
  EXPECT_EQ(*find_condition(broken, "Attached")->find("reason")->as_string(), "Pending");
}

TEST(TranslateGatewayPolicies, FiltersOfOneStageGoByNameAndAfterTheRouteStageRunUpstream) {
  Input input;
  input.objects = objects_from(std::string(kGatewayAndRoute) + R"(
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: named-b}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: named-a}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: upstream}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
)");
  plugins::ExtensionRegistry registry;
  ASSERT_TRUE(registry.add_policy_kind(std::make_unique<RecordingKind>()));
  Output out = translate_gateway(input, kGateway, config::TranslationSettings{}, registry);

  ASSERT_EQ(out.listeners.size(), 1u);
  envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager hcm;
  ASSERT_TRUE(out.listeners[0].filter_chains(0).filters(0).typed_config().UnpackTo(&hcm));
  std::vector<std::string> filters;
  for (const auto& f : hcm.http_filters()) filters.push_back(f.name());
  // The Gateway's filter is met first, but one stage is ordered by name.
  EXPECT_EQ(filters, (std::vector<std::string>{"filter.named-a", "filter.named-b", "envoy.filters.http.router"}));
  envoy::extensions::filters::http::router::v3::Router router;
  ASSERT_TRUE(hcm.http_filters(2).typed_config().UnpackTo(&router));
  ASSERT_EQ(router.upstream_http_filters_size(), 2);
  EXPECT_EQ(router.upstream_http_filters(0).name(), "filter.upstream");
  EXPECT_EQ(router.upstream_http_filters(1).name(), "envoy.filters.http.upstream_codec");
}

TEST(TranslateGatewayPolicies, AnInvalidPolicyOnARuleReplacesItAndSaysWhyOnTheRoute) {
  Input input;
  input.objects = objects_from(std::string(kGatewayAndRoute) + R"(
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: broken}
spec:
  bad: true
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r, sectionName: first}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: fine}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
)");
  plugins::ExtensionRegistry registry;
  ASSERT_TRUE(registry.add_policy_kind(std::make_unique<RecordingKind>()));
  Output out = translate_gateway(input, kGateway, config::TranslationSettings{}, registry);

  ASSERT_EQ(out.routes.size(), 1u);
  const auto& route = out.routes[0].virtual_hosts(0).routes(0);
  ASSERT_TRUE(route.has_direct_response());
  EXPECT_EQ(route.direct_response().status(), 500u);
  // A replaced rule gets no policy hooks.
  EXPECT_EQ(route.request_headers_to_remove_size(), 0);
  const auto& parents = *out.statuses.at("httpRoutes").at("default/r")->find("parents")->as_list();
  const auto& programmed = parents.at(0).find("conditions")->as_list()->at(0);
  EXPECT_EQ(*programmed.find("reason")->as_string(), "RouteRuleReplaced");
  EXPECT_EQ(*programmed.find("message")->as_string(),
            "Replaced Rule (0): example.com/TestPolicy/default/broken: bad is not allowed; and neither is this");
}

TEST(TranslateGatewayPolicies, AnExtensionRefFilterAttachesAPolicyToItsRuleFirst) {
  Input input;
  input.objects = objects_from(R"(
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
    - type: ExtensionRef
      extensionRef: {group: example.com, kind: TestPolicy, name: by-filter}
    backendRefs: [{name: svc, port: 80}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: by-target}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: by-filter}
spec: {}
)");
  plugins::ExtensionRegistry registry;
  ASSERT_TRUE(registry.add_policy_kind(std::make_unique<RecordingKind>()));
  Output out = translate_gateway(input, kGateway, config::TranslationSettings{}, registry);
  ASSERT_EQ(out.routes.size(), 1u);
  const auto& route = out.routes[0].virtual_hosts(0).routes(0);
  EXPECT_EQ(
      std::vector<std::string>(route.request_headers_to_remove().begin(), route.request_headers_to_remove().end()),
      (std::vector<std::string>{"by-filter", "by-target"}));
  EXPECT_EQ(out.statuses.at("policies").count("TestPolicy/default/by-filter"), 1u);
}

TEST(TranslateGatewayPolicies, AConditionAKindReportsShowsOnThePolicyStatus) {
  Input input;
  input.objects = objects_from(std::string(kGatewayAndRoute) + R"(
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: overridden}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
)");
  plugins::ExtensionRegistry registry;
  ASSERT_TRUE(registry.add_policy_kind(std::make_unique<RecordingKind>()));
  Output out = translate_gateway(input, kGateway, config::TranslationSettings{}, registry);
  const auto& status = out.statuses.at("policies").at("TestPolicy/default/overridden");
  EXPECT_EQ(*find_condition(status, "Accepted")->find("reason")->as_string(), "Valid");
  const auto* attached = find_condition(status, "Attached");
  ASSERT_TRUE(attached);
  EXPECT_EQ(*attached->find("status")->as_string(), "False");
  EXPECT_EQ(*attached->find("reason")->as_string(), "Overridden");
  EXPECT_EQ(*attached->find("message")->as_string(), "lost");
}

TEST(TranslateGatewayPolicies, PoliciesOnAServiceConfigureItsClustersWithTheServiceAsAncestor) {
  Input input;
  input.objects = objects_from(std::string(kGatewayAndRoute) + R"(
---
apiVersion: example.com/v1
kind: TestPolicy
metadata: {name: on-service}
spec:
  targetRefs: [{group: "", kind: Service, name: svc}, {group: "", kind: Service, name: absent}]
)");
  plugins::ExtensionRegistry registry;
  ASSERT_TRUE(registry.add_policy_kind(std::make_unique<RecordingKind>()));
  Output out = translate_gateway(input, kGateway, config::TranslationSettings{}, registry);
  const envoy::config::cluster::v3::Cluster* cluster = nullptr;
  for (const auto& c : out.clusters)
    if (c.name() == "kube_default_svc_80") cluster = &c;
  ASSERT_TRUE(cluster);
  EXPECT_EQ(cluster->alt_stat_name(), "on-service;");
  const auto& ancestors =
      *out.statuses.at("policies").at("TestPolicy/default/on-service")->find("ancestors")->as_list();
  ASSERT_EQ(ancestors.size(), 1u);
  EXPECT_EQ(*ancestors[0].find("ancestorRef")->find("kind")->as_string(), "Service");
  EXPECT_EQ(*ancestors[0].find("ancestorRef")->find("name")->as_string(), "svc");
}

}  // namespace
}  // namespace kgw::translator
