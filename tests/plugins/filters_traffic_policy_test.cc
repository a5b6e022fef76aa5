// TrafficPolicy features of the filters plugin, loaded from its .so as `kgw serve` loads it, where
// the reference cases do not pin the behaviour.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "envoy/config/rbac/v3/rbac.pb.h"
#include "envoy/extensions/filters/http/api_key_auth/v3/api_key_auth.pb.h"
#include "envoy/extensions/filters/http/basic_auth/v3/basic_auth.pb.h"
#include "envoy/extensions/filters/http/cors/v3/cors.pb.h"
#include "envoy/extensions/filters/http/dynamic_modules/v3/dynamic_modules.pb.h"
#include "envoy/extensions/filters/http/rbac/v3/rbac.pb.h"
#include "filters_test_util.h"
#include "google/protobuf/wrappers.pb.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"
#include "sources/manifest_parser.h"
#include "translator/translator.h"

namespace kgw {
namespace {

using envoy::config::route::v3::Route;

// A Gateway, one route to a Service with the ExtensionRef filter `policy`, and `extra` objects.
translator::Output translate(const std::string& extra) {
  const std::string yaml = test_support::kGatewayRouteAndService + extra;
  return test_support::translate_with_filters(yaml, "default", "gw");
}

const Route& only_route(const translator::Output& out) {
  EXPECT_EQ(out.routes.size(), 1u);
  EXPECT_EQ(out.routes.at(0).virtual_hosts_size(), 1);
  EXPECT_EQ(out.routes.at(0).virtual_hosts(0).routes_size(), 1);
  return out.routes.at(0).virtual_hosts(0).routes(0);
}

TEST(FiltersTrafficPolicy, BasicAuthUsersComeFromTheSecretsHtpasswdKey) {
  auto out = translate(R"(
apiVersion: v1
kind: Secret
metadata: {name: users, namespace: default}
stringData:
  .htpasswd: "alice:{SHA}abc"
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  basicAuth:
    secretRef: {name: users}
)");
  const Route& route = only_route(out);
  auto it = route.typed_per_filter_config().find("envoy.filters.http.basic_auth");
  ASSERT_NE(it, route.typed_per_filter_config().end());
  envoy::extensions::filters::http::basic_auth::v3::BasicAuthPerRoute config;
  ASSERT_TRUE(it->second.UnpackTo(&config));
  EXPECT_EQ(config.users().inline_string(), "alice:{SHA}abc");
  EXPECT_TRUE(route.typed_per_filter_config().count("basic_auth_enabled"));
}

TEST(FiltersTrafficPolicy, ApiKeyAuthWithAMissingSecretConfiguresNoCredentials) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  apiKeyAuth:
    keySources: [{header: x-api-key}]
    secretRef: {name: absent}
)");
  // The policy is rejected: the route must not get an API key check without keys.
  bool configured = false;
  for (const auto& rc : out.routes)
    for (const auto& vh : rc.virtual_hosts())
      for (const auto& r : vh.routes())
        if (r.typed_per_filter_config().count("envoy.filters.http.api_key_auth")) configured = true;
  EXPECT_FALSE(configured);
}

TEST(FiltersTrafficPolicy, AclConfigurationIsJsonWithSortedKeysAndEscapedStrings) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  acl:
    rules:
    - {name: "a \"quoted\" rule", cidrs: ["10.0.0.0/8"], action: deny}
    defaultAction: allow
)");
  const Route& route = only_route(out);
  auto it = route.typed_per_filter_config().find("dynamic_modules/http-acl");
  ASSERT_NE(it, route.typed_per_filter_config().end());
  envoy::extensions::filters::http::dynamic_modules::v3::DynamicModuleFilterPerRoute config;
  ASSERT_TRUE(it->second.UnpackTo(&config));
  google::protobuf::StringValue json;
  ASSERT_TRUE(config.filter_config().UnpackTo(&json));
  EXPECT_EQ(
      json.value(),
      R"({"defaultAction":"allow","rules":[{"action":"deny","cidrs":["10.0.0.0/8"],"name":"a \"quoted\" rule"}]})");
}

