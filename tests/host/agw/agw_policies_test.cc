// AgentgatewayPolicy through the ai-mcp-a2a plugin's .so and the host's target resolution and
// status: where a policy's resources go, what its ancestors say when targets are missing or
// unattached, field paths of problems, and what the CEL check rejects.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "agw/inputs.h"
#include "agw/translate.h"
#include "common/loaded_plugins.h"
#include "common/manifests.h"
#include "plugins/ai-mcp-a2a/cel_syntax.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"

namespace kgw::agw {
namespace {

const char* kBase = R"(
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
  - name: http
    protocol: HTTP
    port: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: route
  namespace: default
spec:
  parentRefs:
  - name: gw
  rules:
  - name: main
    backendRefs:
    - name: used
      port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: used
  namespace: default
spec:
  ports:
  - name: http
    port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: unused
  namespace: default
spec:
  ports:
  - port: 80
)";

const test_support::LoadedPlugins& plugin() {
  static const auto& loaded = test_support::load_plugins({KGW_AI_MCP_A2A_PLUGIN}, false);
  return loaded;
}

std::vector<sdk::Object> parse(const std::string& extra) {
  return test_support::objects_from_yaml(std::string(kBase) + "---\n" + extra);
}

std::string policy(const std::string& targets, const std::string& sections) {
  return "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayPolicy\nmetadata:\n  name: p\n  namespace: default\n"
         "spec:\n" +
         targets + sections;
}

const sdk::Value* policy_status(const Output& out) {
  for (const auto& s : out.statuses)
    if (s.object.kind == "AgentgatewayPolicy") return &s.status;
  return nullptr;
}

std::string text(const sdk::Value* v, std::initializer_list<const char*> path) {
  for (const char* key : path) v = v ? v->find(key) : nullptr;
  const std::string* s = v ? v->as_string() : nullptr;
  return s ? *s : "";
}

const sdk::Value& ancestor(const sdk::Value* status, size_t i) { return (*status->find("ancestors")->as_list())[i]; }
const sdk::Value& condition(const sdk::Value& ancestor, size_t i) {
  return (*ancestor.find("conditions")->as_list())[i];
}

std::vector<std::string> keys(const Output& out) {
  std::vector<std::string> k;
  for (const auto& r : out.resources)
    if (r.resource.has_policy()) k.push_back(r.gateway.name + " " + r.resource.policy().key());
  return k;
}

// The policy resources of `out`, in output order (binds, listeners and routes are left out).
std::vector<::agentgateway::dev::resource::Policy> policies(const Output& out) {
  std::vector<::agentgateway::dev::resource::Policy> p;
  for (const auto& r : out.resources)
    if (r.resource.has_policy()) p.push_back(r.resource.policy());
  return p;
}

class AgwPolicies : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(plugin().errors.empty()) << plugin().errors.front(); }
  Output run(const std::string& extra) {
    objects_ = parse(extra);
    return translate(objects_, plugin().registry);
  }
  std::vector<sdk::Object> objects_;
};

TEST_F(AgwPolicies, GatewayTargetAttachesWithOnePolicyPerFeature) {
  const Output out = run(policy("  targetRefs:\n  - {group: gateway.networking.k8s.io, kind: Gateway, name: gw}\n",
                                "  traffic:\n    timeouts: {request: 5s}\n    csrf: {additionalOrigins: [a]}\n"));
  EXPECT_EQ(keys(out), (std::vector<std::string>{"gw traffic/default/p:timeout:default/gw",
                                                 "gw traffic/default/p:csrf:default/gw"}));
  const sdk::Value* status = policy_status(out);
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(text(&ancestor(status, 0), {"ancestorRef", "name"}), "gw");
  EXPECT_EQ(text(&condition(ancestor(status, 0), 0), {"reason"}), "Valid");
  EXPECT_EQ(text(&condition(ancestor(status, 0), 1), {"message"}), "Attached to all targets");
  EXPECT_EQ(policies(out).at(0).traffic().timeout().request().seconds(), 5);
}

