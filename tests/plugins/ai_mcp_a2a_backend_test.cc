// The ai-mcp-a2a plugin's AgentgatewayBackend kind through its .so, as kgw serve loads it: what
// the reference cases do not pin (field paths of bad fields, Secrets kept out of status,
// ReferenceGrants, selectors across namespaces, several Gateways, URLs, durations).
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "agw/inputs.h"
#include "agw/translate.h"
#include "common/loaded_plugins.h"
#include "common/manifests.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"

namespace kgw {
namespace {

namespace api = ::agentgateway::dev::resource;

const plugins::ExtensionRegistry& registry() {
  static const auto& loaded = test_support::load_plugins({KGW_AI_MCP_A2A_PLUGIN}, false);
  EXPECT_TRUE(loaded.errors.empty());
  return loaded.registry;
}

constexpr const char* kGateway = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: agentgateway}
spec: {controllerName: agentgateway.dev/agentgateway}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: agentgateway
  listeners: [{name: http, protocol: HTTP, port: 80}]
---
)";

std::vector<sdk::Object> parse(const std::string& yaml) {
  return test_support::objects_from_yaml(std::string(kGateway) + yaml);
}

struct Result {
  agw::Output output;
  // The Accepted condition of AgentgatewayBackend default/<name>.
  std::string accepted(const std::string& name, std::string* message = nullptr) const {
    for (const auto& s : output.statuses)
      if (s.object.kind == "AgentgatewayBackend" && s.object.name == name) {
        const sdk::Value& c = (*s.status.find("conditions")->as_list())[0];
        if (message) *message = *c.find("message")->as_string();
        return *c.find("status")->as_string();
      }
    return "none";
  }
  const api::Backend* backend(const std::string& key, const std::string& gateway = "gw") const {
    for (const auto& r : output.resources)
      if (r.resource.has_backend() && r.resource.backend().key() == key && r.gateway.name == gateway)
        return &r.resource.backend();
    return nullptr;
  }
};

Result translate(const std::string& yaml) {
  const auto objects = parse(yaml);
  return {agw::translate(objects, registry())};
}

// The kind's own diagnostics for the AgentgatewayBackend `name`, with their field paths.
sdk::Diagnostics diagnose(const std::string& yaml, const std::string& name) {
  const auto objects = parse(yaml);
  const agw::Inputs inputs(objects);
  const agw::PluginContext ctx(inputs);
  const auto& kinds = registry().agentgateway_backend_kinds();
  auto it = kinds.find({"agentgateway.dev", "AgentgatewayBackend"});
  EXPECT_NE(it, kinds.end());
  sdk::Diagnostics diag;
  std::vector<api::Backend> out;
  for (const auto& o : objects)
    if (o.ref.kind == "AgentgatewayBackend" && o.ref.name == name) it->second.extension->translate(ctx, o, out, diag);
  return diag;
}

TEST(AiMcpA2aBackend, RegistersTheBackendKind) {
  EXPECT_TRUE(registry().agentgateway_backend_kinds().contains({"agentgateway.dev", "AgentgatewayBackend"}));
}

TEST(AiMcpA2aBackend, WronglyTypedFieldIsReportedWithItsPath) {
  const std::string yaml = R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  static: {host: example.com, port: eighty}
)";
  auto diag = diagnose(yaml, "be");
  ASSERT_EQ(diag.errors().size(), 1u);
  EXPECT_EQ(diag.errors()[0].path, "spec.static.port");
  std::string message;
  auto r = translate(yaml);
  EXPECT_EQ(r.accepted("be", &message), "False");
  EXPECT_EQ(message, "failed to translate backend: spec.static.port: expected an integer, got string");
  EXPECT_EQ(r.backend("default/be"), nullptr);
}

TEST(AiMcpA2aBackend, ExactlyOneBackendTypeIsRequired) {
  auto diag = diagnose(R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  static: {host: example.com, port: 80}
  dynamicForwardProxy: {}
)",
                       "be");
  ASSERT_EQ(diag.errors().size(), 1u);
  EXPECT_EQ(diag.errors()[0].path, "spec");
}

