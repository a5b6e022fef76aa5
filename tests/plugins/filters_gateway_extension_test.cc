// TrafficPolicy features that call a GatewayExtension's service (extAuth, extProc, global rate
// limit), through the filters plugin's .so, where the reference cases do not pin the behaviour.
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/extensions/common/matching/v3/extension_matcher.pb.h"
#include "envoy/extensions/filters/http/composite/v3/composite.pb.h"
#include "envoy/extensions/filters/http/dynamic_modules/v3/dynamic_modules.pb.h"
#include "envoy/extensions/filters/http/ext_authz/v3/ext_authz.pb.h"
#include "envoy/extensions/filters/http/ext_proc/v3/ext_proc.pb.h"
#include "envoy/extensions/filters/http/ratelimit/v3/rate_limit.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "filters_test_util.h"
#include "google/protobuf/wrappers.pb.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"
#include "sources/manifest_parser.h"
#include "translator/translator.h"

namespace kgw {
namespace {

using envoy::config::route::v3::Route;
using HCM = envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;

// A Gateway, a route to a Service whose rule names TrafficPolicy `policy` in an ExtensionRef, a
// Service `ext` for the extensions' backends (gRPC on 9000), and `extra` objects.
translator::Output translate(const std::string& extra) {
  const std::string yaml = std::string(test_support::kGatewayRouteAndService) + R"(
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: default}
spec:
  ports: [{port: 9000, appProtocol: kubernetes.io/h2c}]
---
)" + extra;
  return test_support::translate_with_filters(yaml, "default", "gw");
}

const Route& only_route(const translator::Output& out) {
  EXPECT_EQ(out.routes.size(), 1u);
  EXPECT_EQ(out.routes.at(0).virtual_hosts_size(), 1);
  EXPECT_EQ(out.routes.at(0).virtual_hosts(0).routes_size(), 1);
  return out.routes.at(0).virtual_hosts(0).routes(0);
}

HCM only_hcm(const translator::Output& out) {
  EXPECT_EQ(out.listeners.size(), 1u);
  HCM hcm;
  EXPECT_TRUE(out.listeners.at(0).filter_chains(0).filters(0).typed_config().UnpackTo(&hcm));
  return hcm;
}

std::vector<std::string> filter_names(const HCM& hcm) {
  std::vector<std::string> out;
  for (const auto& f : hcm.http_filters()) out.push_back(f.name());
  return out;
}

const envoy::extensions::filters::network::http_connection_manager::v3::HttpFilter& filter_named(
    const HCM& hcm, const std::string& name) {
  for (const auto& f : hcm.http_filters())
    if (f.name() == name) return f;
  ADD_FAILURE() << "no filter " << name;
  return hcm.http_filters(0);
}

TEST(FiltersGatewayExtension, ExtAuthOverGrpcCallsTheExtensionsClusterAndIsEnabledPerRoute) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: GatewayExtension
metadata: {name: auth, namespace: default}
spec:
  type: ExtAuth
  extAuth:
    grpcService:
      backendRef: {name: ext, port: 9000}
      authority: auth.local
    statusOnError: 503
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  extAuth:
    extensionRef: {name: auth}
    contextExtensions: {tenant: a}
)");
  const HCM hcm = only_hcm(out);
  EXPECT_EQ(filter_names(hcm), (std::vector<std::string>{"global_disable/ext_auth", "ext_auth/default/auth",
                                                         "ext_auth_enabled", "envoy.filters.http.router"}));
  const auto& filter = filter_named(hcm, "ext_auth/default/auth");
  EXPECT_TRUE(filter.disabled());
  envoy::extensions::filters::http::ext_authz::v3::ExtAuthz config;
  ASSERT_TRUE(filter.typed_config().UnpackTo(&config));
  EXPECT_EQ(config.grpc_service().envoy_grpc().cluster_name(), "kube_default_ext_9000");
  EXPECT_EQ(config.grpc_service().envoy_grpc().authority(), "auth.local");
  EXPECT_EQ(config.transport_api_version(), envoy::config::core::v3::V3);
  EXPECT_EQ(config.status_on_error().code(), envoy::type::v3::ServiceUnavailable);
  EXPECT_EQ(config.filter_enabled_metadata().filter(), "dev.kgateway.disable_ext_auth");

  const Route& route = only_route(out);
  auto it = route.typed_per_filter_config().find("ext_auth/default/auth");
  ASSERT_NE(it, route.typed_per_filter_config().end());
  envoy::extensions::filters::http::ext_authz::v3::ExtAuthzPerRoute per_route;
  ASSERT_TRUE(it->second.UnpackTo(&per_route));
  EXPECT_EQ(per_route.check_settings().context_extensions().at("tenant"), "a");
}

