// AgentgatewayPolicy `spec.backend`: one agentgateway backend Policy per feature. Some features
// are keyed with the `backend/` section prefix and some without, as agentgateway's controller
// keys them (proxies replace policies by key, so the keys must match).
#include <algorithm>

#include "policy_support.h"

namespace kgw::agw_plugin {
namespace {

using Backend = api::BackendPolicySpec;
using Ai = Backend::Ai;

void check_cel(PolicyBuilder& b, const std::string& path, const std::string& expression, const std::string& what) {
  if (!is_valid_cel(expression)) b.error(path, what + " is not a valid CEL expression: " + expression);
}

bool set_duration(PolicyBuilder& b, const Value* v, const char* key, const std::string& path,
                  google::protobuf::Duration& out) {
  const std::string* text = str(v, key);
  if (!text) return false;
  if (!parse_duration(*text, out)) b.error(path + "." + key, "invalid duration " + *text);
  return true;
}

void keepalive(PolicyBuilder& b, const Value& v, const std::string& path, api::KeepaliveConfig& out) {
  set_duration(b, &v, "time", path, *out.mutable_time());
  set_duration(b, &v, "interval", path, *out.mutable_interval());
  if (auto retries = integer(&v, "retries")) out.set_retries(static_cast<uint32_t>(*retries));
}

void http(PolicyBuilder& b, const Value& v, const std::string& path, Backend::BackendHTTP& out) {
  if (const std::string* version = str(&v, "version"))
    out.set_version(*version == "HTTP2" ? Backend::BackendHTTP::HTTP2 : Backend::BackendHTTP::HTTP1);
  if (str(&v, "requestTimeout")) set_duration(b, &v, "requestTimeout", path, *out.mutable_request_timeout());
}

void tcp(PolicyBuilder& b, const Value& v, const std::string& path, Backend::BackendTCP& out) {
  if (const Value* k = at(&v, "keepalive")) keepalive(b, *k, path + ".keepalive", *out.mutable_keepalive());
  if (str(&v, "connectTimeout")) set_duration(b, &v, "connectTimeout", path, *out.mutable_connect_timeout());
}

void tunnel(PolicyBuilder& b, const Value& v, const std::string& path, Backend::BackendTunnel& out) {
  if (const Value* ref = at(&v, "backendRef")) {
    std::string why;
    if (auto proxy = b.backend_ref(*ref, why))
      *out.mutable_proxy() = *proxy;
    else
      b.error(path + ".backendRef", "failed to build tunnel: " + why);
  } else if (const std::string* url = str(&v, "url")) {
    std::vector<Backend> inline_policies;
    if (!b.url_backend(*url, *out.mutable_proxy(), inline_policies)) b.error(path + ".url", "invalid url " + *url);
    for (auto& p : inline_policies) *out.add_inline_policies() = std::move(p);
  }
}

std::string secret_value(PolicyBuilder& b, const std::string& secret_name, const std::string& key,
                         const std::string& path) {
  auto secret = b.secret(secret_name);
  if (!secret) {
    b.error(path, "secret " + b.ns() + "/" + secret_name + " not found");
    return {};
  }
  auto it = secret->data.find(key);
  if (it == secret->data.end()) {
    b.error(path, "secret " + b.ns() + "/" + secret_name + " missing " + key + " value");
    return {};
  }
  return it->second;
}

void auth(PolicyBuilder& b, const Value& v, const std::string& path, api::BackendAuthPolicy& out) {
  const auto& credentials = list(&v, "credentials");
  for (size_t i = 0; i < credentials.size(); ++i) {
    const Value& c = credentials[i];
    auto* credential = out.add_credentials();
    if (const Value* location = at(&c, "location")) set_location(*location, *credential->mutable_location());
    if (const Value* ref = at(&c, "secretRef")) {
      const std::string* name = str(ref, "name");
      const std::string* key = str(ref, "key");
      credential->set_value(secret_value(b, name ? *name : "", key ? *key : "Authorization",
                                         path + ".credentials[" + std::to_string(i) + "].secretRef"));
    }
  }
  if (const std::string* key = str(&v, "key")) {
    out.mutable_key()->set_secret(*key);
    if (const Value* location = at(&v, "location"))
      set_location(*location, *out.mutable_key()->mutable_authorization_location());
  } else if (const Value* ref = at(&v, "secretRef")) {
    const std::string* name = str(ref, "name");
    const std::string* key = str(ref, "key");
    out.mutable_key()->set_secret(
        secret_value(b, name ? *name : "", key ? *key : "Authorization", path + ".secretRef"));
    if (const Value* location = at(&v, "location"))
      set_location(*location, *out.mutable_key()->mutable_authorization_location());
  } else if (const Value* passthrough = at(&v, "passthrough")) {
    auto* p = out.mutable_passthrough();
    if (const Value* location = at(passthrough, "location"))
      set_location(*location, *p->mutable_authorization_location());
  } else if (const Value* aws = at(&v, "aws")) {
    auto* a = out.mutable_aws();
    if (const Value* ref = at(aws, "secretRef")) {
      const std::string* name = str(ref, "name");
      auto secret = name ? b.secret(*name) : nullptr;
      if (!secret) {
        b.error(path + ".aws.secretRef", "secret " + b.ns() + "/" + (name ? *name : "") + " not found");
      } else {
        auto* e = a->mutable_explicit_config();
        auto get = [&](const char* key) -> std::string {
          auto it = secret->data.find(key);
          if (it != secret->data.end()) return it->second;
          b.error(path + ".aws.secretRef", "secret " + b.ns() + "/" + *name + " missing " + key + " value");
          return {};
        };
        e->set_access_key_id(get("accessKey"));
        e->set_secret_access_key(get("secretKey"));
        if (auto it = secret->data.find("sessionToken"); it != secret->data.end()) e->set_session_token(it->second);
      }
    } else {
      a->mutable_implicit();
    }
    if (const std::string* region = str(aws, "region")) a->set_region(*region);
    if (const std::string* service = str(aws, "serviceName")) a->set_service_name(*service);
    if (const Value* role = at(aws, "assumeRole")) {
      auto* r = a->mutable_assume_role();
      if (const std::string* arn = str(role, "roleArn")) r->set_role_arn(*arn);
      if (const std::string* session = str(role, "sessionName")) r->set_session_name(*session);
      if (const std::string* expression = str(role, "sessionNameExpression"))
        r->set_session_name_expression(*expression);
      for (const Value& t : list(role, "tags")) {
        auto* tag = r->add_tags();
        if (const std::string* k = str(&t, "key")) tag->set_key(*k);
        if (const std::string* value = str(&t, "value")) tag->set_value(*value);
        if (const std::string* expression = str(&t, "expression")) tag->set_expression(*expression);
      }
    }
  } else if (const Value* gcp = at(&v, "gcp")) {
    auto* g = out.mutable_gcp();
    const std::string* type = str(gcp, "type");
    if (type && *type == "IdToken") {
      auto* id = g->mutable_id_token();
      if (const std::string* audience = str(gcp, "audience")) id->set_audience(*audience);
    } else {
      g->mutable_access_token();
    }
    if (const Value* ref = at(gcp, "secretRef")) {
      const std::string* name = str(ref, "name");
      const std::string* key = str(ref, "key");
      g->set_credential(secret_value(b, name ? *name : "", key ? *key : "credentials.json", path + ".gcp.secretRef"));
    }
  } else if (const Value* azure = at(&v, "azure")) {
    auto* a = out.mutable_azure();
    if (const Value* identity = at(azure, "managedIdentity")) {
      auto* id = a->mutable_explicit_config()->mutable_managed_identity_credential();
      if (const std::string* client = str(identity, "clientId"))
        id->mutable_user_assigned_identity()->set_client_id(*client);
      else if (const std::string* object = str(identity, "objectId"))
        id->mutable_user_assigned_identity()->set_object_id(*object);
      else if (const std::string* resource = str(identity, "resourceId"))
        id->mutable_user_assigned_identity()->set_resource_id(*resource);
    } else if (at(azure, "workloadIdentity")) {
      a->mutable_explicit_config()->mutable_workload_identity_credential();
    } else if (const Value* ref = at(azure, "secretRef")) {
      const std::string* name = str(ref, "name");
      const std::string secret_name = name ? *name : "";
      auto* s = a->mutable_explicit_config()->mutable_client_secret();
      s->set_tenant_id(secret_value(b, secret_name, "tenantId", path + ".azure.secretRef"));
      s->set_client_id(secret_value(b, secret_name, "clientId", path + ".azure.secretRef"));
      s->set_client_secret(secret_value(b, secret_name, "clientSecret", path + ".azure.secretRef"));
    } else {
      a->mutable_implicit();
    }
  }
}

// The policies a guardrail's own connection uses.
void inline_policies(PolicyBuilder& b, const Value* policies, const std::string& path,
                     google::protobuf::RepeatedPtrField<Backend>& out) {
  if (!policies) return;
  if (const Value* v = at(policies, "tls"))
    translate_backend_tls(b, *v, path + ".tls", *out.Add()->mutable_backend_tls());
  if (const Value* v = at(policies, "auth")) auth(b, *v, path + ".auth", *out.Add()->mutable_auth());
  if (const Value* v = at(policies, "http")) http(b, *v, path + ".http", *out.Add()->mutable_backend_http());
  if (const Value* v = at(policies, "tcp")) tcp(b, *v, path + ".tcp", *out.Add()->mutable_backend_tcp());
  if (const Value* v = at(policies, "tunnel")) tunnel(b, *v, path + ".tunnel", *out.Add()->mutable_backend_tunnel());
}

Ai::BuiltinRegexRule builtin(const std::string& name) {
  if (name == "Ssn") return Ai::SSN;
  if (name == "CreditCard") return Ai::CREDIT_CARD;
  if (name == "PhoneNumber") return Ai::PHONE_NUMBER;
  if (name == "Email") return Ai::EMAIL;
  if (name == "CaSin") return Ai::CA_SIN;
  return Ai::BUILTIN_UNSPECIFIED;
}

void regex(const Value& v, Ai::RegexRules& out) {
  if (const std::string* action = str(&v, "action")) out.set_action(*action == "Reject" ? Ai::REJECT : Ai::MASK);
  for (const std::string& m : strings(&v, "matches")) out.add_rules()->set_regex(m);
  for (const std::string& name : strings(&v, "builtins")) out.add_rules()->set_builtin(builtin(name));
}

bool webhook(PolicyBuilder& b, const Value& v, const std::string& path, Ai::Webhook& out) {
  if (const std::string* mode = str(&v, "failureMode"); mode && *mode == "FailOpen")
    out.set_failure_mode(Ai::Webhook::FAIL_OPEN);
  for (const auto& [k, value] : string_map(&v, "headers")) (*out.mutable_headers())[k] = value;
  for (const Value& m : list(&v, "forwardHeaderMatches")) {
    auto* match = out.add_forward_header_matches();
    if (const std::string* name = str(&m, "name")) match->set_name(*name);
    const std::string* type = str(&m, "type");
    const std::string* value = str(&m, "value");
    if (type && *type == "RegularExpression")
      match->set_regex(value ? *value : "");
    else
      match->set_exact(value ? *value : "");
  }
  const Value* ref = at(&v, "backendRef");
  if (!ref) return true;
  std::string why;
  auto backend = b.backend_ref(*ref, why);
  if (!backend) {
    b.error(path + ".backendRef", "failed to build webhook: " + why);
    return false;
  }
  *out.mutable_backend() = *backend;
  return true;
}

void rejection(const Value* response, Ai::RequestRejection& out) {
  if (const std::string* message = str(response, "message")) out.set_body(*message);
  if (auto status = integer(response, "statusCode")) out.set_status(static_cast<uint32_t>(*status));
}

template <typename Guard>
void model_armor(PolicyBuilder& b, const Value& v, const std::string& path, Guard& guard) {
  auto* m = guard.mutable_google_model_armor();
  if (const std::string* t = str(&v, "templateId")) m->set_template_id(*t);
  if (const std::string* p = str(&v, "projectId")) m->set_project_id(*p);
  if (const std::string* l = str(&v, "location")) m->set_location(*l);
  inline_policies(b, at(&v, "policies"), path + ".policies", *m->mutable_inline_policies());
}

template <typename Guard>
void bedrock(PolicyBuilder& b, const Value& v, const std::string& path, Guard& guard) {
  auto* g = guard.mutable_bedrock_guardrails();
  if (const std::string* id = str(&v, "identifier")) g->set_identifier(*id);
  if (const std::string* version = str(&v, "version")) g->set_version(*version);
  if (const std::string* region = str(&v, "region")) g->set_region(*region);
  inline_policies(b, at(&v, "policies"), path + ".policies", *g->mutable_inline_policies());
}

Ai::ContentScope scope(const std::string& name) {
  if (name == "SystemPrompt") return Ai::CONTENT_SCOPE_SYSTEM_PROMPT;
  if (name == "Messages") return Ai::CONTENT_SCOPE_MESSAGES;
  if (name == "ToolOutput") return Ai::CONTENT_SCOPE_TOOL_OUTPUT;
  if (name == "ToolInput") return Ai::CONTENT_SCOPE_TOOL_INPUT;
  return Ai::CONTENT_SCOPE_UNSPECIFIED;
}

// A guard list is served whole or not at all: the first guard that fails drops its list, and
// the guards after it are not looked at.
void prompt_guard(PolicyBuilder& b, const Value& v, const std::string& path, Ai::PromptGuard& out) {
  Ai::PromptGuard built;
  bool request_ok = true, response_ok = true;
  const auto& requests = list(&v, "request");
  for (size_t i = 0; i < requests.size() && request_ok; ++i) {
    const size_t errors_before = b.error_count();
    const Value& g = requests[i];
    const std::string gpath = path + ".request[" + std::to_string(i) + "]";
    auto* guard = built.add_request();
    if (const Value* response = at(&g, "response")) rejection(response, *guard->mutable_rejection());
    if (const Value* r = at(&g, "regex")) regex(*r, *guard->mutable_regex());
    if (const Value* w = at(&g, "webhook")) request_ok &= webhook(b, *w, gpath + ".webhook", *guard->mutable_webhook());
    if (const Value* m = at(&g, "openAIModeration")) {
      auto* moderation = guard->mutable_openai_moderation();
      if (const std::string* model = str(m, "model")) moderation->set_model(*model);
      inline_policies(b, at(m, "policies"), gpath + ".openAIModeration.policies",
                      *moderation->mutable_inline_policies());
    }
    if (const Value* m = at(&g, "bedrockGuardrails")) bedrock(b, *m, gpath + ".bedrockGuardrails", *guard);
    if (const Value* m = at(&g, "googleModelArmor")) model_armor(b, *m, gpath + ".googleModelArmor", *guard);
    for (const std::string& s : strings(&g, "scope")) guard->add_scope(scope(s));
    request_ok &= b.error_count() == errors_before;
  }
  const auto& responses = list(&v, "response");
  for (size_t i = 0; i < responses.size() && response_ok; ++i) {
    const size_t errors_before = b.error_count();
    const Value& g = responses[i];
    const std::string gpath = path + ".response[" + std::to_string(i) + "]";
    auto* guard = built.add_response();
    if (const Value* response = at(&g, "response")) rejection(response, *guard->mutable_rejection());
    if (const Value* r = at(&g, "regex")) regex(*r, *guard->mutable_regex());
    if (const Value* w = at(&g, "webhook"))
      response_ok &= webhook(b, *w, gpath + ".webhook", *guard->mutable_webhook());
    if (const Value* m = at(&g, "bedrockGuardrails")) bedrock(b, *m, gpath + ".bedrockGuardrails", *guard);
    if (const Value* m = at(&g, "googleModelArmor")) model_armor(b, *m, gpath + ".googleModelArmor", *guard);
    response_ok &= b.error_count() == errors_before;
  }
  if (request_ok) *out.mutable_request() = built.request();
  if (response_ok) *out.mutable_response() = built.response();
  if (const std::string* streaming = str(&v, "streaming"); streaming && *streaming == "Enabled")
    out.set_streaming(Ai::PromptGuard::ENABLED);
}

Ai::RouteType route_type(const std::string& name) {
  static const std::vector<std::pair<std::string, Ai::RouteType>> types = {
      {"Completions", Ai::COMPLETIONS},
      {"Messages", Ai::MESSAGES},
      {"Models", Ai::MODELS},
      {"Passthrough", Ai::PASSTHROUGH},
      {"Detect", Ai::DETECT},
      {"Responses", Ai::RESPONSES},
      {"AnthropicTokenCount", Ai::ANTHROPIC_TOKEN_COUNT},
      {"Embeddings", Ai::EMBEDDINGS},
      {"Realtime", Ai::REALTIME},
      {"Rerank", Ai::RERANK},
      {"GenerateContent", Ai::GENERATE_CONTENT},
      {"GeminiCountTokens", Ai::GEMINI_COUNT_TOKENS},
  };
  for (const auto& [n, t] : types)
    if (n == name) return t;
  return Ai::UNSPECIFIED;
}

void ai(PolicyBuilder& b, const Value& v, const std::string& path, Ai& out) {
  // Overrides and defaults carry any JSON value, sent as its JSON text.
  for (const Value& f : list(&v, "overrides"))
    if (const std::string* field = str(&f, "field"))
      (*out.mutable_overrides())[*field] = to_json(at(&f, "value") ? *at(&f, "value") : Value());
  for (const Value& f : list(&v, "defaults"))
    if (const std::string* field = str(&f, "field"))
      (*out.mutable_defaults())[*field] = to_json(at(&f, "value") ? *at(&f, "value") : Value());
  for (const char* which : {"transformations", "finalTransformations"}) {
    const auto& items = list(&v, which);
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string* field = str(&items[i], "field");
      const std::string* expression = str(&items[i], "expression");
      if (!field || !expression) continue;
      check_cel(b, path + "." + which + "[" + std::to_string(i) + "].expression", *expression,
                std::string("ai ") + which + " \"" + *field + "\"");
      auto& target = std::string(which) == "transformations" ? *out.mutable_transformations()
                                                             : *out.mutable_final_transformations();
      target[*field] = *expression;
    }
  }
  if (const Value* prompt = at(&v, "prompt")) {
    auto* prompts = out.mutable_prompts();
    for (const Value& m : list(prompt, "append")) {
      auto* message = prompts->add_append();
      if (const std::string* role = str(&m, "role")) message->set_role(*role);
      if (const std::string* content = str(&m, "content")) message->set_content(*content);
    }
    for (const Value& m : list(prompt, "prepend")) {
      auto* message = prompts->add_prepend();
      if (const std::string* role = str(&m, "role")) message->set_role(*role);
      if (const std::string* content = str(&m, "content")) message->set_content(*content);
    }
  }
  if (const Value* caching = at(&v, "promptCaching")) {
    auto* c = out.mutable_prompt_caching();
    c->set_cache_system(boolean(caching, "cacheSystem").value_or(false));
    c->set_cache_messages(boolean(caching, "cacheMessages").value_or(false));
    c->set_cache_tools(boolean(caching, "cacheTools").value_or(false));
    if (auto min = integer(caching, "minTokens")) c->set_min_tokens(static_cast<uint32_t>(*min));
    if (auto offset = integer(caching, "cacheMessageOffset"))
      c->set_cache_message_offset(static_cast<uint32_t>(*offset));
  }
  if (const Value* guard = at(&v, "promptGuard"))
    prompt_guard(b, *guard, path + ".promptGuard", *out.mutable_prompt_guard());
  for (const auto& [alias, model] : string_map(&v, "modelAliases")) (*out.mutable_model_aliases())[alias] = model;
  for (const auto& [route, type] : string_map(&v, "routes")) (*out.mutable_routes())[route] = route_type(type);
}

void health(PolicyBuilder& b, const Value& v, const std::string& path, Backend::Health& out) {
  if (const std::string* condition = str(&v, "unhealthyCondition")) {
    out.set_unhealthy_condition(*condition);
    check_cel(b, path + ".unhealthyCondition", *condition, "health unhealthyCondition");
  }
  if (const Value* e = at(&v, "eviction")) {
    auto* eviction = out.mutable_eviction();
    set_duration(b, e, "duration", path + ".eviction", *eviction->mutable_duration());
    // Percentages in the API, fractions on the wire.
    if (auto restore = integer(e, "restoreHealth")) eviction->set_restore_health(static_cast<double>(*restore) / 100);
    if (auto failures = integer(e, "consecutiveFailures"))
      eviction->set_consecutive_failures(static_cast<int32_t>(*failures));
    if (auto threshold = integer(e, "healthThreshold"))
      eviction->set_health_threshold(static_cast<double>(*threshold) / 100);
  }
}

void mcp_authentication(PolicyBuilder& b, const Value& v, const std::string& path, Backend::McpAuthentication& out) {
  if (const std::string* issuer = str(&v, "issuer")) out.set_issuer(*issuer);
  for (const std::string& a : strings(&v, "audiences")) out.add_audiences(a);
  if (const std::string* provider = str(&v, "provider")) {
    static const std::vector<std::pair<std::string, Backend::McpAuthentication::McpIDP>> providers = {
        {"Auth0", Backend::McpAuthentication::AUTH0},         {"Keycloak", Backend::McpAuthentication::KEYCLOAK},
        {"Okta", Backend::McpAuthentication::OKTA},           {"Descope", Backend::McpAuthentication::DESCOPE},
        {"Authentik", Backend::McpAuthentication::AUTHENTIK}, {"Entra", Backend::McpAuthentication::ENTRA}};
    for (const auto& [n, p] : providers)
      if (n == *provider) out.set_provider(p);
  }
  const std::string* mode = str(&v, "mode");
  out.set_mode(mode && *mode == "Optional"     ? Backend::McpAuthentication::OPTIONAL
               : mode && *mode == "Permissive" ? Backend::McpAuthentication::PERMISSIVE
                                               : Backend::McpAuthentication::STRICT);
  auto* metadata = out.mutable_resource_metadata();
  for (const auto& [k, value] : map(&v, "resourceMetadata")) to_proto_value(value, (*metadata->mutable_extra())[k]);
  if (const std::string* client = str(&v, "clientId")) out.set_client_id(*client);
  if (const Value* ref = at(&v, "clientSecretRef")) {
    const std::string* name = str(ref, "name");
    const std::string* key = str(ref, "key");
    out.set_client_secret(secret_value(b, name ? *name : "", key ? *key : "clientSecret", path + ".clientSecretRef"));
  }
  if (const Value* jwks = at(&v, "jwks")) {
    std::string url, why;
    if (auto keyset = stored_jwks(b, *jwks, url, why))
      out.set_jwks_inline(*keyset);
    else
      b.error(path + ".jwks", why);
  }
}

void mcp_guardrails(PolicyBuilder& b, const Value& v, const std::string& path, Backend::McpGuardrails& out) {
  const auto& processors = list(&v, "processors");
  for (size_t i = 0; i < processors.size(); ++i) {
    const Value& p = processors[i];
    const std::string ppath = path + ".processors[" + std::to_string(i) + "]";
    auto* processor = out.add_processors();
    if (const Value* remote = at(&p, "remote")) {
      auto* r = processor->mutable_remote();
      if (const Value* ref = at(remote, "backendRef")) {
        std::string why;
        if (auto target = b.backend_ref(*ref, why))
          *r->mutable_target() = *target;
        else
          b.error(ppath + ".remote.backendRef", "failed to build mcpGuardrails: " + why);
      } else if (const std::string* url = str(remote, "url")) {
        std::vector<Backend> policies;
        if (!b.url_backend(*url, *r->mutable_target(), policies)) b.error(ppath + ".remote.url", "invalid url " + *url);
        for (auto& pol : policies) *r->add_inline_policies() = std::move(pol);
      }
      if (const std::string* mode = str(remote, "failureMode"); mode && *mode == "FailOpen")
        r->set_failure_mode(Backend::McpGuardrails::ALLOW);
      for (const auto& [k, expression] : string_map(remote, "metadata")) {
        (*r->mutable_metadata())[k] = expression;
        check_cel(b, ppath + ".remote.metadata." + k, expression, "mcpGuardrails metadata \"" + k + "\"");
      }
      for (const std::string& h : strings(remote, "allowedRequestHeaders")) r->add_allowed_request_headers(h);
      for (const std::string& h : strings(remote, "disallowedRequestHeaders")) r->add_disallowed_request_headers(h);
    }
    for (const auto& [method, phase] : string_map(&p, "methods")) {
      auto value = phase == "Request"    ? Backend::McpGuardrails::REQUEST
                   : phase == "Response" ? Backend::McpGuardrails::RESPONSE
                   : phase == "Full"     ? Backend::McpGuardrails::FULL
                                         : Backend::McpGuardrails::OFF;
      (*processor->mutable_methods())[method] = value;
    }
  }
}

}  // namespace