TEST_F(AgwPolicies, MissingGatewayIsPendingButKeepsItsName) {
  const Output out = run(policy("  targetRefs:\n  - {group: gateway.networking.k8s.io, kind: Gateway, name: nope}\n",
                                "  traffic:\n    timeouts: {request: 5s}\n"));
  EXPECT_EQ(keys(out), (std::vector<std::string>{"nope traffic/default/p:timeout:default/nope"}));
  const sdk::Value* status = policy_status(out);
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(text(&ancestor(status, 0), {"ancestorRef", "name"}), "StatusSummary");
  EXPECT_EQ(text(&condition(ancestor(status, 0), 1), {"reason"}), "Pending");
  EXPECT_EQ(text(&condition(ancestor(status, 0), 1), {"message"}),
            "Policy is not attached: Gateway default/nope not found");
}

TEST_F(AgwPolicies, RouteRuleSectionMustExist) {
  Output out = run(
      policy("  targetRefs:\n  - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: route, sectionName: main}\n",
             "  traffic:\n    timeouts: {request: 5s}\n"));
  EXPECT_EQ(keys(out), (std::vector<std::string>{"gw traffic/default/p:timeout:default/route/main"}));
  EXPECT_EQ(text(&ancestor(policy_status(out), 0), {"ancestorRef", "name"}), "gw");
  out = run(policy(
      "  targetRefs:\n  - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: route, sectionName: other}\n",
      "  traffic:\n    timeouts: {request: 5s}\n"));
  EXPECT_EQ(text(&condition(ancestor(policy_status(out), 0), 1), {"message"}),
            "Policy is not attached: sectionName \"other\" not found in HTTPRoute default/route");
}

TEST_F(AgwPolicies, ServicesAttachThroughRoutesOnly) {
  Output out = run(policy("  targetRefs:\n  - {group: \"\", kind: Service, name: used, sectionName: http}\n",
                          "  backend:\n    http: {version: HTTP2}\n"));
  EXPECT_EQ(keys(out),
            (std::vector<std::string>{"gw default/p:backend-http:default/used.default.svc.cluster.local/80"}));
  out = run(policy("  targetRefs:\n  - {group: \"\", kind: Service, name: unused}\n",
                   "  backend:\n    http: {version: HTTP2}\n"));
  EXPECT_TRUE(keys(out).empty());
  EXPECT_EQ(text(&condition(ancestor(policy_status(out), 0), 1), {"message"}),
            "Policy is not attached: Service default/unused is not attached to any Gateway");
}

TEST_F(AgwPolicies, BackendsReachedThroughAPolicyChainAttach) {
  const Output out =
      run(policy("  targetRefs:\n  - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: route}\n",
                 "  traffic:\n    extAuth:\n      grpc: {}\n      backendRef: {name: unused, port: 80}\n") +
          "---\n" +
          "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayPolicy\nmetadata:\n  name: q\n  "
          "namespace: default\nspec:\n  targetRefs:\n  - {group: \"\", kind: Service, name: unused}\n"
          "  backend:\n    health: {unhealthyCondition: 'response.code >= 500'}\n");
  const auto k = keys(out);
  EXPECT_NE(std::find(k.begin(), k.end(), "gw default/q:health:default/unused.default.svc.cluster.local"), k.end());
}