TEST(FiltersGatewayExtension, ExtAuthNamingAMissingExtensionRejectsThePolicyAndReplacesTheRule) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  extAuth:
    extensionRef: {name: absent}
)");
  const Route& route = only_route(out);
  EXPECT_TRUE(route.has_direct_response());
  EXPECT_EQ(route.direct_response().status(), 500u);
  EXPECT_EQ(filter_names(only_hcm(out)), std::vector<std::string>{"envoy.filters.http.router"});
  const sdk::Value& status = out.statuses.at("policies").at("TrafficPolicy/default/policy");
  const std::string* message =
      status.find("ancestors")->as_list()->at(0).find("conditions")->as_list()->at(0).find("message")->as_string();
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(*message, "extauth: GatewayExtension default/absent not found");
}

TEST(FiltersGatewayExtension, ExtProcRunsAtItsStageWithHigherWeightsFirstAndTakesThePolicysProcessingMode) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: GatewayExtension
metadata: {name: light, namespace: default}
spec:
  extProc:
    grpcService: {backendRef: {name: ext, port: 9000}}
    filterStage: {stage: AuthN, predicate: Before, weight: -2}
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: GatewayExtension
metadata: {name: heavy, namespace: default}
spec:
  extProc:
    grpcService: {backendRef: {name: ext, port: 9000}}
    failOpen: false
    filterStage: {stage: AuthN, predicate: Before, weight: 3}
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: gateway-wide, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  extProc:
    extensionRef: {name: light}
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  extProc:
    extensionRef: {name: heavy}
    processingMode: {requestBodyMode: BUFFERED, responseHeaderMode: SKIP}
)");
  const HCM hcm = only_hcm(out);
  EXPECT_EQ(filter_names(hcm), (std::vector<std::string>{"global_disable/ext_proc", "ext_proc/default/heavy",
                                                         "ext_proc/default/light", "envoy.filters.http.router"}));
  envoy::extensions::common::matching::v3::ExtensionWithMatcher matcher;
  ASSERT_TRUE(filter_named(hcm, "ext_proc/default/heavy").typed_config().UnpackTo(&matcher));
  envoy::extensions::filters::http::composite::v3::ExecuteFilterAction action;
  ASSERT_TRUE(matcher.xds_matcher().matcher_list().matchers(0).on_match().action().typed_config().UnpackTo(&action));
  envoy::extensions::filters::http::ext_proc::v3::ExternalProcessor processor;
  ASSERT_TRUE(action.typed_config().typed_config().UnpackTo(&processor));
  EXPECT_FALSE(processor.failure_mode_allow());

  const Route& route = only_route(out);
  auto it = route.typed_per_filter_config().find("ext_proc/default/heavy");
  ASSERT_NE(it, route.typed_per_filter_config().end());
  envoy::extensions::filters::http::ext_proc::v3::ExtProcPerRoute per_route;
  ASSERT_TRUE(it->second.UnpackTo(&per_route));
  using Mode = envoy::extensions::filters::http::ext_proc::v3::ProcessingMode;
  EXPECT_EQ(per_route.overrides().processing_mode().request_body_mode(), Mode::BUFFERED);
  EXPECT_EQ(per_route.overrides().processing_mode().response_header_mode(), Mode::SKIP);
}