TEST(AiMcpA2aBackend, MissingMtlsSecretRejectsTheBackend) {
  std::string message;
  auto r = translate(R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  static: {host: example.com, port: 443}
  policies:
    tls:
      mtlsCertificateRef: [{name: client-cert}]
)");
  EXPECT_EQ(r.accepted("be", &message), "False");
  EXPECT_EQ(message, "failed to translate backend: secret default/client-cert not found");
  for (const auto& resource : r.output.resources) EXPECT_FALSE(resource.resource.has_backend()) << "a rejected backend";
}

TEST(AiMcpA2aBackend, MtlsSecretAndCaConfigMapFillBackendTls) {
  auto r = translate(R"(
apiVersion: v1
kind: Secret
metadata: {name: client-cert, namespace: default}
stringData: {tls.crt: CERT, tls.key: KEY, ca.crt: SECRET-CA}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ca, namespace: default}
data: {ca.crt: CONFIGMAP-CA}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  static: {host: example.com, port: 443}
  policies:
    tls:
      mtlsCertificateRef: [{name: client-cert}]
      caCertificateRefs: [{name: ca}]
      sni: api.example.com
      insecureSkipVerify: Hostname
)");
  EXPECT_EQ(r.accepted("be"), "True");
  const api::Backend* b = r.backend("default/be");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->inline_policies_size(), 1);
  const auto& tls = b->inline_policies(0).backend_tls();
  EXPECT_EQ(tls.cert(), "CERT");
  EXPECT_EQ(tls.key(), "KEY");
  EXPECT_EQ(tls.root(), "CONFIGMAP-CA");  // caCertificateRefs win over the Secret's ca.crt
  EXPECT_EQ(tls.hostname(), "api.example.com");
  EXPECT_EQ(tls.verification(), api::BackendPolicySpec::BackendTLS::INSECURE_HOST);
}

TEST(AiMcpA2aBackend, SecretValuesStayOutOfStatus) {
  std::string message;
  auto r = translate(R"(
apiVersion: v1
kind: Secret
metadata: {name: token, namespace: default}
stringData: {other: sk-very-secret-value}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  ai:
    provider:
      openai: {model: gpt-4o}
  policies:
    auth:
      secretRef: {name: token}
)");
  EXPECT_EQ(r.accepted("be", &message), "False");
  EXPECT_EQ(message, "failed to translate backend: secret default/token missing Authorization value");
  EXPECT_EQ(message.find("sk-very-secret-value"), std::string::npos);
}

TEST(AiMcpA2aBackend, BearerPrefixIsStrippedOnlyFromTheDefaultKey) {
  auto r = translate(R"(
apiVersion: v1
kind: Secret
metadata: {name: token, namespace: default}
stringData: {Authorization: Bearer abc, custom: Bearer def}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: default-key, namespace: default}
spec:
  static: {host: a.example.com, port: 80}
  policies:
    auth:
      secretRef: {name: token}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: custom-key, namespace: default}
spec:
  static: {host: b.example.com, port: 80}
  policies:
    auth:
      secretRef: {name: token, key: custom}
)");
  ASSERT_NE(r.backend("default/default-key"), nullptr);
  ASSERT_NE(r.backend("default/custom-key"), nullptr);
  EXPECT_EQ(r.backend("default/default-key")->inline_policies(0).auth().key().secret(), "abc");
  EXPECT_EQ(r.backend("default/custom-key")->inline_policies(0).auth().key().secret(), "Bearer def");
}