TEST_F(AgwPolicies, InvalidExpressionIsPartiallyValidWithItsPath) {
  const Output out = run(
      policy("  targetRefs:\n  - {group: gateway.networking.k8s.io, kind: Gateway, name: gw}\n",
             "  traffic:\n    authorization:\n      policy:\n        matchExpressions: ['ok == 1', 'bad_{{x}}']\n"));
  const sdk::Value* status = policy_status(out);
  EXPECT_EQ(text(&condition(ancestor(status, 0), 0), {"reason"}), "PartiallyValid");
  EXPECT_EQ(text(&condition(ancestor(status, 0), 0), {"message"}),
            "authorization matchExpression is not a valid CEL expression: bad_{{x}}");
  EXPECT_EQ(ancestor(status, 0).find("conditions")->as_list()->size(), 1u);  // no Attached while invalid

  // The kind itself names the field.
  const auto& kinds = plugin().registry.agentgateway_policy_kinds();
  ASSERT_EQ(kinds.size(), 1u);
  const Inputs inputs(objects_);
  const PluginContext ctx(inputs);
  const sdk::Object* p = inputs.find("agentgateway.dev", "AgentgatewayPolicy", "default", "p");
  ASSERT_NE(p, nullptr);
  sdk::AgentgatewayPolicyTarget target;
  target.key = "default/gw";
  std::vector<sdk::agw_api::Policy> resources;
  sdk::Diagnostics diag;
  kinds.begin()->second.extension->translate(ctx, *p, target, resources, diag);
  ASSERT_EQ(diag.errors().size(), 1u);
  EXPECT_EQ(diag.errors()[0].path, "spec.traffic.authorization.policy.matchExpressions[1]");
  ASSERT_EQ(resources.size(), 1u);
  EXPECT_EQ(resources[0].traffic().authorization().allow_size(), 2);
}

TEST_F(AgwPolicies, SecretValuesStayOutOfStatus) {
  const Output out = run(policy("  targetRefs:\n  - {group: gateway.networking.k8s.io, kind: Gateway, name: gw}\n",
                                "  backend:\n    auth:\n      aws:\n        secretRef: {name: creds}\n") +
                         "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: default\n"
                         "stringData:\n  accessKey: very-secret-value\n");
  const std::string message = text(&condition(ancestor(policy_status(out), 0), 0), {"message"});
  EXPECT_EQ(message, "secret default/creds missing secretKey value");
  EXPECT_EQ(message.find("very-secret-value"), std::string::npos);
}

TEST_F(AgwPolicies, SelectorsStayInThePolicyNamespace) {
  const Output out =
      run(policy("  targetSelectors:\n  - {group: gateway.networking.k8s.io, kind: HTTPRoute, matchLabels: {a: b}}\n",
                 "  traffic:\n    timeouts: {request: 5s}\n"));
  EXPECT_TRUE(keys(out).empty());
  EXPECT_EQ(text(&condition(ancestor(policy_status(out), 0), 1), {"message"}),
            "Policy is not attached: no HTTPRoute matching selector found in namespace default");
}

TEST_F(AgwPolicies, DelegatedRoutesAttachThroughTheirParent) {
  const Output out = run(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: parent
  namespace: default
spec:
  parentRefs:
  - name: gw
  rules:
  - backendRefs:
    - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: "*", namespace: team}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: child
  namespace: team
spec:
  rules:
  - backendRefs:
    - name: used
      port: 80
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: from-default
  namespace: team
spec:
  from:
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}
  to:
  - {group: gateway.networking.k8s.io, kind: HTTPRoute}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata:
  name: p
  namespace: team
spec:
  targetRefs:
  - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: child}
  traffic:
    timeouts: {request: 5s}
)");
  EXPECT_EQ(keys(out), (std::vector<std::string>{"gw traffic/team/p:timeout:team/child"}));
  EXPECT_EQ(text(&ancestor(policy_status(out), 0), {"ancestorRef", "name"}), "gw");
}

TEST_F(AgwPolicies, ALaterDefinitionReplacesAnEarlierOne) {
  const Output out =
      run(R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  gatewayClassName: agentgateway
  listeners:
  - name: other
    protocol: HTTP
    port: 9090
)" + std::string("---\n") +
          policy("  targetRefs:\n  - {group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: http}\n",
                 "  traffic:\n    timeouts: {request: 5s}\n"));
  EXPECT_EQ(text(&condition(ancestor(policy_status(out), 0), 1), {"message"}),
            "Policy is not attached: sectionName \"http\" not found in Gateway default/gw");
}