void translate_backend_tls(PolicyBuilder& b, const Value& tls, const std::string& path, Backend::BackendTLS& out) {
  if (const auto& refs = list(&tls, "mtlsCertificateRef"); !refs.empty()) {
    const std::string* name = str(&refs[0], "name");
    auto secret = name ? b.secret(*name) : nullptr;
    if (!secret) {
      b.error(path + ".mtlsCertificateRef[0]", "secret " + b.ns() + "/" + (name ? *name : "") + " not found");
    } else {
      auto cert = secret->data.find("tls.crt");
      auto key = secret->data.find("tls.key");
      if (cert == secret->data.end() || key == secret->data.end()) {
        b.error(path + ".mtlsCertificateRef[0]", "secret " + b.ns() + "/" + *name + " missing tls.crt or tls.key");
      } else {
        out.set_cert(cert->second);
        out.set_key(key->second);
        if (auto ca = secret->data.find("ca.crt"); ca != secret->data.end()) out.set_root(ca->second);
      }
    }
  }
  std::string roots;
  const auto& cas = list(&tls, "caCertificateRefs");
  for (size_t i = 0; i < cas.size(); ++i) {
    const std::string* name = str(&cas[i], "name");
    const std::string* kind = str(&cas[i], "kind");
    const std::string n = name ? *name : "";
    const std::string ipath = path + ".caCertificateRefs[" + std::to_string(i) + "]";
    if (kind && *kind == "Secret") {
      roots += secret_value(b, n, "ca.crt", ipath);
    } else {
      const sdk::Object* cm = b.ctx().host().find_object(b.ref(), {"", "ConfigMap", b.ns(), n}, nullptr);
      const std::string* ca = cm ? str(cm->body.find("data"), "ca.crt") : nullptr;
      if (!cm)
        b.error(ipath, "configmap " + b.ns() + "/" + n + " not found");
      else if (!ca)
        b.error(ipath, "configmap " + b.ns() + "/" + n + " missing ca.crt value");
      else
        roots += *ca;
    }
  }
  if (!roots.empty()) out.set_root(roots);
  if (const std::string* skip = str(&tls, "insecureSkipVerify"))
    out.set_verification(*skip == "All" ? Backend::BackendTLS::INSECURE_ALL : Backend::BackendTLS::INSECURE_HOST);
  if (const std::string* sni = str(&tls, "sni")) out.set_hostname(*sni);
  for (const std::string& san : strings(&tls, "verifySubjectAltNames")) out.add_verify_subject_alt_names(san);
  if (const auto alpn = strings(&tls, "alpnProtocols"); !alpn.empty())
    for (const std::string& p : alpn) out.mutable_alpn()->add_protocols(p);
  if (const std::string* source = str(&tls, "certificateSource"); source && *source == "SPIFFE")
    out.set_certificate_source(Backend::BackendTLS::SPIFFE);
  for (std::string group : strings(&tls, "keyExchangeGroups")) {
    group.erase(std::remove(group.begin(), group.end(), '-'), group.end());
    std::transform(group.begin(), group.end(), group.begin(), [](unsigned char c) { return std::toupper(c); });
    api::TLSConfig::KeyExchangeGroup g;
    if (api::TLSConfig::KeyExchangeGroup_Parse(group, &g)) out.add_key_exchange_groups(g);
  }
}