TEST(AiMcpA2aBackend, ProviderSecretMissingLeavesAnEmptyKeyWithAWarning) {
  const std::string yaml = R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  ai:
    groups:
    - providers:
      - name: primary
        anthropic: {model: claude}
        policies:
          auth:
            secretRef: {name: absent}
)";
  auto diag = diagnose(yaml, "be");
  EXPECT_FALSE(diag.has_errors());
  ASSERT_EQ(diag.warnings().size(), 1u);
  EXPECT_EQ(diag.warnings()[0].path, "spec.ai.groups[0].providers[0].policies.auth.secretRef");
  auto r = translate(yaml);
  EXPECT_EQ(r.accepted("be"), "True");
  const api::Backend* b = r.backend("default/be");
  ASSERT_NE(b, nullptr);
  const auto& provider = b->ai().provider_groups(0).providers(0);
  EXPECT_EQ(provider.name(), "primary");
  EXPECT_TRUE(provider.inline_policies(0).auth().has_key());
  EXPECT_EQ(provider.inline_policies(0).auth().key().secret(), "");
}

TEST(AiMcpA2aBackend, DuplicateProviderNamesAreRejected) {
  auto diag = diagnose(R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  ai:
    groups:
    - providers:
      - {name: p, openai: {model: a}}
    - providers:
      - {name: p, gemini: {model: b}}
)",
                       "be");
  ASSERT_EQ(diag.errors().size(), 1u);
  EXPECT_EQ(diag.errors()[0].path, "spec.ai.groups[1].providers[0].name");
}

TEST(AiMcpA2aBackend, CrossNamespaceTunnelNeedsAReferenceGrant) {
  const std::string backend = R"(
apiVersion: v1
kind: Service
metadata: {name: proxy, namespace: shared}
spec:
  ports: [{port: 3128}]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  static: {host: example.com, port: 443}
  policies:
    tunnel:
      backendRef: {name: proxy, namespace: shared, port: 3128}
)";
  std::string message;
  auto denied = translate(backend);
  EXPECT_EQ(denied.accepted("be", &message), "False");
  EXPECT_EQ(message,
            "failed to translate backend: backendRef shared/proxy not accessible to an AgentgatewayBackend in "
            "namespace \"default\" (missing a ReferenceGrant?)");

  auto granted = translate(backend + R"(
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow, namespace: shared}
spec:
  from: [{group: agentgateway.dev, kind: AgentgatewayBackend, namespace: default}]
  to: [{group: "", kind: Service}]
)");
  EXPECT_EQ(granted.accepted("be"), "True");
  const api::Backend* b = granted.backend("default/be");
  ASSERT_NE(b, nullptr);
  const auto& proxy = b->inline_policies(0).backend_tunnel().proxy();
  EXPECT_EQ(proxy.service().hostname(), "proxy.shared.svc.cluster.local");
  EXPECT_EQ(proxy.port(), 3128u);
}

TEST(AiMcpA2aBackend, HttpsTunnelUrlOriginatesTls) {
  auto r = translate(R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  static: {host: example.com, port: 443}
  policies:
    tunnel: {url: "https://proxy.example.com:8443"}
)");
  const api::Backend* b = r.backend("default/be");
  ASSERT_NE(b, nullptr);
  const auto& tunnel = b->inline_policies(0).backend_tunnel();
  EXPECT_EQ(tunnel.proxy().inline_().hostname(), "proxy.example.com");
  EXPECT_EQ(tunnel.proxy().inline_().port(), 8443u);
  ASSERT_EQ(tunnel.inline_policies_size(), 1);
  EXPECT_EQ(tunnel.inline_policies(0).backend_tls().hostname(), "proxy.example.com");
}

TEST(AiMcpA2aBackend, DurationsAreParsedAndBadOnesReported) {
  const std::string yaml = R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: good, namespace: default}
spec:
  static: {host: example.com, port: 80}
  policies:
    http: {requestTimeout: 1m30.5s}
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: bad, namespace: default}
spec:
  static: {host: example.com, port: 80}
  policies:
    http: {requestTimeout: soon}
)";
  auto r = translate(yaml);
  const api::Backend* good = r.backend("default/good");
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(good->inline_policies(0).backend_http().request_timeout().seconds(), 90);
  EXPECT_EQ(good->inline_policies(0).backend_http().request_timeout().nanos(), 500000000);
  auto diag = diagnose(yaml, "bad");
  ASSERT_EQ(diag.errors().size(), 1u);
  EXPECT_EQ(diag.errors()[0].path, "spec.policies.http.requestTimeout");
}