TEST_F(AgwPolicies, InferencePoolPickerPoliciesGoToTheGatewaysThatMayUseIt) {
  Output out = run(R"(apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata:
  name: pool
  namespace: default
spec:
  endpointPickerRef: {name: epp, port: {number: 9002}, failureMode: FailOpen}
  targetPorts:
  - number: 8080
)");
  EXPECT_EQ(keys(out), (std::vector<std::string>{"gw default/pool:inference", "gw default/pool:inferencetls"}));
  const auto picker_policies = policies(out);
  const auto& routing = picker_policies.at(0).backend().inference_routing();
  EXPECT_EQ(routing.endpoint_picker().service().hostname(), "epp.default.svc.cluster.local");
  EXPECT_EQ(routing.failure_mode(), ::agentgateway::dev::resource::BackendPolicySpec::InferenceRouting::FAIL_OPEN);
  // A picker that is not a Service with a port: no picker, and no TLS to it.
  out = run(R"(apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata:
  name: pool
  namespace: default
spec:
  endpointPickerRef: {kind: Gateway, name: gw}
)");
  EXPECT_EQ(keys(out), (std::vector<std::string>{"gw default/pool:inference"}));
  EXPECT_FALSE(policies(out).at(0).backend().inference_routing().endpoint_picker().has_service());
}

TEST_F(AgwPolicies, BackendTlsPolicyCarriesEachGatewaysClientCertificate) {
  const Output out = run(R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: mtls
  namespace: default
spec:
  gatewayClassName: agentgateway
  tls:
    backend:
      clientCertificateRef: {kind: Secret, name: missing}
  listeners:
  - name: http
    protocol: HTTP
    port: 80
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata:
  name: tls
  namespace: default
spec:
  targetRefs:
  - {group: "", kind: Service, name: used, sectionName: http}
  validation:
    hostname: used.example.com
    wellKnownCACertificates: System
)");
  EXPECT_EQ(keys(out),
            (std::vector<std::string>{"gw default/tls:backend-tls:default/used.default.svc.cluster.local/80",
                                      "mtls default/tls:backend-tls:default/used.default.svc.cluster.local/80"}));
  EXPECT_EQ(policies(out).at(0).backend().backend_tls().hostname(), "used.example.com");
  EXPECT_FALSE(policies(out).at(0).backend().backend_tls().has_cert());
  EXPECT_EQ(policies(out).at(1).backend().backend_tls().cert(), "invalid");
  const sdk::Value* status = nullptr;
  for (const auto& s : out.statuses)
    if (s.object.kind == "BackendTLSPolicy") status = &s.status;
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(text(&condition(ancestor(status, 0), 0), {"reason"}), "Accepted");
  EXPECT_EQ(text(&condition(ancestor(status, 1), 0), {"message"}),
            "Gateway.spec.tls.backend.clientCertificateRef Secret not found");
}

TEST(AgwCelSyntax, AcceptsExpressionsAndRejectsTemplates) {
  using agw_plugin::is_valid_cel;
  for (const char* ok : {"true", "null", "1024", "response.code >= 500", "request.headers['x'].split(' ')[1]",
                         "json({'modified': true, 'original': json(request.body)})",
                         "cidr(\"10.0.0.0/8\").containsIP(source.address)", "a ? b : c", "x in [1, 2u, 3.5e2]",
                         "google.protobuf.Duration{seconds: 1}", "r'raw\\d' + b\"bytes\" + '''triple'''", "!-x"})
    EXPECT_TRUE(is_valid_cel(ok)) << ok;
  for (const char* bad : {"", "foolen_{{request.path}}", "a ==", "(a", "a = b", "'unterminated", "a.", "1a", "{1: }"})
    EXPECT_FALSE(is_valid_cel(bad)) << bad;
}

}  // namespace
}  // namespace kgw::agw