TEST(FiltersGatewayExtension, GlobalRateLimitMapsEntriesAndTheExtensionsFailureMode) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: GatewayExtension
metadata: {name: limits, namespace: default}
spec:
  type: RateLimit
  rateLimit:
    grpcService: {backendRef: {name: ext, port: 9000}}
    domain: shop
    failOpen: false
    xRateLimitHeaders: DraftVersion03
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  rateLimit:
    global:
      extensionRef: {name: limits}
      descriptors:
      - entries:
        - {type: Generic, generic: {key: tier, value: gold}}
        - {type: RemoteAddress}
)");
  const HCM hcm = only_hcm(out);
  envoy::extensions::filters::http::ratelimit::v3::RateLimit config;
  ASSERT_TRUE(filter_named(hcm, "ratelimit/default/limits").typed_config().UnpackTo(&config));
  EXPECT_EQ(config.domain(), "shop");
  EXPECT_TRUE(config.failure_mode_deny());
  EXPECT_EQ(config.enable_x_ratelimit_headers(),
            envoy::extensions::filters::http::ratelimit::v3::RateLimit::DRAFT_VERSION_03);
  EXPECT_EQ(config.timeout().nanos(), 100000000);
  EXPECT_EQ(config.rate_limit_service().grpc_service().envoy_grpc().cluster_name(), "kube_default_ext_9000");

  const Route& route = only_route(out);
  auto it = route.typed_per_filter_config().find("ratelimit/default/limits");
  ASSERT_NE(it, route.typed_per_filter_config().end());
  envoy::extensions::filters::http::ratelimit::v3::RateLimitPerRoute per_route;
  ASSERT_TRUE(it->second.UnpackTo(&per_route));
  ASSERT_EQ(per_route.rate_limits_size(), 1);
  ASSERT_EQ(per_route.rate_limits(0).actions_size(), 2);
  EXPECT_EQ(per_route.rate_limits(0).actions(0).generic_key().descriptor_key(), "tier");
  EXPECT_EQ(per_route.rate_limits(0).actions(0).generic_key().descriptor_value(), "gold");
  EXPECT_TRUE(per_route.rate_limits(0).actions(1).has_remote_address());
}

TEST(FiltersGatewayExtension, GlobalRateLimitEntryWithoutItsValueIsRejected) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: GatewayExtension
metadata: {name: limits, namespace: default}
spec:
  rateLimit:
    grpcService: {backendRef: {name: ext, port: 9000}}
    domain: shop
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  rateLimit:
    global:
      extensionRef: {name: limits}
      descriptors:
      - entries: [{type: Generic, generic: {key: tier}}]
)");
  EXPECT_TRUE(only_route(out).has_direct_response());
  EXPECT_EQ(filter_names(only_hcm(out)), std::vector<std::string>{"envoy.filters.http.router"});
}

}  // namespace
}  // namespace kgw

namespace kgw {
namespace {

// Not a GatewayExtension feature, but it shares this file's route: a templated stat prefix is
// filled in from the route the policy applies to.
TEST(FiltersStatPrefix, TemplateTokensTakeTheRoutesNamespaceNameAndRuleName) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  statPrefix: "{{route_namespace}}.{{ route_name }}.rule-{{rule_name}}"
)");
  EXPECT_EQ(only_route(out).stat_prefix(), "default.r.rule-");
}

}  // namespace
}  // namespace kgw

namespace kgw {
namespace {

std::string acl_config(const Route& route) {
  auto it = route.typed_per_filter_config().find("dynamic_modules/http-acl");
  if (it == route.typed_per_filter_config().end()) return "";
  envoy::extensions::filters::http::dynamic_modules::v3::DynamicModuleFilterPerRoute per_route;
  google::protobuf::StringValue value;
  if (!it->second.UnpackTo(&per_route) || !per_route.filter_config().UnpackTo(&value)) return "";
  return value.value();
}

// Also not a GatewayExtension feature: ACLs of one level merge unless they disagree.
TEST(FiltersAcl, PoliciesOfOneLevelWithDifferentDenyResponsesDoNotMerge) {
  const std::string policies = R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  acl:
    defaultAction: deny
    denyResponse: {statusCode: 403}
    rules: [{action: allow, cidrs: [10.0.0.0/8]}]
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: other, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
  acl:
    defaultAction: deny
    denyResponse: {statusCode: DENY_STATUS}
    rules: [{action: allow, cidrs: [192.168.0.0/16]}]
)";
  auto same = [&](const std::string& status) {
    std::string yaml = policies;
    yaml.replace(yaml.find("DENY_STATUS"), 11, status);
    return acl_config(only_route(translate(yaml)));
  };
  EXPECT_EQ(same("403"),
            R"({"defaultAction":"deny","denyResponse":{"statusCode":403},"rules":[{"action":"allow","cidrs":)"
            R"(["10.0.0.0/8"]},{"action":"allow","cidrs":["192.168.0.0/16"]}]})");
  EXPECT_EQ(same("401"),
            R"({"defaultAction":"deny","denyResponse":{"statusCode":403},"rules":[{"action":"allow","cidrs":)"
            R"(["10.0.0.0/8"]}]})");
}

}  // namespace
}  // namespace kgw