TEST(AiMcpA2aBackend, McpSelectorFindsServicesInSelectedNamespaces) {
  auto r = translate(R"(
apiVersion: v1
kind: Namespace
metadata: {name: tools, labels: {mcp: "yes"}}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: Service
metadata: {name: search, namespace: tools, annotations: {agentgateway.dev/mcp-http-path: /v2/mcp}}
spec:
  ports:
  - {name: mcp, port: 8080, appProtocol: agentgateway.dev/mcp}
  - {name: metrics, port: 9090}
---
apiVersion: v1
kind: Service
metadata: {name: hidden, namespace: other}
spec:
  ports: [{port: 8080, appProtocol: agentgateway.dev/mcp}]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  mcp:
    targets:
    - name: tools
      selector:
        namespaces:
          matchExpressions: [{key: mcp, operator: In, values: ["yes"]}]
)");
  EXPECT_EQ(r.accepted("be"), "True");
  const api::Backend* b = r.backend("default/be");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->mcp().targets_size(), 1);
  const auto& target = b->mcp().targets(0);
  EXPECT_EQ(target.name(), "search-mcp");
  EXPECT_EQ(target.backend().service().hostname(), "search.tools.svc.cluster.local");
  EXPECT_EQ(target.backend().port(), 8080u);
  EXPECT_EQ(target.protocol(), api::MCPTarget::STREAMABLE_HTTP);
  EXPECT_EQ(target.path(), "/v2/mcp");
}

TEST(AiMcpA2aBackend, EveryAgentgatewayGatewayGetsTheBackends) {
  auto r = translate(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: second, namespace: other}
spec:
  gatewayClassName: agentgateway
  listeners: [{name: http, protocol: HTTP, port: 8080}]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  a2a: {host: agent.example.com, port: 9000}
)");
  ASSERT_NE(r.backend("default/be", "gw"), nullptr);
  ASSERT_NE(r.backend("default/be", "second"), nullptr);
  EXPECT_TRUE(r.backend("default/be", "second")->inline_policies(0).has_a2a());
}

TEST(AiMcpA2aBackend, AzureOpenAiEndpointNamesTheResource) {
  auto r = translate(R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  ai:
    provider:
      azureopenai: {endpoint: "https://team.services.ai.azure.com/", deploymentName: gpt-4o}
)");
  const api::Backend* b = r.backend("default/be");
  ASSERT_NE(b, nullptr);
  const auto& azure = b->ai().provider_groups(0).providers(0).azure();
  EXPECT_EQ(azure.resource_name(), "team");
  EXPECT_EQ(azure.resource_type(), api::AIBackend::FOUNDRY);
  EXPECT_EQ(azure.model(), "gpt-4o");
}

