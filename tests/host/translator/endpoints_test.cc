#include "translator/endpoints.h"

#include <gtest/gtest.h>

namespace kgw::translator {
namespace {

model::EndpointSlice slice(std::vector<model::EndpointSlice::Endpoint> endpoints) {
  model::EndpointSlice s;
  s.ref = {"discovery.k8s.io", "EndpointSlice", "default", "svc-abc"};
  s.service = "svc";
  s.ports = {{std::string("http"), 8080}, {std::string("metrics"), 9000}};
  s.endpoints = std::move(endpoints);
  return s;
}

TEST(BuildEndpoints, OneAssignmentPerServicePortGroupedByZoneWithHealth) {
  model::Service service;
  service.ref = {"", "Service", "default", "svc"};
  service.ports = {{std::string("http"), 80, std::nullopt}};
  auto s = slice({
      {{"10.0.0.2"}, true, true, false, std::string("b")},
      {{"10.0.0.1"}, true, true, false, std::string("a")},
      {{"10.0.0.3"}, false, true, true, std::string("a")},    // terminating, still serving
      {{"10.0.0.4"}, false, false, false, std::string("a")},  // not ready: left out
  });
  auto out = build_endpoints(service, {&s});
  ASSERT_EQ(out.size(), 1u);
  const auto& cla = out[0];
  EXPECT_EQ(cla.cluster_name(), "kube_default_svc_80");
  ASSERT_EQ(cla.endpoints_size(), 2);
  EXPECT_EQ(cla.endpoints(0).locality().zone(), "a");
  EXPECT_EQ(cla.endpoints(0).load_balancing_weight().value(), 1u);
  ASSERT_EQ(cla.endpoints(0).lb_endpoints_size(), 2);
  EXPECT_EQ(cla.endpoints(0).lb_endpoints(0).endpoint().address().socket_address().address(), "10.0.0.1");
  EXPECT_EQ(cla.endpoints(0).lb_endpoints(0).endpoint().address().socket_address().port_value(), 8080u);
  EXPECT_EQ(cla.endpoints(0).lb_endpoints(0).health_status(), envoy::config::core::v3::HEALTHY);
  EXPECT_EQ(cla.endpoints(0).lb_endpoints(1).endpoint().address().socket_address().address(), "10.0.0.3");
  EXPECT_EQ(cla.endpoints(0).lb_endpoints(1).health_status(), envoy::config::core::v3::DRAINING);
  EXPECT_EQ(cla.endpoints(1).locality().zone(), "b");
}

TEST(BuildEndpoints, AServiceWithoutSlicesHasAnEmptyAssignment) {
  model::Service service;
  service.ref = {"", "Service", "ns", "lonely"};
  service.ports = {{std::nullopt, 443, std::nullopt}};
  auto out = build_endpoints(service, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].cluster_name(), "kube_ns_lonely_443");
  EXPECT_EQ(out[0].endpoints_size(), 0);
}

}  // namespace
}  // namespace kgw::translator
