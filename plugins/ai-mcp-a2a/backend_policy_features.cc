#include "backend_policy_features.h"

#include <map>
#include <string_view>

#include "cel_syntax.h"
#include "json.h"
#include "jwks_store.h"

namespace kgw::agw_backend {
namespace {

using agw_api::BackendPolicySpec;

// Which of `keys` are set on `node`; more than one is an error.
int count_set(const Node& node, std::initializer_list<std::string_view> keys, std::string_view what) {
  int n = 0;
  std::string names;
  for (auto key : keys)
    if (node[key]) {
      ++n;
      names += (names.empty() ? "" : ", ") + std::string(key);
    }
  if (n > 1) node.invalid("only one " + std::string(what) + " may be set, got " + names);
  return n;
}

// The key a credential without `secretRef.key` is read from: the location's own name.
std::string default_credential_key(const Node& loc) {
  for (const char* kind : {"header", "queryParameter", "cookie"})
    if (auto name = loc[kind]["name"].string()) return *name;
  return "Authorization";
}

bool alg(const Node& node, agw_api::JwtSigningAlg& out) {
  auto s = node.string();
  if (!s) return true;
  static const std::map<std::string, agw_api::JwtSigningAlg> kAlgs = {
      {"RS256", agw_api::RS256}, {"RS384", agw_api::RS384}, {"RS512", agw_api::RS512},
      {"ES256", agw_api::ES256}, {"ES384", agw_api::ES384}, {"PS256", agw_api::PS256}};
  auto it = kAlgs.find(*s);
  if (it == kAlgs.end()) {
    node.invalid("unknown algorithm \"" + *s + "\"");
    return false;
  }
  out = it->second;
  return true;
}

// RFC 8693 token type URIs for the CRD's short names; absolute URIs pass through when allowed.
std::optional<std::string> token_type(const Node& node, bool allow_custom) {
  auto s = node.string();
  if (!s) return std::nullopt;
  static const std::map<std::string, std::string> kTypes = {
      {"AccessToken", "urn:ietf:params:oauth:token-type:access_token"},
      {"RefreshToken", "urn:ietf:params:oauth:token-type:refresh_token"},
      {"IdToken", "urn:ietf:params:oauth:token-type:id_token"},
      {"Jwt", "urn:ietf:params:oauth:token-type:jwt"},
      {"IdJag", "urn:ietf:params:oauth:token-type:id-jag"},
      {"Saml1", "urn:ietf:params:oauth:token-type:saml1"},
      {"Saml2", "urn:ietf:params:oauth:token-type:saml2"}};
  if (auto it = kTypes.find(*s); it != kTypes.end()) return it->second;
  if (allow_custom && s->find(':') != std::string::npos) return *s;
  node.invalid("unknown token type \"" + *s + "\"");
  return std::nullopt;
}

void client_auth(const Translation& t, const Node& node, agw_api::OAuthClientAuth& out) {
  if (auto id = node["clientId"].string()) out.set_client_id(*id);
  if (auto m = node["method"].string()) {
    if (*m == "ClientSecretBasic")
      out.set_method(agw_api::OAuthClientAuth::CLIENT_SECRET_BASIC);
    else if (*m == "ClientSecretPost")
      out.set_method(agw_api::OAuthClientAuth::CLIENT_SECRET_POST);
    else if (*m == "PrivateKeyJwt")
      out.set_method(agw_api::OAuthClientAuth::PRIVATE_KEY_JWT);
    else
      node["method"].invalid("unknown method \"" + *m + "\"");
  }
  if (const Node ref = node["secretRef"])
    if (auto secret = secret_value(t, ref, "clientSecret")) out.set_client_secret(*secret);
  if (const Node jwt = node["privateKeyJwt"]) {
    auto* p = out.mutable_private_key_jwt();
    if (const Node ref = jwt["signingKeyRef"]) {
      if (auto key = secret_value(t, ref, "signingKey")) p->set_signing_key(*key);
    } else {
      jwt["signingKeyRef"].invalid("a signing key is required");
    }
    agw_api::JwtSigningAlg a = agw_api::JWT_SIGNING_ALG_UNSPECIFIED;
    if (alg(jwt["alg"], a)) p->set_alg(a);
    if (auto kid = jwt["kid"].string()) p->set_kid(*kid);
    if (auto aud = jwt["assertionAudience"].string()) p->set_assertion_audience(*aud);
    if (const Node ref = jwt["certificateRef"])
      if (auto cert = secret_value(t, ref, "certificate")) p->set_certificate(*cert);
    if (auto h = jwt["certificateHeader"].string()) {
      if (*h == "x5c")
        p->set_certificate_header(agw_api::OAuthClientAuth::PrivateKeyJwt::X5C);
      else if (*h == "x5t#S256")
        p->set_certificate_header(agw_api::OAuthClientAuth::PrivateKeyJwt::X5T_S256);
      else
        jwt["certificateHeader"].invalid("unknown header \"" + *h + "\" (x5c or x5t#S256)");
    }
  } else if (out.method() == agw_api::OAuthClientAuth::PRIVATE_KEY_JWT) {
    node["privateKeyJwt"].invalid("required when method is PrivateKeyJwt");
  }
}

void token_cache(const Node& node, agw_api::OAuthTokenExchange::TokenCache& out) {
  if (const Node mem = node["inMemory"]) {
    auto* m = out.mutable_in_memory();
    if (auto n = mem["maxEntries"].integer_in(0, UINT32_MAX)) m->set_max_entries(static_cast<uint32_t>(*n));
    if (mem["defaultTtl"]) parse_duration(mem["defaultTtl"], *m->mutable_default_ttl());
  }
}

// A token endpoint by backendRef or URL; an https URL gets backend TLS.
void token_endpoint(const Translation& t, const Node& node, agw_api::BackendReference& out,
                    std::optional<std::string>& path,
                    google::protobuf::RepeatedPtrField<BackendPolicySpec>& inline_policies) {
  std::string url_path;
  auto ref = endpoint_target(t, node, {}, inline_policies, &url_path);
  if (ref) out = *ref;
  if (auto p = node["path"].string())
    path = *p;
  else if (ref && node["url"])
    path = url_path.empty() ? "/" : url_path;
}

void oauth_token_exchange(const Translation& t, const Node& node, agw_api::OAuthTokenExchange& out) {
  std::optional<std::string> path;
  token_endpoint(t, node, *out.mutable_token_endpoint(), path, *out.mutable_inline_policies());
  if (path) out.set_token_endpoint_path(*path);
  if (auto g = node["grantType"].string()) {
    if (*g == "TokenExchange")
      out.set_grant_type(agw_api::OAuthTokenExchange::TOKEN_EXCHANGE);
    else if (*g == "JwtBearer")
      out.set_grant_type(agw_api::OAuthTokenExchange::JWT_BEARER);
    else
      node["grantType"].invalid("unknown grant type \"" + *g + "\" (TokenExchange or JwtBearer)");
  }
  if (const Node st = node["subjectToken"]) {
    auto* s = out.mutable_subject_token();
    if (auto loc = authorization_location(st["source"])) *s->mutable_source() = *loc;
    if (auto type = token_type(st["tokenType"], true)) s->set_token_type(*type);
  }
  if (const Node at = node["actorToken"]) {
    auto* a = out.mutable_actor_token();
    if (auto loc = authorization_location(at["source"])) *a->mutable_source() = *loc;
    if (auto type = token_type(at["tokenType"], true)) a->set_token_type(*type);
    if (auto may = at["mayAct"].string()) {
      if (*may == "Required")
        a->set_enforce_may_act(true);
      else
        at["mayAct"].invalid("unknown value \"" + *may + "\" (Required)");
    }
  }
  for (auto& s : node["audiences"].strings()) out.add_audiences(s);
  for (auto& s : node["scopes"].strings()) out.add_scopes(s);
  for (auto& s : node["resources"].strings()) out.add_resources(s);
  if (auto type = token_type(node["requestedTokenType"], false)) out.set_requested_token_type(*type);
  for (const auto& [k, v] : node["additionalParams"].entries())
    if (auto s = v.string()) (*out.mutable_additional_params())[k] = *s;
  if (const Node ca = node["clientAuth"]) client_auth(t, ca, *out.mutable_client_auth());
  if (auto loc = authorization_location(node["location"])) *out.mutable_authorization_location() = *loc;
  if (const Node c = node["cache"]) token_cache(c, *out.mutable_cache());
}

void cross_app_access(const Translation& t, const Node& node, agw_api::CrossAppAccessAuth& out) {
  auto endpoint = [&](const Node& n, agw_api::CrossAppAccessAuth::Endpoint& e) {
    if (!n) {
      n.invalid("required");
      return;
    }
    std::optional<std::string> path;
    token_endpoint(t, n, *e.mutable_token_endpoint(), path, *e.mutable_inline_policies());
    if (path) e.set_token_endpoint_path(*path);
    if (const Node ca = n["clientAuth"]) client_auth(t, ca, *e.mutable_client_auth());
  };
  endpoint(node["identityProvider"], *out.mutable_identity_provider());
  endpoint(node["resourceAuthorizationServer"], *out.mutable_resource_authorization_server());
  if (auto a = node["audience"].string()) out.set_audience(*a);
  for (auto& s : node["resources"].strings()) out.add_resources(s);
  for (auto& s : node["scopes"].strings()) out.add_scopes(s);
  if (const Node c = node["cache"]) token_cache(c, *out.mutable_cache());
  if (const Node st = node["subjectToken"]) {
    auto* s = out.mutable_subject_token();
    if (auto loc = authorization_location(st["source"])) *s->mutable_source() = *loc;
    if (auto type = token_type(st["tokenType"], true)) s->set_token_type(*type);
  }
  if (const Node scopes = node["accessTokenScopes"])
    for (auto& s : scopes.strings()) out.mutable_access_token_scopes()->add_values(s);
}

void aws_auth(const Translation& t, const Node& node, agw_api::Aws& out) {
  if (const Node ref = node["secretRef"]) {
    auto* e = out.mutable_explicit_config();
    if (auto v = secret_value(t, ref, "accessKey")) e->set_access_key_id(*v);
    auto name = ref["name"].string_or("");
    if (auto secret = t.ctx.host().find_secret(t.object.ref, t.ns(), name)) {
      if (auto it = secret->data.find("secretKey"); it != secret->data.end())
        e->set_secret_access_key(it->second);
      else
        ref.error("secret " + t.ns() + "/" + name + " missing secretKey value");
      if (auto it = secret->data.find("sessionToken"); it != secret->data.end()) e->set_session_token(it->second);
    }
    if (auto r = node["region"].string()) e->set_region(*r);
  } else {
    out.mutable_implicit();
  }
  if (auto s = node["serviceName"].string()) out.set_service_name(*s);
  if (auto r = node["region"].string()) out.set_region(*r);
  if (const Node role = node["assumeRole"]) {
    auto* a = out.mutable_assume_role();
    a->set_role_arn(role["roleArn"].string_or(""));
    a->set_session_name(role["sessionName"].string_or(""));
    a->set_session_name_expression(role["sessionNameExpression"].string_or(""));
    for (const Node& tag : role["tags"].items()) {
      auto* tg = a->add_tags();
      tg->set_key(tag["key"].string_or(""));
      tg->set_value(tag["value"].string_or(""));
      tg->set_expression(tag["expression"].string_or(""));
    }
  }
}

void azure_auth(const Translation& t, const Node& node, agw_api::Azure& out) {
  if (count_set(node, {"secretRef", "managedIdentity", "workloadIdentity"}, "Azure credential") > 1) return;
  if (const Node ref = node["secretRef"]) {
    auto* cs = out.mutable_explicit_config()->mutable_client_secret();
    if (auto v = secret_value(t, ref, "clientSecret")) cs->set_client_secret(*v);
    auto name = ref["name"].string_or("");
    if (auto secret = t.ctx.host().find_secret(t.object.ref, t.ns(), name)) {
      for (auto [key, setter] : {std::pair<const char*, void (agw_api::AzureClientSecret::*)(const std::string&)>{
                                     "clientID", &agw_api::AzureClientSecret::set_client_id},
                                 {"tenantID", &agw_api::AzureClientSecret::set_tenant_id}}) {
        auto it = secret->data.find(key);
        if (it == secret->data.end())
          ref.error("secret " + t.ns() + "/" + name + " missing " + key + " value");
        else
          (cs->*setter)(it->second);
      }
    }
  } else if (const Node mi = node["managedIdentity"]) {
    auto* m = out.mutable_explicit_config()->mutable_managed_identity_credential();
    if (count_set(mi, {"clientId", "objectId", "resourceId"}, "identity") > 1) return;
    if (auto v = mi["clientId"].string())
      m->mutable_user_assigned_identity()->set_client_id(*v);
    else if (auto o = mi["objectId"].string())
      m->mutable_user_assigned_identity()->set_object_id(*o);
    else if (auto r = mi["resourceId"].string())
      m->mutable_user_assigned_identity()->set_resource_id(*r);
  } else if (node["workloadIdentity"]) {
    out.mutable_explicit_config()->mutable_workload_identity_credential();
  } else {
    out.mutable_implicit();
  }
}

void gcp_auth(const Translation& t, const Node& node, agw_api::Gcp& out) {
  const std::string type = node["type"].string_or("AccessToken");
  if (type == "AccessToken") {
    out.mutable_access_token();
    if (node["audience"]) node["audience"].invalid("only valid with the IdToken type");
  } else if (type == "IdToken") {
    auto* id = out.mutable_id_token();
    if (auto a = node["audience"].string()) id->set_audience(*a);
  } else {
    node["type"].invalid("unknown type \"" + type + "\" (AccessToken or IdToken)");
  }
  // A missing credential still selects the Secret source, with an empty value.
  if (const Node ref = node["secretRef"]) out.set_credential(secret_value(t, ref, "credentials.json").value_or(""));
}

void jwt_sign(const Translation& t, const Node& node, agw_api::JwtSign& out) {
  if (const Node ref = node["signingKeyRef"]) {
    if (auto v = secret_value(t, ref, "signingKey")) out.set_signing_key(*v);
  } else {
    node["signingKeyRef"].invalid("a signing key is required");
  }
  agw_api::JwtSigningAlg a = agw_api::JWT_SIGNING_ALG_UNSPECIFIED;
  if (alg(node["alg"], a)) out.set_alg(a);
  if (auto kid = node["kid"].string()) out.set_kid(*kid);
  for (const auto& [claim, value] : node["claims"].entries()) {
    if (claim == "iat" || claim == "exp" || claim == "nbf") {
      value.invalid("reserved for the signer");
      continue;
    }
    to_proto_value(*value.value(), (*out.mutable_claims())[claim]);
  }
  if (node["ttl"]) parse_duration(node["ttl"], *out.mutable_ttl());
  if (auto loc = authorization_location(node["location"])) *out.mutable_authorization_location() = *loc;
}

void auth_policy(const Translation& t, const Node& node, const PolicyOptions& options, BackendPolicySpec& out) {
  if (count_set(
          node,
          {"passthrough", "key", "secretRef", "aws", "azure", "gcp", "jwtSign", "oauthTokenExchange", "crossAppAccess"},
          "authentication method") > 1)
    return;
  auto* auth = out.mutable_auth();
  const auto loc = authorization_location(node["location"]);
  if (node["passthrough"]) {
    auto* p = auth->mutable_passthrough();
    if (loc) *p->mutable_authorization_location() = *loc;
  } else if (auto key = node["key"].string()) {
    auto* k = auth->mutable_key();
    k->set_secret(*key);
    if (loc) *k->mutable_authorization_location() = *loc;
  } else if (const Node ref = node["secretRef"]) {
    auto* k = auth->mutable_key();
    const bool default_key = !ref["key"];
    if (auto value = secret_value(t, ref, "Authorization", !options.lenient_secrets)) {
      // Only the default key holds a whole `Authorization` header value.
      if (default_key && value->starts_with("Bearer ")) value->erase(0, 7);
      k->set_secret(*value);
    }
    if (loc) *k->mutable_authorization_location() = *loc;
  } else if (const Node aws = node["aws"]) {
    aws_auth(t, aws, *auth->mutable_aws());
  } else if (const Node azure = node["azure"]) {
    azure_auth(t, azure, *auth->mutable_azure());
  } else if (const Node gcp = node["gcp"]) {
    gcp_auth(t, gcp, *auth->mutable_gcp());
  } else if (const Node jwt = node["jwtSign"]) {
    jwt_sign(t, jwt, *auth->mutable_jwt_sign());
  } else if (const Node ote = node["oauthTokenExchange"]) {
    oauth_token_exchange(t, ote, *auth->mutable_oauth_token_exchange());
  } else if (const Node caa = node["crossAppAccess"]) {
    cross_app_access(t, caa, *auth->mutable_cross_app_access());
  }
  for (const Node& c : node["credentials"].items()) {
    auto* cred = auth->add_credentials();
    const Node cloc = c["location"];
    if (auto l = authorization_location(cloc)) *cred->mutable_location() = *l;
    if (const Node ref = c["secretRef"]) {
      if (auto v = secret_value(t, ref, default_credential_key(cloc), !options.lenient_secrets)) cred->set_value(*v);
    } else {
      c["secretRef"].invalid("required");
    }
  }
}

void tls_policy(const Translation& t, const Node& node, BackendPolicySpec& out) {
  auto* tls = out.mutable_backend_tls();
  std::optional<std::string> root;
  const auto mtls = node["mtlsCertificateRef"].items();
  if (mtls.size() > 1) node["mtlsCertificateRef"].invalid("at most one certificate may be set");
  if (!mtls.empty()) {
    const Node& ref = mtls.front();
    const std::string name = ref["name"].string_or("");
    const std::string kind = ref["kind"].string_or("Secret");
    if (name.empty()) {
      ref["name"].invalid("a Secret name is required");
    } else if (kind != "Secret" || !ref["group"].string_or("").empty()) {
      ref["kind"].invalid("unsupported certificate source " + kind + " (only Secret)");
    } else if (auto secret = t.ctx.host().find_secret(t.object.ref, t.ns(), name)) {
      auto crt = secret->data.find("tls.crt"), key = secret->data.find("tls.key");
      if (crt == secret->data.end() || key == secret->data.end()) {
        ref.error("secret " + t.ns() + "/" + name + " missing tls.crt or tls.key value");
      } else {
        tls->set_cert(crt->second);
        tls->set_key(key->second);
      }
      if (auto ca = secret->data.find("ca.crt"); ca != secret->data.end()) root = ca->second;
    } else {
      ref.error("secret " + t.ns() + "/" + name + " not found");
    }
  }
  // caCertificateRefs take priority over the mTLS Secret's ca.crt.
  const auto cas = node["caCertificateRefs"].items();
  if (!cas.empty()) {
    std::string bundle;
    for (const Node& ref : cas)
      if (auto pem = ca_bundle(t, ref)) {
        if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
        bundle += *pem;
      }
    root = bundle;
  }
  if (root) tls->set_root(*root);
  if (auto skip = node["insecureSkipVerify"].string()) {
    if (*skip == "All")
      tls->set_verification(BackendPolicySpec::BackendTLS::INSECURE_ALL);
    else if (*skip == "Hostname")
      tls->set_verification(BackendPolicySpec::BackendTLS::INSECURE_HOST);
    else
      node["insecureSkipVerify"].invalid("unknown mode \"" + *skip + "\" (All or Hostname)");
  }
  if (auto sni = node["sni"].string()) tls->set_hostname(*sni);
  for (auto& san : node["verifySubjectAltNames"].strings()) tls->add_verify_subject_alt_names(san);
  if (node["alpnProtocols"])
    for (auto& p : node["alpnProtocols"].strings()) tls->mutable_alpn()->add_protocols(p);
  for (const Node& g : node["keyExchangeGroups"].items())
    if (auto group = key_exchange_group(g)) tls->add_key_exchange_groups(*group);
  if (auto source = node["certificateSource"].string()) {
    if (*source == "SPIFFE")
      tls->set_certificate_source(BackendPolicySpec::BackendTLS::SPIFFE);
    else if (*source != "Inline")
      node["certificateSource"].invalid("unknown source \"" + *source + "\" (Inline or SPIFFE)");
  }
}

void tunnel_policy(const Translation& t, const Node& node, BackendPolicySpec& out) {
  auto* tunnel = out.mutable_backend_tunnel();
  // An https URL is TLS to the proxy, verified against the URL's host.
  if (auto ref = endpoint_target(t, node, "failed to build tunnel", *tunnel->mutable_inline_policies()))
    *tunnel->mutable_proxy() = *ref;
}

void http_policy(const Node& node, BackendPolicySpec& out) {
  auto* http = out.mutable_backend_http();
  if (auto v = node["version"].string()) {
    if (*v == "HTTP1")
      http->set_version(BackendPolicySpec::BackendHTTP::HTTP1);
    else if (*v == "HTTP2")
      http->set_version(BackendPolicySpec::BackendHTTP::HTTP2);
    else
      node["version"].invalid("unknown version \"" + *v + "\" (HTTP1 or HTTP2)");
  }
  if (node["requestTimeout"]) parse_duration(node["requestTimeout"], *http->mutable_request_timeout());
}

void tcp_policy(const Node& node, BackendPolicySpec& out) {
  auto* tcp = out.mutable_backend_tcp();
  if (node["connectTimeout"]) parse_duration(node["connectTimeout"], *tcp->mutable_connect_timeout());
  if (const Node k = node["keepalive"]) translate_keepalive(k, *tcp->mutable_keepalive());
}

void health_policy(const Node& node, BackendPolicySpec& out) {
  auto* health = out.mutable_health();
  if (auto c = node["unhealthyCondition"].string()) {
    health->set_unhealthy_condition(*c);
    check_cel(node["unhealthyCondition"], *c, "health unhealthyCondition");
  }
  if (const Node e = node["eviction"]) {
    auto* ev = health->mutable_eviction();
    if (e["duration"]) parse_duration(e["duration"], *ev->mutable_duration());
    // The CRD counts health in percent; agentgateway scores it from 0 to 1.
    if (auto r = e["restoreHealth"].integer_in(0, 100)) ev->set_restore_health(static_cast<double>(*r) / 100.0);
    if (auto h = e["healthThreshold"].integer_in(0, 100)) ev->set_health_threshold(static_cast<double>(*h) / 100.0);
    if (auto f = e["consecutiveFailures"].integer_in(1, INT32_MAX))
      ev->set_consecutive_failures(static_cast<int32_t>(*f));
  }
}

void mcp_authorization(const Node& node, BackendPolicySpec& out) {
  auto* authz = out.mutable_mcp_authorization();
  const std::string action = node["action"].string_or("Allow");
  for (auto& rule : node["policy"]["matchExpressions"].strings()) {
    check_cel(node["policy"]["matchExpressions"], rule, "backend MCP authorization matchExpression");
    if (action == "Allow")
      authz->add_allow(rule);
    else if (action == "Deny")
      authz->add_deny(rule);
    else if (action == "Require")
      authz->add_require(rule);
  }
  if (action != "Allow" && action != "Deny" && action != "Require")
    node["action"].invalid("unknown action \"" + action + "\" (Allow, Deny or Require)");
}

// agentgateway validates with a keyset inline in the resource: the one the controller fetched
// from the JWKS URL and persisted (see jwks_store.h).
void mcp_authentication(const Translation& t, const Node& node, BackendPolicySpec& out) {
  auto* authn = out.mutable_mcp_authentication();
  const Node jwks = node["jwks"];
  const auto url = jwks_url(t, jwks);
  if (!url) return;
  if (auto keyset = persisted_keyset(t, jwks, *url)) authn->set_jwks_inline(*keyset);

  if (auto issuer = node["issuer"].string()) authn->set_issuer(*issuer);
  for (auto& a : node["audiences"].strings()) authn->add_audiences(a);
  using Authn = BackendPolicySpec::McpAuthentication;
  if (auto p = node["provider"].string()) {
    static const std::map<std::string, Authn::McpIDP> kProviders = {
        {"Auth0", Authn::AUTH0},     {"Keycloak", Authn::KEYCLOAK},   {"Okta", Authn::OKTA},
        {"Descope", Authn::DESCOPE}, {"Authentik", Authn::AUTHENTIK}, {"Entra", Authn::ENTRA}};
    if (auto it = kProviders.find(*p); it != kProviders.end())
      authn->set_provider(it->second);
    else
      node["provider"].invalid("unknown provider \"" + *p + "\"");
  }
  const std::string mode = node["mode"].string_or("Strict");  // the CRD's default
  if (mode == "Strict")
    authn->set_mode(Authn::STRICT);
  else if (mode == "Permissive")
    authn->set_mode(Authn::PERMISSIVE);
  else if (mode != "Optional")
    node["mode"].invalid("unknown mode \"" + mode + "\" (Optional, Strict or Permissive)");
  for (const auto& [key, value] : node["resourceMetadata"].entries())
    to_proto_value(*value.value(), (*authn->mutable_resource_metadata()->mutable_extra())[key]);
  if (auto id = node["clientId"].string()) authn->set_client_id(*id);
  // As with a GCP credential, a Secret that cannot be read still leaves the (empty) field set.
  if (const Node ref = node["clientSecretRef"])
    authn->set_client_secret(secret_value(t, ref, "clientSecret").value_or(""));
}

}  // namespace

std::optional<agw_api::AuthorizationLocation> authorization_location(const Node& node) {
  if (!node) return std::nullopt;
  if (count_set(node, {"header", "queryParameter", "cookie", "expression"}, "location") > 1) return std::nullopt;
  agw_api::AuthorizationLocation out;
  if (const Node h = node["header"]) {
    out.mutable_header()->set_name(h["name"].string_or(""));
    if (auto prefix = h["prefix"].string()) out.mutable_header()->set_prefix(*prefix);
  } else if (const Node q = node["queryParameter"]) {
    out.mutable_query_parameter()->set_name(q["name"].string_or(""));
  } else if (const Node c = node["cookie"]) {
    out.mutable_cookie()->set_name(c["name"].string_or(""));
  } else if (auto e = node["expression"].string()) {
    out.set_expression(*e);
  } else {
    node.invalid("one of header, queryParameter, cookie or expression is required");
    return std::nullopt;
  }
  return out;
}

std::optional<agw_api::TLSConfig::KeyExchangeGroup> key_exchange_group(const Node& node) {
  auto name = node.string();
  if (!name) return std::nullopt;
  static const std::map<std::string, agw_api::TLSConfig::KeyExchangeGroup> kGroups = {
      {"X25519", agw_api::TLSConfig::X25519},
      {"P-256", agw_api::TLSConfig::P256},
      {"P-384", agw_api::TLSConfig::P384},
      {"X25519_MLKEM768", agw_api::TLSConfig::X25519_MLKEM768}};
  if (auto it = kGroups.find(*name); it != kGroups.end()) return it->second;
  node.invalid("unknown key exchange group \"" + *name + "\" (X25519, P-256, P-384 or X25519_MLKEM768)");
  return std::nullopt;
}

void translate_keepalive(const Node& node, agw_api::KeepaliveConfig& out) {
  if (node["time"]) parse_duration(node["time"], *out.mutable_time());
  if (node["interval"]) parse_duration(node["interval"], *out.mutable_interval());
  if (auto r = node["retries"].integer_in(0, UINT32_MAX)) out.set_retries(static_cast<uint32_t>(*r));
}

std::optional<std::string> jwks_url(const Translation& t, const Node& jwks) {
  std::string path = jwks["jwksPath"].string_or("/");
  if (!path.starts_with("/")) path.insert(0, "/");
  const Node ref = jwks["backendRef"];
  if (ref && ref["kind"].string_or("Service") != "Service") {
    // Another backend serves the keyset: its static host and port, over TLS when it has backend TLS.
    const std::string ns = ref["namespace"].string_or(t.ns()), name = ref["name"].string_or("");
    const sdk::Object* o = t.ctx.host().find_object(
        t.object.ref, {ref["group"].string_or(kGroup), ref["kind"].string_or(""), ns, name}, nullptr);
    if (!o) {
      jwks.error("backend " + ns + "/" + name + " not found, policy " + t.key());
      return std::nullopt;
    }
    // That backend's own spec errors are its own to report.
    sdk::Diagnostics ignored;
    const Node spec(o->spec(), "spec", ignored);
    const auto port = spec["static"]["port"].integer();
    return std::string(spec["policies"]["tls"] ? "https" : "http") + "://" + spec["static"]["host"].string_or("") +
           (port ? ":" + std::to_string(*port) : "") + path;
  }
  if (ref) {
    // The keyset's URL is known without the Service, which need not exist yet.
    Translation lookup = t;
    lookup.require_backends = false;
    auto r = backend_reference(lookup, ref);
    if (!r) return std::nullopt;
    return "http://" + r->service().hostname() + ":" + std::to_string(r->port()) + path;
  }
  if (auto u = jwks["url"].string()) return *u;
  jwks.invalid("one of backendRef or url is required");
  return std::nullopt;
}

std::optional<std::string> persisted_keyset(const Translation& t, const Node& jwks, const std::string& url) {
  if (auto keyset = persisted_jwks(t.ctx, url)) return keyset;
  jwks.error("jwks keyset for \"" + url + "\" isn't available (not yet fetched or fetch failed)");
  return std::nullopt;
}

bool parse_duration(const Node& node, google::protobuf::Duration& out) {
  auto text = node.string();
  if (!text) return false;
  if (parse_duration(*text, out)) return true;
  node.invalid("invalid duration \"" + *text + "\" (for example 30s, 1m30s or 250ms)");
  return false;
}

void check_cel(const Node& node, const std::string& expression, const std::string& what) {
  if (!agw_plugin::is_valid_cel(expression)) node.error(what + " is not a valid CEL expression: " + expression);
}

void translate_policy_features(const Translation& t, const Node& policies, const PolicyOptions& options,
                               std::vector<BackendPolicyFeature>& out) {
  if (!policies) return;
  auto add = [&out](const char* feature) -> BackendPolicySpec& {
    out.push_back(BackendPolicyFeature{feature, {}});
    return out.back().spec;
  };
  if (const Node n = policies["tcp"]) tcp_policy(n, add("backend-tcp"));
  if (const Node n = policies["tls"]) tls_policy(t, n, add("tls"));
  if (const Node n = policies["http"]) http_policy(n, add("backend-http"));
  if (const Node n = policies["tunnel"]) tunnel_policy(t, n, add("backend-tunnel"));
  if (const Node n = policies["auth"]) auth_policy(t, n, options, add("backend-auth"));
  if (const Node n = policies["health"]) health_policy(n, add("health"));
  if (const Node mcp = policies["mcp"]) {
    if (!options.mcp) mcp.invalid("MCP policies require an MCP backend");
    if (const Node n = mcp["authorization"]) mcp_authorization(n, add("mcp-authorization"));
    if (const Node n = mcp["authentication"]) mcp_authentication(t, n, add("mcp-authentication"));
    if (const Node n = mcp["guardrails"])
      translate_mcp_guardrails(t, n, *add("mcp-guardrails").mutable_mcp_guardrails());
  }
  if (const Node ai = policies["ai"]) {
    if (!options.ai)
      ai.invalid("AI policies require an AI backend");
    else
      translate_ai_policy(t, ai, *add("ai").mutable_ai());
  }
  if (const Node n = policies["extAuth"]) translate_ext_authz(t, n, *add("backend-extauth").mutable_ext_authz());
  if (const Node n = policies["transformation"])
    translate_transformation(n, *add("backend-transformation").mutable_transformation());
}

void translate_policies(const Translation& t, const Node& policies, const PolicyOptions& options,
                        std::vector<agw_api::BackendPolicySpec>& out) {
  std::vector<BackendPolicyFeature> features;
  translate_policy_features(t, policies, options, features);
  for (auto& f : features) out.push_back(std::move(f.spec));
}

}  // namespace kgw::agw_backend
