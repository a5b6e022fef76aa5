// Listeners, route attachment and route delegation of the agentgateway translation.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <variant>

#include "agw/gateways.h"
#include "agw/listeners.h"
#include "agw/routes.h"
#include "common/manifests.h"

namespace kgw::agw {
namespace {

namespace res = ::agentgateway::dev::resource;

const char* kGateway = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: agentgateway
spec:
  controllerName: agentgateway.dev/agentgateway
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  gatewayClassName: agentgateway
  listeners:
    - name: web
      port: 80
      protocol: HTTP
      hostname: "*.example.com"
    - name: secure
      port: 443
      protocol: HTTPS
      tls:
        certificateRefs:
          - name: missing
---
)";

std::vector<sdk::Object> parse(const std::string& text) { return test_support::objects_from_yaml(text); }

const sdk::Value* status_of(const Output& output, const std::string& kind, const std::string& name) {
  for (const auto& s : output.statuses)
    if (s.object.kind == kind && s.object.name == name) return &s.status;
  return nullptr;
}

const sdk::Value& at(const sdk::Value& v, std::initializer_list<std::variant<const char*, size_t>> path) {
  const sdk::Value* cur = &v;
  for (const auto& p : path) {
    if (std::holds_alternative<size_t>(p))
      cur = &cur->as_list()->at(std::get<size_t>(p));
    else
      cur = cur->find(std::get<const char*>(p));
    if (!cur) throw std::runtime_error("no such field");
  }
  return *cur;
}

TEST(AgwListeners, SupportedKindsFollowProtocolThenAllowedKinds) {
  sdk::Value allowed;
  sdk::Value::List list;
  sdk::Value model, http, tcp;
  model.set("group", "agentgateway.dev");
  model.set("kind", "AgentgatewayModel");
  http.set("kind", "HTTPRoute");
  tcp.set("kind", "TCPRoute");
  list = {model, http, tcp};
  allowed.set("kinds", sdk::Value(list));
  const auto narrowed = supported_kinds("HTTP", &allowed);
  ASSERT_EQ(narrowed.size(), 2u);
  EXPECT_EQ(narrowed[0].kind, "HTTPRoute");
  EXPECT_EQ(narrowed[1].kind, "AgentgatewayModel");
  const auto defaults = supported_kinds("HTTPS", nullptr);
  ASSERT_EQ(defaults.size(), 2u);
  EXPECT_EQ(defaults[1].kind, "GRPCRoute");
  EXPECT_TRUE(supported_kinds("HBONE", nullptr).empty());
}

TEST(AgwListeners, UnresolvedCertificateServesTheInvalidOne) {
  const auto objects = parse(kGateway);
  const Inputs inputs(objects);
  Output output;
  translate_gateways(inputs, output);
  const res::Listener* secure = nullptr;
  const res::Bind* bind443 = nullptr;
  for (const auto& r : output.resources) {
    if (r.resource.has_listener() && r.resource.listener().key() == "default/gw.secure")
      secure = &r.resource.listener();
    if (r.resource.has_bind() && r.resource.bind().port() == 443) bind443 = &r.resource.bind();
  }
  ASSERT_TRUE(secure && bind443);
  EXPECT_EQ(secure->tls().cert(), "invalid");
  EXPECT_EQ(bind443->protocol(), res::Bind::TLS);
  const sdk::Value* gw = status_of(output, "Gateway", "gw");
  ASSERT_TRUE(gw);
  EXPECT_EQ(*at(*gw, {"conditions", size_t{0}, "reason"}).as_string(), "ListenersNotValid");
  EXPECT_EQ(*at(*gw, {"listeners", size_t{1}, "conditions", size_t{3}, "reason"}).as_string(), "InvalidCertificateRef");
}

TEST(AgwListeners, ConflictingAndUnsupportedListenersAreLeftOut) {
  const auto objects = parse(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  gatewayClassName: agentgateway
  listeners:
    - name: web
      port: 80
      protocol: HTTP
    - name: raw
      port: 80
      protocol: TCP
    - name: web-again
      port: 80
      protocol: HTTP
    - name: named
      port: 80
      protocol: HTTP
      hostname: a.example.com
      allowedRoutes:
        kinds:
          - kind: TCPRoute
    - name: dns
      port: 53
      protocol: UDP
)");
  const Inputs inputs(objects);
  Output output;
  translate_gateways(inputs, output);
  std::vector<std::string> keys;
  const res::Bind* bind = nullptr;
  for (const auto& r : output.resources) {
    if (r.resource.has_listener()) keys.push_back(r.resource.listener().key());
    if (r.resource.has_bind()) bind = &r.resource.bind();
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"default/gw.web", "default/gw.named"}));
  ASSERT_TRUE(bind);
  EXPECT_EQ(bind->protocol(), res::Bind::HTTP);
  const sdk::Value* gw = status_of(output, "Gateway", "gw");
  ASSERT_TRUE(gw);
  EXPECT_EQ(*at(*gw, {"listeners", size_t{1}, "conditions", size_t{1}, "reason"}).as_string(), "ProtocolConflict");
  EXPECT_EQ(*at(*gw, {"listeners", size_t{2}, "conditions", size_t{1}, "reason"}).as_string(), "HostnameConflict");
  EXPECT_EQ(*at(*gw, {"listeners", size_t{3}, "conditions", size_t{1}, "reason"}).as_string(), "NoConflicts");
  EXPECT_EQ(*at(*gw, {"listeners", size_t{3}, "conditions", size_t{3}, "reason"}).as_string(), "InvalidRouteKinds");
  EXPECT_TRUE(at(*gw, {"listeners", size_t{3}, "supportedKinds"}).as_list()->empty());
  EXPECT_EQ(*at(*gw, {"listeners", size_t{4}, "conditions", size_t{0}, "reason"}).as_string(), "UnsupportedProtocol");
}