void translate_backend(PolicyBuilder& b, const Value& backend) {
  const std::string path = "spec.backend";
  if (const Value* v = at(&backend, "ai"))
    ai(b, *v, path + ".ai", *b.add("backend/", "ai").mutable_backend()->mutable_ai());
  if (const Value* v = at(&backend, "auth"))
    auth(b, *v, path + ".auth", *b.add("backend/", "backend-auth").mutable_backend()->mutable_auth());
  if (const Value* mcp = at(&backend, "mcp")) {
    if (const Value* v = at(mcp, "authorization")) {
      Backend::McpAuthorization& authz = *b.add("", "mcp-authorization").mutable_backend()->mutable_mcp_authorization();
      const std::string* action = str(v, "action");
      const auto expressions = strings(at(v, "policy"), "matchExpressions");
      for (size_t i = 0; i < expressions.size(); ++i) {
        check_cel(b, path + ".mcp.authorization.policy.matchExpressions[" + std::to_string(i) + "]", expressions[i],
                  "backend MCP authorization matchExpression");
        if (action && *action == "Deny")
          authz.add_deny(expressions[i]);
        else if (action && *action == "Require")
          authz.add_require(expressions[i]);
        else
          authz.add_allow(expressions[i]);
      }
    }
    if (const Value* v = at(mcp, "authentication"))
      mcp_authentication(b, *v, path + ".mcp.authentication",
                         *b.add("", "mcp-authentication").mutable_backend()->mutable_mcp_authentication());
    if (const Value* v = at(mcp, "guardrails"))
      mcp_guardrails(b, *v, path + ".mcp.guardrails",
                     *b.add("backend/", "mcp-guardrails").mutable_backend()->mutable_mcp_guardrails());
  }
  if (const Value* v = at(&backend, "tls"))
    translate_backend_tls(b, *v, path + ".tls", *b.add("", "tls").mutable_backend()->mutable_backend_tls());
  if (const Value* v = at(&backend, "health"))
    health(b, *v, path + ".health", *b.add("", "health").mutable_backend()->mutable_health());
  if (const Value* v = at(&backend, "http"))
    http(b, *v, path + ".http", *b.add("", "backend-http").mutable_backend()->mutable_backend_http());
  if (const Value* v = at(&backend, "tcp"))
    tcp(b, *v, path + ".tcp", *b.add("backend/", "backend-tcp").mutable_backend()->mutable_backend_tcp());
  if (const Value* v = at(&backend, "tunnel"))
    tunnel(b, *v, path + ".tunnel", *b.add("", "backend-tunnel").mutable_backend()->mutable_backend_tunnel());
  if (const Value* v = at(&backend, "transformation"))
    translate_transformation(b, *v, path + ".transformation",
                             *b.add("", "backend-transformation").mutable_backend()->mutable_transformation());
  if (const Value* v = at(&backend, "extAuth"))
    translate_ext_auth(b, *v, path + ".extAuth",
                       *b.add("backend/", "backend-extauth").mutable_backend()->mutable_ext_authz());
}

}  // namespace kgw::agw_plugin