TEST(FiltersTrafficPolicy, RbacDenyMatchesOneExpressionDirectlyAndAllowsTheRest) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  rbac:
    action: Deny
    policy:
      matchExpressions: ["request.headers['x-user'] == 'mallory'"]
)");
  const Route& route = only_route(out);
  auto it = route.typed_per_filter_config().find("envoy.filters.http.rbac");
  ASSERT_NE(it, route.typed_per_filter_config().end());
  envoy::extensions::filters::http::rbac::v3::RBACPerRoute config;
  ASSERT_TRUE(it->second.UnpackTo(&config));
  const auto& matcher = config.rbac().matcher();
  ASSERT_EQ(matcher.matcher_list().matchers_size(), 1);
  const auto& m = matcher.matcher_list().matchers(0);
  EXPECT_TRUE(m.predicate().has_single_predicate());
  envoy::config::rbac::v3::Action on_match, on_no_match;
  ASSERT_TRUE(m.on_match().action().typed_config().UnpackTo(&on_match));
  ASSERT_TRUE(matcher.on_no_match().action().typed_config().UnpackTo(&on_no_match));
  EXPECT_EQ(on_match.name(), "deny-request");
  EXPECT_EQ(on_match.action(), envoy::config::rbac::v3::RBAC::DENY);
  EXPECT_EQ(on_no_match.name(), "allow-request");
  EXPECT_EQ(on_no_match.action(), envoy::config::rbac::v3::RBAC::ALLOW);
}

TEST(FiltersTrafficPolicy, RbacWithAnInvalidExpressionIsRejected) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  rbac:
    policy:
      matchExpressions: ["request.path =="]
)");
  for (const auto& rc : out.routes)
    for (const auto& vh : rc.virtual_hosts())
      for (const auto& r : vh.routes()) EXPECT_FALSE(r.typed_per_filter_config().count("envoy.filters.http.rbac"));
}

TEST(FiltersTrafficPolicy, TransformationJsonFollowsKgatewaysFieldOrder) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  transformation:
    request:
      body: {}
      remove: [x-old]
      add: [{name: x-a, value: "{{ header(\"y\") }}"}]
      set: [{name: x-s, value: s}]
      dynamicMetadata: [{value: {stringValue: v}, key: k, namespace: ns}]
)");
  const Route& route = only_route(out);
  auto it = route.typed_per_filter_config().find("dynamic_modules/simple_mutations");
  ASSERT_NE(it, route.typed_per_filter_config().end());
  envoy::extensions::filters::http::dynamic_modules::v3::DynamicModuleFilterPerRoute config;
  ASSERT_TRUE(it->second.UnpackTo(&config));
  google::protobuf::StringValue json;
  ASSERT_TRUE(config.filter_config().UnpackTo(&json));
  EXPECT_EQ(json.value(),
            R"({"request":{"set":[{"name":"x-s","value":"s"}],"add":[{"name":"x-a","value":"{{ header(\"y\") }}"}],)"
            R"("remove":["x-old"],"body":{"parseAs":"AsString"},)"
            R"("dynamicMetadata":[{"namespace":"ns","key":"k","value":{"stringValue":"v"}}]}})");
}

TEST(FiltersTrafficPolicy, CorsWildcardOriginsBecomeRegularExpressions) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  cors:
    allowOrigins: ["https://*.example.com"]
    allowMethods: [GET, POST]
    maxAge: 60
    allowCredentials: true
)");
  const Route& route = only_route(out);
  auto it = route.typed_per_filter_config().find("envoy.filters.http.cors");
  ASSERT_NE(it, route.typed_per_filter_config().end());
  envoy::extensions::filters::http::cors::v3::CorsPolicy config;
  ASSERT_TRUE(it->second.UnpackTo(&config));
  ASSERT_EQ(config.allow_origin_string_match_size(), 1);
  EXPECT_EQ(config.allow_origin_string_match(0).safe_regex().regex(), "https://.*\\.example\\.com");
  EXPECT_EQ(config.allow_methods(), "GET,POST");
  EXPECT_EQ(config.max_age(), "60");
  EXPECT_TRUE(config.allow_credentials().value());
}

// The plugin reads CA bundles from Secrets only (the SDK looks up no ConfigMaps): a ConfigMap
// reference rejects the ListenerPolicy, with the reason in its status.
TEST(FiltersListenerPolicy, ClientValidationFromAConfigMapIsRejected) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: ListenerPolicy
metadata: {name: mtls, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  default:
    clientCertificateValidation:
      caCertificateRefs: [{kind: ConfigMap, group: "", name: ca}]
)");
  const auto& policies = out.statuses.at("policies");
  auto it = policies.find("ListenerPolicy/default/mtls");
  ASSERT_NE(it, policies.end());
  const std::string text = [&] {
    std::string all;
    for (const auto& ancestor : *it->second->find("ancestors")->as_list())
      for (const auto& c : *ancestor.find("conditions")->as_list())
        if (const std::string* m = c.find("message")->as_string()) all += *m + "\n";
    return all;
  }();
  EXPECT_NE(text.find("only Secret CA certificate references are supported"), std::string::npos) << text;
}

}  // namespace
}  // namespace kgw