TEST(AgwRoutes, HostnamesDecideAttachmentAndCount) {
  const auto objects = parse(std::string(kGateway) + R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: matching
  namespace: default
spec:
  parentRefs:
    - name: gw
      sectionName: web
  hostnames: ["a.example.com", "other.org"]
  rules:
    - backendRefs:
        - name: svc
          port: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: elsewhere
  namespace: default
spec:
  parentRefs:
    - name: gw
      sectionName: web
  hostnames: ["other.org"]
  rules:
    - backendRefs:
        - name: svc
          port: 8080
)");
  const Inputs inputs(objects);
  Output output;
  const GatewaysModel model = translate_gateways(inputs, output);
  ASSERT_EQ(model.attachments.size(), 1u);
  EXPECT_EQ(model.attachments[0].route.name, "matching");
  EXPECT_EQ(model.attachments[0].listener_key, "default/gw.web");
  const res::Route* route = nullptr;
  for (const auto& r : output.resources)
    if (r.resource.has_route()) route = &r.resource.route();
  ASSERT_TRUE(route);
  EXPECT_EQ(route->key(), "default/matching.00.web");
  ASSERT_EQ(route->hostnames_size(), 1);  // only the hostname the listener covers
  EXPECT_EQ(route->hostnames(0), "a.example.com");
  EXPECT_EQ(*at(*status_of(output, "HTTPRoute", "elsewhere"), {"parents", size_t{0}, "conditions", size_t{0}, "reason"})
                 .as_string(),
            "NoMatchingListenerHostname");
  // Missing Service: still routed to, reported as not found.
  EXPECT_EQ(*at(*status_of(output, "HTTPRoute", "matching"), {"parents", size_t{0}, "conditions", size_t{1}, "reason"})
                 .as_string(),
            "BackendNotFound");
  EXPECT_EQ(*at(*status_of(output, "Gateway", "gw"), {"listeners", size_t{0}, "attachedRoutes"}).as_int(), 1);
}

TEST(AgwRoutes, RouteGroupMembersNameTheParentOrAreGranted) {
  const auto objects = parse(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: parent
  namespace: default
spec:
  rules:
    - backendRefs:
        - group: gateway.networking.k8s.io
          kind: HTTPRoute
          name: "*"
          namespace: team
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: explicit
  namespace: team
spec:
  parentRefs:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      name: parent
      namespace: default
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: other-parent
  namespace: team
spec:
  parentRefs:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      name: someone-else
      namespace: default
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: granted
  namespace: team
spec: {}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ungranted
  namespace: team
spec: {}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: grant
  namespace: team
spec:
  from:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      namespace: default
  to:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      name: granted
)");
  const Inputs inputs(objects);
  const sdk::Object* parent = inputs.find(kGatewayGroup, "HTTPRoute", "default", "parent");
  ASSERT_TRUE(parent);
  const auto groups = route_groups(inputs, *parent);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].key, "default/parent/team/*");
  EXPECT_EQ(groups[0].key_suffix, "routegroup.default.parent.team.wildcard");
  std::vector<std::string> names;
  for (const sdk::Object* c : groups[0].children) names.push_back(c->ref.name);
  EXPECT_EQ(names, (std::vector<std::string>{"explicit", "granted"}));
  const auto parents = delegating_parents(inputs, *groups[0].children[1]);
  ASSERT_EQ(parents.size(), 1u);
  EXPECT_EQ(parents[0], parent);
  EXPECT_TRUE(delegating_parents(inputs, *inputs.find(kGatewayGroup, "HTTPRoute", "team", "ungranted")).empty());
}