TEST(AiMcpA2aBackend, AiPolicyFillsDefaultsGuardsAndRoutes) {
  auto r = translate(R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  ai:
    provider:
      openai: {model: gpt-4o}
  policies:
    ai:
      overrides:
      - {field: model, value: gpt-4}
      defaults:
      - field: logit_bias
        value: {"50256": -100, "nested": [1, 0.5, true]}
      prompt:
        prepend: [{role: system, content: be nice}]
      promptCaching: {cacheTools: true}
      routes:
        /v1/chat/completions: Completions
        "*": Passthrough
      promptGuard:
        request:
        - response: {message: rejected}
          scope: [Messages]
          regex:
            builtins: [CreditCard]
            matches: ["bad.*"]
        - webhook:
            backendRef: {name: webhook, port: 80}
            failureMode: FailOpen
)");
  EXPECT_EQ(r.accepted("be"), "True");
  const api::Backend* b = r.backend("default/be");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->inline_policies_size(), 1);
  const auto& ai = b->inline_policies(0).ai();
  EXPECT_EQ(ai.overrides().at("model"), "\"gpt-4\"");
  EXPECT_EQ(ai.defaults().at("logit_bias"), R"({"50256":-100,"nested":[1,0.5,true]})");
  EXPECT_EQ(ai.prompts().prepend(0).content(), "be nice");
  EXPECT_TRUE(ai.prompt_caching().cache_system());
  EXPECT_TRUE(ai.prompt_caching().cache_tools());
  EXPECT_EQ(ai.prompt_caching().min_tokens(), 1024u);
  EXPECT_EQ(ai.routes().at("*"), api::BackendPolicySpec::Ai::PASSTHROUGH);
  ASSERT_EQ(ai.prompt_guard().request_size(), 2);
  const auto& regex = ai.prompt_guard().request(0);
  EXPECT_EQ(regex.rejection().body(), "rejected");
  EXPECT_EQ(regex.scope(0), api::BackendPolicySpec::Ai::CONTENT_SCOPE_MESSAGES);
  ASSERT_EQ(regex.regex().rules_size(), 2);
  EXPECT_EQ(regex.regex().rules(0).regex(), "bad.*");
  EXPECT_EQ(regex.regex().rules(1).builtin(), api::BackendPolicySpec::Ai::CREDIT_CARD);
  const auto& hook = ai.prompt_guard().request(1).webhook();
  EXPECT_EQ(hook.backend().service().hostname(), "webhook.default.svc.cluster.local");
  EXPECT_EQ(hook.failure_mode(), api::BackendPolicySpec::Ai::Webhook::FAIL_OPEN);
}

TEST(AiMcpA2aBackend, AiPolicyOnAStaticBackendIsRejected) {
  auto diag = diagnose(R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  static: {host: example.com, port: 80}
  policies:
    ai: {modelAliases: {fast: small}}
)",
                       "be");
  ASSERT_EQ(diag.errors().size(), 1u);
  EXPECT_EQ(diag.errors()[0].path, "spec.policies.ai");
}

TEST(AiMcpA2aBackend, ExtAuthTransformationAndGuardrailPolicies) {
  auto r = translate(R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  mcp:
    targets:
    - name: t
      static: {host: mcp.example.com, port: 80, protocol: StreamableHTTP}
  policies:
    extAuth:
      backendRef: {name: authz, port: 9000}
      grpc: {contextExtensions: {a: b}}
      forwardBody: {maxSize: 2048}
      cache: {key: [request.path], ttl: 5m}
      failureMode: FailOpen
    transformation:
      request:
        set: [{name: x-user, value: jwt.sub}]
        remove: [x-internal]
    mcp:
      guardrails:
        processors:
        - remote:
            url: https://guard.example.com:8443
          methods: {tools/call: Full}
)");
  EXPECT_EQ(r.accepted("be"), "True");
  const api::Backend* b = r.backend("default/be");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->inline_policies_size(), 3);
  const auto& authz = b->inline_policies(1).ext_authz();
  EXPECT_EQ(authz.target().service().hostname(), "authz.default.svc.cluster.local");
  EXPECT_EQ(authz.grpc().context().at("a"), "b");
  EXPECT_EQ(authz.include_request_body().max_request_bytes(), 2048u);
  EXPECT_EQ(authz.cache().ttl(), "duration(\"5m\")");
  EXPECT_EQ(authz.failure_mode(), api::TrafficPolicySpec::ExternalAuth::ALLOW);
  const auto& transformation = b->inline_policies(2).transformation();
  EXPECT_EQ(transformation.request().set(0).expression(), "jwt.sub");
  EXPECT_EQ(transformation.request().remove(0), "x-internal");
  const auto& processor = b->inline_policies(0).mcp_guardrails().processors(0);
  EXPECT_EQ(processor.remote().target().inline_().port(), 8443u);
  EXPECT_EQ(processor.remote().inline_policies(0).backend_tls().hostname(), "guard.example.com");
  EXPECT_EQ(processor.methods().at("tools/call"), api::BackendPolicySpec::McpGuardrails::FULL);
}

