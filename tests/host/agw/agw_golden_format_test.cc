// The document of `kgw translate --proxy agentgateway`: resources sorted by name with their
// Gateway, protobuf JSON field names, statuses with apiVersion, kind and metadata. (Sequences are
// indented as in the Envoy golden format; the reference files' flush style reads the same.)
#include <gtest/gtest.h>

#include "agw/golden_format.h"
#include "agw/inputs.h"
#include "agw/translate.h"

namespace kgw::agw {
namespace {

sdk::Object object(const std::string& kind, const std::string& ns, const std::string& name, sdk::Value spec) {
  sdk::Object o;
  o.ref = {"gateway.networking.k8s.io", kind, ns, name};
  o.body.set("spec", std::move(spec));
  return o;
}

TEST(AgwGoldenFormat, ResourcesSortedByNameAsProtobufJson) {
  Output output;
  const sdk::ObjectRef gw{"gateway.networking.k8s.io", "Gateway", "default", "test-gateway"};
  auto& listener = output.resources.emplace_back(GatewayResource{gw, {}}).resource;
  listener.mutable_listener()->set_key("default/test-gateway.hbone");
  listener.mutable_listener()->set_bind_key("15008/default/test-gateway");
  listener.mutable_listener()->set_protocol(::agentgateway::dev::resource::HBONE);
  auto& bind = output.resources.emplace_back(GatewayResource{gw, {}}).resource;
  bind.mutable_bind()->set_key("15008/default/test-gateway");
  bind.mutable_bind()->set_port(15008);
  bind.mutable_bind()->set_tunnel_protocol(::agentgateway::dev::resource::Bind::HBONE_GATEWAY);
  sdk::Value status;
  status.set("attachedListenerSets", 0);
  output.statuses.push_back({gw, "gateway.networking.k8s.io/v1", status});
  EXPECT_EQ(render(output, translator::Format::Yaml), R"(output:
  - gateway:
      Name: test-gateway
      Namespace: default
    resource:
      bind:
        key: 15008/default/test-gateway
        port: 15008
        tunnelProtocol: HBONE_GATEWAY
  - gateway:
      Name: test-gateway
      Namespace: default
    resource:
      listener:
        bindKey: 15008/default/test-gateway
        key: default/test-gateway.hbone
        protocol: HBONE
status:
  - apiVersion: gateway.networking.k8s.io/v1
    kind: Gateway
    metadata:
      name: test-gateway
      namespace: default
    status:
      attachedListenerSets: 0
)");
  const std::string json = render(output, translator::Format::Json);
  EXPECT_NE(json.find(R"("tunnelProtocol": "HBONE_GATEWAY")"), std::string::npos) << json;
  EXPECT_EQ(json.front(), '{');
}

TEST(AgwGoldenFormat, EmptyOutputStillHasItsSections) {
  EXPECT_EQ(render(Output{}, translator::Format::Yaml), "output: []\nstatus: []\n");
}

TEST(AgwTranslate, AgentgatewayGatewaysByClassNameOrController) {
  sdk::Value by_name, by_class, other, controller, kgateway_controller;
  by_name.set("gatewayClassName", "agentgateway");
  by_class.set("gatewayClassName", "mine");
  other.set("gatewayClassName", "kgateway");
  controller.set("controllerName", kControllerName);
  kgateway_controller.set("controllerName", "kgateway.dev/kgateway");
  const std::vector<sdk::Object> objects{object("GatewayClass", "", "mine", controller),
                                         object("GatewayClass", "", "kgateway", kgateway_controller),
                                         object("Gateway", "d", "a", by_name),
                                         object("Gateway", "d", "b", by_class),
                                         object("Gateway", "d", "c", other),
                                         object("HTTPRoute", "d", "r", by_name)};
  const Inputs inputs(objects);
  EXPECT_TRUE(inputs.is_agentgateway_gateway({kGatewayGroup, "Gateway", "d", "a"}));
  EXPECT_TRUE(inputs.is_agentgateway_gateway({kGatewayGroup, "Gateway", "d", "b"}));
  EXPECT_FALSE(inputs.is_agentgateway_gateway({kGatewayGroup, "Gateway", "d", "c"}));
  EXPECT_FALSE(inputs.is_agentgateway_gateway({kGatewayGroup, "Gateway", "d", "r"}));
  ASSERT_EQ(inputs.gateways().size(), 2u);
  EXPECT_EQ(inputs.gateways()[0]->ref.name, "a");
  const std::vector<sdk::Object> no_class{object("Gateway", "d", "e", by_class)};
  EXPECT_FALSE(Inputs(no_class).is_agentgateway_gateway({kGatewayGroup, "Gateway", "d", "e"}));
}

}  // namespace
}  // namespace kgw::agw