TEST(AgwRoutes, RuleFiltersTimeoutsAndRetryBecomeTrafficPolicies) {
  const auto objects = parse(std::string(kGateway) + R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: filtered
  namespace: default
spec:
  parentRefs:
    - name: gw
      sectionName: web
  rules:
    - filters:
        - type: RequestHeaderModifier
          requestHeaderModifier:
            set: [{name: x-a, value: "1"}]
            remove: [x-b]
        - type: RequestMirror
          requestMirror:
            backendRef: {name: mirror, namespace: elsewhere, port: 80}
        - type: RequestMirror
          requestMirror:
            backendRef: {name: mirror, port: 80}
            fraction: {numerator: 1, denominator: 4}
      timeouts:
        request: 1m30s
      backendRefs:
        - name: svc
          port: 8080
)");
  const Inputs inputs(objects);
  Output output;
  translate_gateways(inputs, output);
  const res::Route* route = nullptr;
  for (const auto& r : output.resources)
    if (r.resource.has_route()) route = &r.resource.route();
  ASSERT_TRUE(route);
  // The cross-namespace mirror without a ReferenceGrant is left out.
  ASSERT_EQ(route->traffic_policies_size(), 3);
  EXPECT_EQ(route->traffic_policies(0).request_header_modifier().set(0).name(), "x-a");
  EXPECT_EQ(route->traffic_policies(0).request_header_modifier().remove(0), "x-b");
  EXPECT_DOUBLE_EQ(route->traffic_policies(1).request_mirror().mirrors(0).percentage(), 25.0);
  EXPECT_EQ(route->traffic_policies(2).timeout().request().seconds(), 90);
  EXPECT_EQ(*at(*status_of(output, "HTTPRoute", "filtered"), {"parents", size_t{0}, "conditions", size_t{1}, "reason"})
                 .as_string(),
            "RefNotPermitted");
}

TEST(AgwModels, ConcreteModelsRouteToTheirBackendAndVirtualTargetsMustResolve) {
  const auto objects = parse(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: agentgateway
spec:
  controllerName: agentgateway.dev/agentgateway
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: llm
  namespace: default
spec:
  gatewayClassName: agentgateway
  listeners:
    - name: models
      port: 80
      protocol: HTTP
      allowedRoutes:
        kinds:
          - group: agentgateway.dev
            kind: AgentgatewayModel
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayModel
metadata:
  name: fast
  namespace: default
  creationTimestamp: "2024-01-02T03:04:05Z"
spec:
  parentRefs:
    - name: llm
  provider: Mistral
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayModel
metadata:
  name: pick
  namespace: default
spec:
  parentRefs:
    - name: llm
  virtualModel:
    weighted:
      targets:
        - modelRef: {name: fast}
          weight: 3
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayModel
metadata:
  name: broken
  namespace: default
spec:
  parentRefs:
    - name: llm
  virtualModel:
    weighted:
      targets:
        - modelRef: {name: gone}
)");
  const Inputs inputs(objects);
  Output output;
  translate_gateways(inputs, output);
  std::map<std::string, const res::ModelRoute*> routes;
  const res::Backend* backend = nullptr;
  for (const auto& r : output.resources) {
    if (r.resource.has_model_route()) routes[r.resource.model_route().key()] = &r.resource.model_route();
    if (r.resource.has_backend()) backend = &r.resource.backend();
  }
  ASSERT_EQ(routes.size(), 2u);  // the broken virtual model is not routed to
  const res::ModelRoute* fast = routes["default/fast.models"];
  ASSERT_TRUE(fast && backend);
  EXPECT_EQ(fast->created(), 1704164645u);
  EXPECT_EQ(fast->concrete_model().backend().backend(), "default/fast/backend.models");
  EXPECT_EQ(backend->key(), "default/fast/backend.models");
  EXPECT_EQ(backend->ai().provider_groups(0).providers(0).provider_preset(), res::AIBackend::PROVIDER_PRESET_MISTRAL);
  const res::ModelRoute* pick = routes["default/pick.models"];
  ASSERT_TRUE(pick);
  ASSERT_EQ(pick->virtual_model().weighted().targets_size(), 1);
  EXPECT_EQ(pick->virtual_model().weighted().targets(0).model(), "fast");
  EXPECT_EQ(pick->virtual_model().weighted().targets(0).weight(), 3u);
  EXPECT_EQ(
      *at(*status_of(output, "AgentgatewayModel", "broken"), {"parents", size_t{0}, "conditions", size_t{1}, "message"})
           .as_string(),
      "model target default/gone not found");
  EXPECT_EQ(*at(*status_of(output, "Gateway", "llm"), {"listeners", size_t{0}, "attachedRoutes"}).as_int(), 3);
}

}  // namespace
}  // namespace kgw::agw