TEST(AiMcpA2aBackend, CustomProviderServedByAnInferencePool) {
  const std::string backend = R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  ai:
    provider:
      custom:
        backendRef: {group: inference.networking.k8s.io, kind: InferencePool, name: pool}
        formats: [{type: Completions}]
)";
  std::string message;
  auto missing = translate(backend);
  EXPECT_EQ(missing.accepted("be", &message), "False");
  EXPECT_EQ(message, "failed to translate backend: InferencePool default/pool not found");

  auto r = translate(backend + R"(
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool, namespace: default}
spec:
  targetPorts: [{number: 8000}]
)");
  const api::Backend* b = r.backend("default/be");
  ASSERT_NE(b, nullptr);
  const auto& provider = b->ai().provider_groups(0).providers(0);
  EXPECT_EQ(provider.provider_backend().service().hostname(), "pool.default.inference.cluster.local");
  EXPECT_EQ(provider.provider_backend().port(), 8000u);
  EXPECT_EQ(provider.custom().formats(0).format(), api::AIBackend::COMPLETIONS);
}

TEST(AiMcpA2aBackend, McpAuthenticationUsesThePersistedKeyset) {
  const std::string backend = R"(
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: be, namespace: default}
spec:
  mcp:
    targets:
    - name: t
      static: {host: mcp.example.com, port: 80}
  policies:
    mcp:
      authentication:
        issuer: https://idp.example.com
        audiences: [mcp]
        provider: Keycloak
        jwks:
          backendRef: {name: idp, port: 8080}
          jwksPath: certs
        resourceMetadata: {resource: "https://mcp.example.com/mcp"}
)";
  std::string message;
  auto missing = translate(backend);
  EXPECT_EQ(missing.accepted("be", &message), "False");
  EXPECT_EQ(message,
            "failed to translate backend: jwks keyset for \"http://idp.default.svc.cluster.local:8080/certs\" isn't "
            "available (not yet fetched or fetch failed)");

  const std::string store = R"(
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: jwks-store-other
  namespace: agentgateway-system
  labels: {app.kubernetes.io/component: jwks-store}
data:
  jwks-store: '{"version":1,"url":"http://elsewhere/certs","jwks":"{\"keys\":[]}"}'
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: jwks-store-idp
  namespace: agentgateway-system
  labels: {app.kubernetes.io/component: jwks-store}
data:
  jwks-store: '{"version":1,"url":"http://idp.default.svc.cluster.local:8080/certs","fetchedAt":null,"jwks":"{\"keys\":[{\"kid\":\"k\u00e9\"}]}"}'
)";
  // The store is the controller's namespace's alone.
  std::string planted = store;
  planted.replace(planted.rfind("agentgateway-system"), 19, "default");
  EXPECT_EQ(translate(backend + planted).accepted("be"), "False");

  auto r = translate(backend + store);
  EXPECT_EQ(r.accepted("be"), "True");
  const api::Backend* b = r.backend("default/be");
  ASSERT_NE(b, nullptr);
  const auto& authn = b->inline_policies(0).mcp_authentication();
  EXPECT_EQ(authn.jwks_inline(), "{\"keys\":[{\"kid\":\"k\xc3\xa9\"}]}");
  EXPECT_EQ(authn.issuer(), "https://idp.example.com");
  EXPECT_EQ(authn.provider(), api::BackendPolicySpec::McpAuthentication::KEYCLOAK);
  EXPECT_EQ(authn.mode(), api::BackendPolicySpec::McpAuthentication::STRICT);
  EXPECT_EQ(authn.resource_metadata().extra().at("resource").string_value(), "https://mcp.example.com/mcp");
}

}  // namespace
}  // namespace kgw
