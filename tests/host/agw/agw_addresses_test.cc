// Addresses and InferencePools of the agentgateway translation beyond what the reference cases
// show: EndpointSlice endpoints as Workloads, port protocols, picker problems.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "agw/addresses.h"
#include "agw/inference_pools.h"
#include "agw/inputs.h"
#include "common/manifests.h"

namespace kgw::agw {
namespace {

using ::istio::workload::AppProtocol;

std::vector<sdk::Object> parse(const std::string& yaml) { return test_support::objects_from_yaml(yaml); }

const char* const kServiceAndSlices = R"(apiVersion: v1
kind: Service
metadata: {name: be, namespace: ns}
spec:
  ports:
  - {name: http, port: 80, targetPort: web}
  - {name: grpc-api, port: 9000, targetPort: 9000}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: be-abc
  namespace: ns
  labels: {kubernetes.io/service-name: be}
addressType: IPv4
ports:
- {name: http, port: 8080}
- {name: grpc-api, port: 9000}
endpoints:
- addresses: [10.0.0.7]
  conditions: {ready: true}
  targetRef: {kind: Pod, name: be-1}
- addresses: [10.0.0.8]
  conditions: {ready: false}
)";

TEST(AgwAddresses, ServicesAndTheirEndpointSlicesBecomeServicesAndWorkloads) {
  const auto objects = parse(kServiceAndSlices);
  Output out;
  translate_addresses(Inputs(objects), out);
  ASSERT_EQ(out.addresses.size(), 3u);
  const auto& svc = out.addresses[0].service();
  EXPECT_EQ(svc.hostname(), "be.ns.svc.cluster.local");
  EXPECT_TRUE(svc.canonical());
  ASSERT_EQ(svc.ports_size(), 2);
  EXPECT_EQ(svc.ports(0).target_port(), 0u) << "a named targetPort is resolved per endpoint";
  EXPECT_EQ(svc.ports(0).app_protocol(), AppProtocol::HTTP11);
  EXPECT_EQ(svc.ports(1).app_protocol(), AppProtocol::GRPC);

  const auto& pod = out.addresses[1].workload();
  EXPECT_EQ(pod.uid(), "Kubernetes//Pod/ns/be-1");
  ASSERT_EQ(pod.addresses_size(), 1);
  EXPECT_EQ(pod.addresses(0), std::string("\x0a\x00\x00\x07", 4));
  EXPECT_EQ(pod.status(), ::istio::workload::WorkloadStatus::HEALTHY);
  const auto& ports = pod.services().at("ns/be.ns.svc.cluster.local").ports();
  ASSERT_EQ(ports.size(), 2);
  EXPECT_EQ(ports[0].service_port(), 80u);
  EXPECT_EQ(ports[0].target_port(), 8080u) << "the slice's port of the same name";

  const auto& unready = out.addresses[2].workload();
  EXPECT_EQ(unready.uid(), "Kubernetes/discovery.k8s.io/EndpointSlice/ns/be-abc/10.0.0.8");
  EXPECT_EQ(unready.status(), ::istio::workload::WorkloadStatus::UNHEALTHY);
}

TEST(AgwAddresses, AppProtocolPrefersTheFieldThenThePortName) {
  EXPECT_EQ(app_protocol("kubernetes.io/h2c", "grpc"), AppProtocol::HTTP2);
  EXPECT_EQ(app_protocol("anything", "https-admin"), AppProtocol::TLS);
  EXPECT_EQ(app_protocol("", "tcp"), AppProtocol::UNKNOWN);
  EXPECT_EQ(app_protocol("", ""), AppProtocol::UNKNOWN);
}

TEST(AgwInferencePools, EveryPickerProblemIsNamedAndNoTlsPolicyFollows) {
  const auto objects = parse(R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: ns}
spec:
  gatewayClassName: agentgateway
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool, namespace: ns}
spec:
  endpointPickerRef: {group: x.io, kind: Thing, name: picker}
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 8000}]
)");
  Output out;
  const Inputs inputs(objects);
  translate_inference_pools(inputs, PolicyTargets(inputs, GatewaysModel{}, {}), out);
  ASSERT_EQ(out.resources.size(), 1u) << "no :inferencetls without a valid picker";
  EXPECT_EQ(out.resources[0].resource.policy().key(), "ns/pool:inference");
  EXPECT_FALSE(out.resources[0].resource.policy().backend().inference_routing().endpoint_picker().has_service());
  ASSERT_EQ(out.statuses.size(), 1u);
  const sdk::Value& resolved =
      (*out.statuses[0].status.find("parents")->as_list())[0].find("conditions")->as_list()->at(1);
  EXPECT_EQ(*resolved.find("status")->as_string(), "False");
  EXPECT_EQ(*resolved.find("message")->as_string(),
            "error: endpointPickerRef.group must be empty, got \"x.io\"; endpointPickerRef.kind must be \"Service\", "
            "got \"Thing\"; endpointPickerRef.port must be specified");
}

}  // namespace
}  // namespace kgw::agw
