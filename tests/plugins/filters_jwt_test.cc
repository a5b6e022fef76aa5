// JWT authentication of the filters plugin: key sets from PEM keys, and TrafficPolicy jwtAuth
// through its GatewayExtension, loaded from the plugin's .so, where the reference cases do not
// pin the behaviour.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <variant>

#include "envoy/extensions/common/matching/v3/extension_matcher.pb.h"
#include "envoy/extensions/filters/http/composite/v3/composite.pb.h"
#include "envoy/extensions/filters/http/jwt_authn/v3/config.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "filters_test_util.h"
#include "plugins/extension_registry.h"
#include "plugins/filters/jwks.h"
#include "plugins/plugin_loader.h"
#include "sources/manifest_parser.h"
#include "translator/translator.h"

namespace kgw {
namespace {

using filters::jwks_from_inline;
namespace jwt_authn = envoy::extensions::filters::http::jwt_authn::v3;
using HttpConnectionManager = envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;

TEST(FiltersJwks, RsaPublicKeyBecomesASignatureKey) {
  auto jwks = jwks_from_inline(R"(
-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDMYuFiCCR/79Qg11ByeiCaoaCF
t3n6SpcGjuxvBmEnHKw1aTnG+EtMPQauIM1gf6dN7Zn45QEcSDRK8z2xG2zzl+td
Q6k4Z3YcrUxxqnivCD1eLRJIZBdCv0EB37SsBK5H5hYQSvcxw/87CIWjFBfdXUAa
bgKVA0B3yxDATUJxpQIDAQAB
-----END PUBLIC KEY-----
)");
  EXPECT_EQ(jwks.error, "");
  EXPECT_EQ(
      jwks.json,
      R"({"keys":[{"use":"sig","kty":"RSA","alg":"RS256","n":"zGLhYggkf-_UINdQcnogmqGghbd5-kqXBo7sbwZhJxysNWk5)"
      R"(xvhLTD0GriDNYH-nTe2Z-OUBHEg0SvM9sRts85frXUOpOGd2HK1Mcap4rwg9Xi0SSGQXQr9BAd-0rASuR-YWEEr3McP_OwiFoxQX3V1AG)"
      R"(m4ClQNAd8sQwE1CcaU","e":"AQAB"}]})");
}

TEST(FiltersJwks, Pkcs1RsaKeyGivesTheSameKey) {
  auto jwks = jwks_from_inline(R"(-----BEGIN RSA PUBLIC KEY-----
MIGJAoGBAMxi4WIIJH/v1CDXUHJ6IJqhoIW3efpKlwaO7G8GYSccrDVpOcb4S0w9
Bq4gzWB/p03tmfjlARxINErzPbEbbPOX611DqThndhytTHGqeK8IPV4tEkhkF0K/
QQHftKwErkfmFhBK9zHD/zsIhaMUF91dQBpuApUDQHfLEMBNQnGlAgMBAAE=
-----END RSA PUBLIC KEY-----)");
  EXPECT_EQ(jwks.error, "");
  EXPECT_NE(jwks.json.find(R"("n":"zGLhYggkf-_UINdQ)"), std::string::npos) << jwks.json;
  EXPECT_NE(jwks.json.find(R"("e":"AQAB")"), std::string::npos) << jwks.json;
}

TEST(FiltersJwks, EcAndEd25519KeysAndSeveralBlocks) {
  auto jwks = jwks_from_inline(R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAENkqH/qi4rZx8q/FMd2m+ka+100nA
WhIwvnnCTBCvLy7rmLbBimMDRhB1CYpj9NTDkOwK8SfJ6Z/yCjc/NVmKsQ==
-----END PUBLIC KEY-----
-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAI8WNN26YvhaQGRUCMPzDraG9luFTPhpqNbVsMzlkYSg=
-----END PUBLIC KEY-----
)");
  EXPECT_EQ(jwks.error, "");
  EXPECT_EQ(
      jwks.json,
      R"({"keys":[{"use":"sig","kty":"EC","crv":"P-256","alg":"ES256",)"
      R"("x":"NkqH_qi4rZx8q_FMd2m-ka-100nAWhIwvnnCTBCvLy4","y":"65i2wYpjA0YQdQmKY_TUw5DsCvEnyemf8go3PzVZirE"},)"
      R"({"use":"sig","kty":"OKP","crv":"Ed25519","alg":"EdDSA","x":"I8WNN26YvhaQGRUCMPzDraG9luFTPhpqNbVsMzlkYSg"}]})");
}

TEST(FiltersJwks, JsonKeySetsAreKeptAndSingleKeysWrapped) {
  EXPECT_EQ(jwks_from_inline(R"( {"keys":[{"kty":"oct","k":"c2VjcmV0"}]} )").json,
            R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})");
  EXPECT_EQ(jwks_from_inline(R"({"kty":"oct","k":"c2VjcmV0"})").json, R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})");
}

