// Access logs of ListenerPolicy, through the filters plugin's .so, where the reference cases do
// not pin the behaviour.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "envoy/extensions/access_loggers/file/v3/file.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "filters_test_util.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"
#include "sources/manifest_parser.h"
#include "translator/translator.h"

namespace kgw {
namespace {

using HttpConnectionManager = envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;

// The HTTP connection manager of a Gateway with a ListenerPolicy whose httpSettings are `settings`.
HttpConnectionManager hcm_with(const std::string& settings) {
  const std::string yaml = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: http, protocol: HTTP, port: 80}
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: ListenerPolicy
metadata: {name: policy, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  default:
    httpSettings:
)" + settings;
  auto out = test_support::translate_with_filters(yaml, "default", "gw");
  HttpConnectionManager hcm;
  if (out.listeners.empty()) return hcm;
  EXPECT_TRUE(out.listeners[0].filter_chains(0).filters(0).typed_config().UnpackTo(&hcm));
  return hcm;
}

TEST(FiltersAccessLog, JsonFileSinkWithCombinedFilters) {
  auto hcm = hcm_with(R"(
      accessLog:
      - fileSink:
          path: /var/log/access.json
          jsonFormat: {method: "%REQ(:METHOD)%", code: "%RESPONSE_CODE%"}
        filter:
          orFilter:
          - statusCodeFilter: {op: GE, value: 500}
          - durationFilter: {op: GE, value: 1000}
          - headerFilter: {header: {name: x-debug, value: "on|yes", type: RegularExpression}}
)");
  ASSERT_EQ(hcm.access_log_size(), 1);
  const auto& log = hcm.access_log(0);
  EXPECT_EQ(log.name(), "envoy.access_loggers.file");
  envoy::extensions::access_loggers::file::v3::FileAccessLog file;
  ASSERT_TRUE(log.typed_config().UnpackTo(&file));
  EXPECT_EQ(file.path(), "/var/log/access.json");
  EXPECT_EQ(file.log_format().json_format().fields().at("code").string_value(), "%RESPONSE_CODE%");
  EXPECT_EQ(file.log_format().formatters_size(), 2);
  const auto& filters = log.filter().or_filter().filters();
  ASSERT_EQ(filters.size(), 3);
  EXPECT_EQ(filters[0].status_code_filter().comparison().op(), envoy::config::accesslog::v3::ComparisonFilter::GE);
  EXPECT_EQ(filters[0].status_code_filter().comparison().value().default_value(), 500u);
  EXPECT_EQ(filters[1].duration_filter().comparison().value().default_value(), 1000u);
  EXPECT_EQ(filters[2].header_filter().header().string_match().safe_regex().regex(), "on|yes");
}

TEST(FiltersAccessLog, OtherSinksAreLeftOutAndBadFiltersRejectThePolicy) {
  auto hcm = hcm_with(R"(
      accessLog:
      - grpcService: {logName: als, backendRef: {name: collector, port: 4317}}
      - fileSink: {path: /dev/stdout, stringFormat: "%RESPONSE_CODE%"}
        filter:
          grpcStatusFilter: {statuses: [NOT_FOUND, UNAVAILABLE], exclude: true}
)");
  ASSERT_EQ(hcm.access_log_size(), 1);
  const auto& grpc = hcm.access_log(0).filter().grpc_status_filter();
  ASSERT_EQ(grpc.statuses_size(), 2);
  EXPECT_EQ(grpc.statuses(1), envoy::config::accesslog::v3::GrpcStatusFilter::UNAVAILABLE);
  EXPECT_TRUE(grpc.exclude());

  hcm = hcm_with(R"(
      accessLog:
      - fileSink: {path: /dev/stdout, stringFormat: "%RESPONSE_CODE%"}
        filter:
          grpcStatusFilter: {statuses: [NOT_A_STATUS]}
)");
  EXPECT_EQ(hcm.access_log_size(), 0);
}

}  // namespace
}  // namespace kgw
