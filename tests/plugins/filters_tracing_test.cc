// Tracing of ListenerPolicy, HTTPListenerPolicy and TrafficPolicy, through the filters plugin's .so,
// where the reference cases do not pin the behaviour.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "envoy/config/trace/v3/opentelemetry.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "filters_test_util.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"
#include "sources/manifest_parser.h"
#include "translator/translator.h"

namespace kgw {
namespace {

using HttpConnectionManager = envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;
using envoy::config::trace::v3::OpenTelemetryConfig;

// Gateway `edge`/`infra`, a route `r` to Service `svc`, the collector Service and `extra` objects.
translator::Output translate(const std::string& extra) {
  const std::string yaml = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: infra}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: Same}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: infra}
spec:
  parentRefs: [{name: edge}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /a}}]
    backendRefs: [{name: svc, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: infra}
spec:
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: collector, namespace: infra}
spec:
  ports: [{port: 4317}]
---
)" + extra;
  return test_support::translate_with_filters(yaml, "infra", "edge");
}

HttpConnectionManager hcm_of(const translator::Output& out) {
  HttpConnectionManager hcm;
  EXPECT_EQ(out.listeners.size(), 1u);
  if (out.listeners.empty()) return hcm;
  EXPECT_TRUE(out.listeners.at(0).filter_chains(0).filters(0).typed_config().UnpackTo(&hcm));
  return hcm;
}

OpenTelemetryConfig otel_of(const HttpConnectionManager& hcm) {
  OpenTelemetryConfig config;
  EXPECT_EQ(hcm.tracing().provider().name(), "envoy.tracers.opentelemetry");
  EXPECT_TRUE(hcm.tracing().provider().typed_config().UnpackTo(&config));
  return config;
}

const std::string kListenerPolicy = R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: ListenerPolicy
metadata: {name: trace, namespace: infra}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
  default:
    httpSettings:
      tracing:
)";

TEST(FiltersTracing, ListenerTracerNamesTheGatewayAndCarriesEveryAttributeKind) {
  auto hcm = hcm_of(translate(kListenerPolicy + R"(
        provider:
          openTelemetry:
            grpcService:
              backendRef: {name: collector, port: 4317}
              authority: otel.example
              timeout: 2s
              initialMetadata: [{key: x-tenant, value: a}]
        randomSampling: 25
        maxPathTagLength: 64
        verbose: true
        attributes:
        - {name: env, environment: {name: POD_NAME, defaultValue: unknown}}
        - {name: hdr, requestHeader: {name: x-id}}
        - name: md
          metadata:
            kind: Route
            metadataKey: {key: acme, path: [{key: team}]}
)"));
  ASSERT_TRUE(hcm.has_tracing());
  const auto& t = hcm.tracing();
  EXPECT_DOUBLE_EQ(t.random_sampling().value(), 25);
  EXPECT_FALSE(t.has_client_sampling());
  EXPECT_EQ(t.max_path_tag_length().value(), 64u);
  EXPECT_TRUE(t.verbose());
  ASSERT_EQ(t.custom_tags_size(), 3);
  EXPECT_EQ(t.custom_tags(0).environment().default_value(), "unknown");
  EXPECT_EQ(t.custom_tags(1).request_header().name(), "x-id");
  EXPECT_TRUE(t.custom_tags(2).metadata().kind().has_route());
  EXPECT_EQ(t.custom_tags(2).metadata().metadata_key().path(0).key(), "team");

  auto otel = otel_of(hcm);
  EXPECT_EQ(otel.service_name(), "edge.infra");
  EXPECT_EQ(otel.grpc_service().envoy_grpc().cluster_name(), "kube_infra_collector_4317");
  EXPECT_EQ(otel.grpc_service().envoy_grpc().authority(), "otel.example");
  EXPECT_EQ(otel.grpc_service().timeout().seconds(), 2);
  EXPECT_EQ(otel.grpc_service().initial_metadata(0).key(), "x-tenant");
  ASSERT_EQ(otel.resource_detectors_size(), 1);
  EXPECT_EQ(otel.resource_detectors(0).name(), "envoy.tracers.opentelemetry.resource_detectors.environment");
}

TEST(FiltersTracing, ExplicitServiceNameAndDisabledDetectorAreKept) {
  auto otel = otel_of(hcm_of(translate(kListenerPolicy + R"(
        provider:
          openTelemetry:
            serviceName: edge-proxy
            resourceDetectors: [{environmentResourceDetector: {enable: false}}]
            grpcService:
              backendRef: {name: collector, port: 4317}
)")));
  EXPECT_EQ(otel.service_name(), "edge-proxy");
  EXPECT_FALSE(otel.grpc_service().has_timeout());
  EXPECT_FALSE(otel.grpc_service().envoy_grpc().has_retry_policy());
  EXPECT_EQ(otel.resource_detectors_size(), 0);
}

TEST(FiltersTracing, UnresolvableCollectorRejectsThePolicy) {
  auto hcm = hcm_of(translate(kListenerPolicy + R"(
        provider:
          openTelemetry:
            grpcService:
              backendRef: {name: missing, port: 4317}
)"));
  EXPECT_FALSE(hcm.has_tracing());
}

TEST(FiltersTracing, TrafficPolicyOverridesSamplingOnItsRouteOnly) {
  auto out = translate(kListenerPolicy + R"(
        provider:
          openTelemetry:
            grpcService:
              backendRef: {name: collector, port: 4317}
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: sample, namespace: infra}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
  tracing:
    randomSampling: 10
    attributes: [{name: tier, literal: {value: gold}}]
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: gateway-wide, namespace: infra}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
  tracing:
    disable: {}
)");
  ASSERT_EQ(out.routes.size(), 1u);
  ASSERT_EQ(out.routes.at(0).virtual_hosts(0).routes_size(), 1);
  const auto& route = out.routes.at(0).virtual_hosts(0).routes(0);
  ASSERT_TRUE(route.has_tracing());
  EXPECT_EQ(route.tracing().random_sampling().numerator(), 10u);
  EXPECT_FALSE(route.tracing().has_client_sampling());
  ASSERT_EQ(route.tracing().custom_tags_size(), 1);
  EXPECT_EQ(route.tracing().custom_tags(0).literal().value(), "gold");
}

TEST(FiltersTracing, TrafficPolicyTracingOnTheGatewayLeavesRoutesAlone) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: gateway-wide, namespace: infra}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
  tracing:
    disable: {}
)");
  ASSERT_EQ(out.routes.size(), 1u);
  ASSERT_EQ(out.routes.at(0).virtual_hosts(0).routes_size(), 1);
  EXPECT_FALSE(out.routes.at(0).virtual_hosts(0).routes(0).has_tracing());
}

}  // namespace
}  // namespace kgw