TEST(FiltersJwks, InvalidInputIsAnError) {
  EXPECT_NE(jwks_from_inline("").error, "");
  EXPECT_NE(jwks_from_inline("not a key").error, "");
  EXPECT_NE(jwks_from_inline("-----BEGIN PUBLIC KEY-----\nMIIB\n").error, "");
  EXPECT_NE(jwks_from_inline("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").error, "");
  EXPECT_NE(jwks_from_inline("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----").error, "");
  // A truncated RSA key: the length runs past the end.
  EXPECT_NE(jwks_from_inline("-----BEGIN RSA PUBLIC KEY-----\nMIGJAoGBAMxi\n-----END RSA PUBLIC KEY-----").error, "");
}

// A Gateway, one route to a Service whose rule names TrafficPolicy `policy`, and `extra` objects.
translator::Output translate(const std::string& extra, config::TranslationSettings settings = {}) {
  const std::string yaml = test_support::kGatewayRouteAndService + extra;
  return test_support::translate_with_filters(yaml, "default", "gw", settings);
}

constexpr const char* kPolicy = R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  jwtAuth:
    extensionRef: {name: jwt, namespace: auth}
---
)";

// The jwt_authn configuration inside the chain's composite filter `name`, or nullopt.
std::optional<jwt_authn::JwtAuthentication> chain_jwt(const translator::Output& out, const std::string& name) {
  for (const auto& l : out.listeners)
    for (const auto& chain : l.filter_chains())
      for (const auto& f : chain.filters()) {
        HttpConnectionManager hcm;
        if (!f.typed_config().UnpackTo(&hcm)) continue;
        for (const auto& http : hcm.http_filters()) {
          if (http.name() != name) continue;
          envoy::extensions::common::matching::v3::ExtensionWithMatcher matcher;
          if (!http.typed_config().UnpackTo(&matcher)) return std::nullopt;
          envoy::extensions::filters::http::composite::v3::ExecuteFilterAction execute;
          const auto& action = matcher.xds_matcher().matcher_list().matchers(0).on_match().action();
          if (!action.typed_config().UnpackTo(&execute)) return std::nullopt;
          jwt_authn::JwtAuthentication authn;
          if (!execute.typed_config().typed_config().UnpackTo(&authn)) return std::nullopt;
          return authn;
        }
      }
  return std::nullopt;
}

bool route_has(const translator::Output& out, const std::string& filter) {
  for (const auto& rc : out.routes)
    for (const auto& vh : rc.virtual_hosts())
      for (const auto& r : vh.routes())
        if (r.typed_per_filter_config().count(filter)) return true;
  return false;
}

std::string policy_message(const translator::Output& out) {
  auto section = out.statuses.find("policies");
  if (section == out.statuses.end()) return "";
  auto it = section->second.find("TrafficPolicy/default/policy");
  if (it == section->second.end()) return "";
  const auto* ancestors = it->second->find("ancestors");
  const auto* conditions = ancestors && ancestors->as_list() && !ancestors->as_list()->empty()
                               ? ancestors->as_list()->front().find("conditions")
                               : nullptr;
  if (!conditions || !conditions->as_list()) return "";
  for (const auto& c : *conditions->as_list())
    if (c.find("type") && *c.find("type")->as_string() == "Accepted") return *c.find("message")->as_string();
  return "";
}

TEST(FiltersJwt, ValidationModeAllowMissingAddsItToTheRequirement) {
  auto out = translate(std::string(kPolicy) + R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: GatewayExtension
metadata: {name: jwt, namespace: auth}
spec:
  jwt:
    validationMode: AllowMissing
    providers:
    - name: p
      issuer: https://issuer
      audiences: [api]
      forwardToken: true
      tokenSource: {header: {header: x-token, prefix: "Bearer "}}
      jwks:
        local:
          inline: '{"keys":[]}'
)");
  auto authn = chain_jwt(out, "jwt/auth/jwt");
  ASSERT_TRUE(authn);
  const auto& provider = authn->providers().at("jwt_auth_p");
  EXPECT_EQ(provider.issuer(), "https://issuer");
  EXPECT_EQ(provider.audiences(0), "api");
  EXPECT_TRUE(provider.forward());
  EXPECT_FALSE(provider.clear_route_cache());
  ASSERT_EQ(provider.from_headers_size(), 1);
  EXPECT_EQ(provider.from_headers(0).value_prefix(), "Bearer ");
  EXPECT_EQ(provider.local_jwks().inline_string(), R"({"keys":[]})");
  const auto& requirement = authn->requirement_map().at("jwt_auth_requirements");
  ASSERT_EQ(requirement.requires_any().requirements_size(), 2);
  EXPECT_EQ(requirement.requires_any().requirements(0).provider_name(), "jwt_auth_p");
  EXPECT_TRUE(requirement.requires_any().requirements(1).has_allow_missing());
  EXPECT_TRUE(route_has(out, "jwt/auth/jwt"));
  EXPECT_TRUE(route_has(out, "jwt_enabled"));
}

TEST(FiltersJwt, CrossNamespaceExtensionNeedsAGrantInStrictMode) {
  const std::string extension = R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: GatewayExtension
metadata: {name: jwt, namespace: auth}
spec:
  jwt:
    providers:
    - name: p
      jwks: {local: {inline: '{"keys":[]}'}}
)";
  EXPECT_TRUE(route_has(translate(kPolicy + extension), "jwt/auth/jwt"));
  config::TranslationSettings strict;
  strict.reference_grant_mode = config::ReferenceGrantMode::Strict;
  auto out = translate(kPolicy + extension, strict);
  EXPECT_FALSE(route_has(out, "jwt/auth/jwt"));
  EXPECT_EQ(policy_message(out), "jwt: missing reference grant") << "kgateway's words";
  auto granted = translate(kPolicy + extension + R"(
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: auth}
spec:
  from: [{group: gateway.kgateway.dev, kind: TrafficPolicy, namespace: default}]
  to: [{group: gateway.kgateway.dev, kind: GatewayExtension}]
)",
                           strict);
  EXPECT_TRUE(route_has(granted, "jwt/auth/jwt"));
}

TEST(FiltersJwt, MissingExtensionConfigMapOrKeysRejectThePolicy) {
  EXPECT_NE(policy_message(translate(kPolicy)).find("GatewayExtension auth/jwt not found"), std::string::npos);
  auto out = translate(std::string(kPolicy) + R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: GatewayExtension
metadata: {name: jwt, namespace: auth}
spec:
  jwt:
    providers:
    - name: a
      jwks: {local: {configMapRef: {name: absent}}}
    - name: b
      jwks: {local: {inline: "not a key"}}
)");
  EXPECT_FALSE(route_has(out, "jwt/auth/jwt"));
  const std::string message = policy_message(out);
  // Every error at once.
  EXPECT_NE(message.find("ConfigMap auth/absent not found"), std::string::npos) << message;
  EXPECT_NE(message.find("invalid JWKS"), std::string::npos) << message;
}

TEST(FiltersJwt, RemoteJwksNeedsAResolvableBackend) {
  auto out = translate(std::string(kPolicy) + R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: GatewayExtension
metadata: {name: jwt, namespace: auth}
spec:
  jwt:
    providers:
    - name: p
      jwks:
        remote:
          url: https://keys/jwks
          backendRef: {name: keys, port: 8443}
)");
  EXPECT_FALSE(route_has(out, "jwt/auth/jwt"));
  EXPECT_NE(policy_message(out), "");
}

TEST(FiltersJwt, DisableEnablesTheGlobalDisableFilterAndLeavesTheRequestUnmarked) {
  auto out = translate(R"(
apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: policy, namespace: default}
spec:
  jwtAuth:
    disable: {}
)");
  EXPECT_TRUE(route_has(out, "global_disable/jwt"));
  EXPECT_TRUE(route_has(out, "jwt_enabled"));
  EXPECT_FALSE(chain_jwt(out, "jwt/default/jwt"));
}

}  // namespace
}  // namespace kgw
