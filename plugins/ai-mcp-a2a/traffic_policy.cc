// AgentgatewayPolicy `spec.traffic`: one agentgateway traffic Policy per feature.
#include <algorithm>
#include <tuple>

#include "backend_policies.h"
#include "policy_support.h"

namespace kgw::agw_plugin {
namespace {

using Traffic = api::TrafficPolicySpec;

void check_cel(PolicyBuilder& b, const std::string& path, const std::string& expression, const std::string& what) {
  agw_backend::check_cel(b.node(nullptr, path), expression, what);
}

void header_modifier(const Value& v, api::HeaderModifier& out) {
  for (const Value& h : list(&v, "add")) {
    auto* header = out.add_add();
    if (const std::string* n = str(&h, "name")) header->set_name(*n);
    if (const std::string* value = str(&h, "value")) header->set_value(*value);
  }
  for (const Value& h : list(&v, "set")) {
    auto* header = out.add_set();
    if (const std::string* n = str(&h, "name")) header->set_name(*n);
    if (const std::string* value = str(&h, "value")) header->set_value(*value);
  }
  for (const std::string& name : strings(&v, "remove")) out.add_remove(name);
}

void local_rate_limit(const Value::List& rules, Traffic::LocalRateLimit& out) {
  bool first = true;
  for (const Value& rule : rules) {
    const auto requests = integer(&rule, "requests");
    const auto tokens = integer(&rule, "tokens");
    const uint64_t amount = static_cast<uint64_t>(requests ? *requests : tokens ? *tokens : 0);
    const uint64_t burst = static_cast<uint64_t>(integer(&rule, "burst").value_or(0));
    const std::string* unit = str(&rule, "unit");
    const int64_t seconds = !unit ? 1 : *unit == "Minutes" ? 60 : *unit == "Hours" ? 3600 : 1;
    auto* r = out.add_rules();
    r->set_max_tokens(amount + burst);
    r->set_tokens_per_fill(amount);
    r->mutable_fill_interval()->set_seconds(seconds);
    if (!requests && tokens) r->set_type(Traffic::LocalRateLimit::TOKEN);
    if (first) {
      out.set_max_tokens(r->max_tokens());
      out.set_tokens_per_fill(r->tokens_per_fill());
      *out.mutable_fill_interval() = r->fill_interval();
      out.set_type(r->type());
      first = false;
    }
  }
}

void global_rate_limit(PolicyBuilder& b, const Value& v, const std::string& path, Traffic::RemoteRateLimit& out) {
  if (const std::string* domain = str(&v, "domain")) out.set_domain(*domain);
  if (const std::string* mode = str(&v, "failureMode"); mode && *mode == "FailOpen")
    out.set_failure_mode(Traffic::RemoteRateLimit::FAIL_OPEN);
  const auto& descriptors = list(&v, "descriptors");
  for (size_t i = 0; i < descriptors.size(); ++i) {
    const Value& d = descriptors[i];
    auto* descriptor = out.add_descriptors();
    const auto& entries = list(&d, "entries");
    for (size_t j = 0; j < entries.size(); ++j) {
      auto* entry = descriptor->add_entries();
      if (const std::string* name = str(&entries[j], "name")) entry->set_key(*name);
      if (const std::string* expression = str(&entries[j], "expression")) {
        entry->set_value(*expression);
        check_cel(b, path + ".descriptors[" + std::to_string(i) + "].entries[" + std::to_string(j) + "].expression",
                  *expression, "rateLimit descriptor entry \"" + entry->key() + "\"");
      }
    }
    if (const std::string* unit = str(&d, "unit"); unit && *unit == "Tokens")
      descriptor->set_type(Traffic::RemoteRateLimit::TOKENS);
    if (const std::string* cost = str(&d, "cost")) descriptor->set_cost(*cost);
    if (const std::string* limit = str(&d, "limitOverride")) descriptor->set_limit_override(*limit);
  }
  if (at(&v, "backendRef") || at(&v, "url"))
    if (auto target = agw_backend::endpoint_target(b.translation(), b.node(&v, path), "failed to build rateLimit",
                                                   *out.mutable_inline_policies()))
      *out.mutable_target() = *target;
}

void ext_proc(PolicyBuilder& b, const Value& v, const std::string& path, Traffic::ExtProc& out) {
  if (at(&v, "backendRef") || at(&v, "url"))
    if (auto target = agw_backend::endpoint_target(b.translation(), b.node(&v, path), "failed to build extProc",
                                                   *out.mutable_inline_policies()))
      *out.mutable_target() = *target;
  if (const std::string* mode = str(&v, "failureMode"); mode && *mode == "FailOpen")
    out.set_failure_mode(Traffic::ExtProc::FAIL_OPEN);
  for (const char* which : {"requestAttributes", "responseAttributes"}) {
    auto& attributes = std::string(which) == "requestAttributes" ? *out.mutable_request_attributes()
                                                                 : *out.mutable_response_attributes();
    for (const auto& [name, expression] : string_map(&v, which)) {
      attributes[name] = expression;
      check_cel(b, path + "." + which + "." + name, expression, std::string("extProc ") + which + " \"" + name + "\"");
    }
  }
  for (const auto& [ns, context] : map(&v, "metadataContext")) {
    auto& entry = (*out.mutable_metadata_context())[ns];
    for (const auto& [k, expression] : string_map(&context, "")) (*entry.mutable_context())[k] = expression;
  }
  if (const Value* options = at(&v, "processingOptions")) {
    auto* o = out.mutable_processing_options();
    auto body_mode = [](const std::string* mode) {
      if (!mode) return Traffic::ExtProc::FULL_DUPLEX_STREAMED;
      if (*mode == "None") return Traffic::ExtProc::NONE;
      if (*mode == "Buffered") return Traffic::ExtProc::BUFFERED;
      if (*mode == "BufferedPartial") return Traffic::ExtProc::BUFFERED_PARTIAL;
      return Traffic::ExtProc::FULL_DUPLEX_STREAMED;
    };
    auto header_mode = [](const std::string* mode) {
      if (!mode) return Traffic::ExtProc::UNSET;
      return *mode == "Skip" ? Traffic::ExtProc::SKIP : Traffic::ExtProc::SEND;
    };
    o->set_request_body_mode(body_mode(str(options, "requestBodyMode")));
    o->set_response_body_mode(body_mode(str(options, "responseBodyMode")));
    o->set_request_header_mode(header_mode(str(options, "requestHeaderMode")));
    o->set_response_header_mode(header_mode(str(options, "responseHeaderMode")));
    o->set_request_trailer_mode(header_mode(str(options, "requestTrailerMode")));
    o->set_response_trailer_mode(header_mode(str(options, "responseTrailerMode")));
    if (auto allow = boolean(options, "allowModeOverride")) o->set_allow_mode_override(*allow);
  }
}

void rbac(PolicyBuilder& b, const Value& v, const std::string& path, const std::string& what, Traffic::RBAC& out) {
  const std::string* action = str(&v, "action");
  const auto expressions = strings(at(&v, "policy"), "matchExpressions");
  for (size_t i = 0; i < expressions.size(); ++i) {
    const std::string& e = expressions[i];
    check_cel(b, path + ".policy.matchExpressions[" + std::to_string(i) + "]", e, what + " matchExpression");
    if (action && *action == "Deny")
      out.add_deny(e);
    else if (action && *action == "Require")
      out.add_require(e);
    else
      out.add_allow(e);
  }
}

std::string trim_trailing(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

void jwt(PolicyBuilder& b, const Value& v, const std::string& path, Traffic::JWT& out) {
  const std::string* mode = str(&v, "mode");
  if (mode && *mode == "Strict") out.set_mode(Traffic::JWT::STRICT);
  if (mode && *mode == "Permissive") out.set_mode(Traffic::JWT::PERMISSIVE);
  if (auto location = agw_backend::authorization_location(b.node(at(&v, "location"), path + ".location")))
    *out.mutable_authorization_location() = *location;
  if (const Value* mcp = at(&v, "mcp")) {
    auto* m = out.mutable_mcp();
    if (const std::string* provider = str(mcp, "provider")) {
      api::BackendPolicySpec::McpAuthentication::McpIDP idp;
      std::string upper = *provider;
      std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
      if (api::BackendPolicySpec::McpAuthentication::McpIDP_Parse(upper, &idp)) m->set_provider(idp);
    }
    auto* metadata = m->mutable_resource_metadata();
    for (const auto& [k, value] : map(mcp, "resourceMetadata")) to_proto_value(value, (*metadata->mutable_extra())[k]);
    if (const std::string* client = str(mcp, "clientId")) m->set_client_id(*client);
  }
  const auto& providers = list(&v, "providers");
  for (size_t i = 0; i < providers.size(); ++i) {
    const Value& p = providers[i];
    const std::string ppath = path + ".providers[" + std::to_string(i) + "]";
    Traffic::JWTProvider provider;
    if (const std::string* issuer = str(&p, "issuer")) provider.set_issuer(*issuer);
    for (const std::string& a : strings(&p, "audiences")) provider.add_audiences(a);
    const Value* jwks = at(&p, "jwks");
    if (const std::string* inline_jwks = str(jwks, "inline")) {
      provider.set_inline_(trim_trailing(*inline_jwks));
    } else if (const Value* remote = at(jwks, "remote")) {
      const agw_backend::Node node = b.node(remote, ppath + ".jwks.remote");
      const auto url = agw_backend::jwks_url(b.translation(), node);
      auto keyset = url ? agw_backend::persisted_keyset(b.translation(), node, *url) : std::nullopt;
      if (!keyset) continue;
      provider.set_inline_(*keyset);
    }
    *out.add_providers() = std::move(provider);
  }
}

void api_key(PolicyBuilder& b, const Value& v, const std::string& path, Traffic::APIKey& out) {
  if (const std::string* mode = str(&v, "mode")) {
    if (*mode == "Optional") out.set_mode(Traffic::APIKey::OPTIONAL);
    if (*mode == "Permissive") out.set_mode(Traffic::APIKey::PERMISSIVE);
  }
  if (auto location = agw_backend::authorization_location(b.node(at(&v, "location"), path + ".location")))
    *out.mutable_authorization_location() = *location;
  std::vector<Traffic::APIKey::User> users;
  // Each entry is a raw key or a JSON object with `key` or `keyHash` and `metadata`.
  auto add_entry = [&](const std::string& value, bool hashed_only, const std::string& source,
                       const std::string& entry) {
    Traffic::APIKey::User user;
    auto parsed = parse_json(value);
    if (parsed && parsed->is_map() && (str(&*parsed, "key") || str(&*parsed, "keyHash"))) {
      if (const std::string* key = str(&*parsed, "key")) user.set_key(*key);
      if (const std::string* hash = str(&*parsed, "keyHash")) user.set_key_hash(*hash);
      if (const Value* metadata = at(&*parsed, "metadata"); metadata && metadata->is_map()) {
        google::protobuf::Value m;
        to_proto_value(*metadata, m);
        *user.mutable_metadata() = m.struct_value();
      }
    } else {
      user.set_key(value);
    }
    user.mutable_metadata();
    if (hashed_only && !user.key().empty()) {
      b.error(path, source + " contains invalid key " + entry +
                        ": keys sourced from a ConfigMap must use keyHash, not a raw key, since ConfigMaps are not "
                        "confidential");
      return;
    }
    users.push_back(std::move(user));
  };
  if (const Value* ref = at(&v, "secretRef")) {
    const std::string* name = str(ref, "name");
    auto secret = name ? b.secret(*name) : nullptr;
    if (!secret)
      b.error(path + ".secretRef", "secret " + b.ns() + "/" + (name ? *name : "") + " not found");
    else
      for (const auto& [k, value] : secret->data) add_entry(value, false, "secret " + *name, k);
  }
  if (const Value* selector = at(&v, "secretSelector")) {
    for (const sdk::Object* o : b.ctx().list_objects({"", "Secret"}, b.ns(), string_map(selector, "matchLabels"))) {
      auto secret = b.secret(o->ref.name);
      if (secret)
        for (const auto& [k, value] : secret->data) add_entry(value, false, "secret " + o->ref.name, k);
    }
  }
  if (const Value* selector = at(&v, "configMapSelector")) {
    for (const sdk::Object* o : b.ctx().list_objects({"", "ConfigMap"}, b.ns(), string_map(selector, "matchLabels")))
      for (const auto& [k, value] : map(&o->body, "data"))
        if (const std::string* s = value.as_string()) add_entry(*s, true, "configMap " + o->ref.name, k);
  }
  std::stable_sort(users.begin(), users.end(), [](const auto& a, const auto& c) {
    return std::tie(a.key(), a.key_hash()) < std::tie(c.key(), c.key_hash());
  });
  for (auto& u : users) *out.add_api_keys() = std::move(u);
}

void basic_auth(PolicyBuilder& b, const Value& v, const std::string& path, Traffic::BasicAuthentication& out) {
  if (const std::string* mode = str(&v, "mode"); mode && *mode == "Optional")
    out.set_mode(Traffic::BasicAuthentication::OPTIONAL);
  if (const std::string* realm = str(&v, "realm")) out.set_realm(*realm);
  if (auto location = agw_backend::authorization_location(b.node(at(&v, "location"), path + ".location")))
    *out.mutable_authorization_location() = *location;
  std::string content;
  for (const std::string& user : strings(&v, "users")) content += user + "\n";
  if (const Value* ref = at(&v, "secretRef"))
    if (auto htpasswd = agw_backend::secret_value(b.translation(), b.node(ref, path + ".secretRef"), ".htaccess"))
      content += *htpasswd;
  if (!content.empty()) out.set_htpasswd_content(content);
}

void buffer_body(const Value& v, Traffic::Buffer::BufferBody& out) {
  if (const Value* max = at(&v, "maxBytes"))
    if (auto bytes = parse_quantity(*max)) out.set_max_bytes(static_cast<uint32_t>(*bytes));
  if (const std::string* mode = str(&v, "failureMode"); mode && *mode == "FailOpen")
    out.set_failure_mode(Traffic::Buffer::FAIL_OPEN);
}

}  // namespace

void translate_traffic(PolicyBuilder& b, const Value& traffic) {
  const std::string path = "spec.traffic";
  const std::string* phase = str(&traffic, "phase");
  auto add = [&](const char* feature) -> Traffic& {
    Traffic& t = *b.add("traffic/", feature).mutable_traffic();
    if (phase && *phase == "PreRouting") t.set_phase(Traffic::GATEWAY);
    return t;
  };
  if (const Value* v = at(&traffic, "timeouts")) {
    auto* timeout = add("timeout").mutable_timeout();
    if (const std::string* request = str(v, "request"))
      if (!parse_duration(*request, *timeout->mutable_request()))
        b.error(path + ".timeouts.request", "invalid duration " + *request);
  }
  if (const Value* v = at(&traffic, "retry")) {
    auto* retry = add("retry").mutable_retry();
    // The proxy counts attempts in a byte.
    if (auto attempts = integer(v, "attempts"))
      retry->set_attempts(static_cast<int32_t>(std::clamp<int64_t>(*attempts, 0, 255)));
    for (const Value& code : list(v, "codes"))
      if (auto c = code.as_int()) retry->add_retry_status_codes(static_cast<int32_t>(*c));
    if (const std::string* backoff = str(v, "backoff"))
      if (!parse_duration(*backoff, *retry->mutable_backoff()))
        b.error(path + ".retry.backoff", "invalid duration " + *backoff);
    if (const std::string* condition = str(v, "condition")) retry->set_condition(*condition);
    if (const std::string* precondition = str(v, "precondition")) retry->set_precondition(*precondition);
  }
  if (const Value* rl = at(&traffic, "rateLimit")) {
    if (const auto& local = list(rl, "local"); !local.empty())
      local_rate_limit(local, *add("rl-local").mutable_local_rate_limit());
    if (const Value* global = at(rl, "global"))
      global_rate_limit(b, *global, path + ".rateLimit.global", *add("rl-global").mutable_remote_rate_limit());
  }
  // The sections an AgentgatewayBackend's policies also have are translated as a backend's are.
  if (const Value* v = at(&traffic, "extAuth"))
    agw_backend::translate_ext_authz(b.translation(), b.node(v, path + ".extAuth"),
                                     *add("extauth").mutable_ext_authz());
  if (const Value* v = at(&traffic, "extProc")) ext_proc(b, *v, path + ".extProc", *add("extproc").mutable_ext_proc());
  if (const Value* v = at(&traffic, "authorization"))
    rbac(b, *v, path + ".authorization", "authorization", *add("rbac").mutable_authorization());
  if (const Value* v = at(&traffic, "jwtAuthentication"))
    jwt(b, *v, path + ".jwtAuthentication", *add("jwt").mutable_jwt());
  if (const Value* v = at(&traffic, "transformation"))
    agw_backend::translate_transformation(b.node(v, path + ".transformation"),
                                          *add("transformation").mutable_transformation());
  if (const Value* v = at(&traffic, "csrf")) {
    auto* csrf = add("csrf").mutable_csrf();
    for (const std::string& origin : strings(v, "additionalOrigins")) csrf->add_additional_origins(origin);
  }
  if (const Value* v = at(&traffic, "headerModifiers")) {
    if (const Value* request = at(v, "request"))
      header_modifier(*request, *add("header-modifier").mutable_request_header_modifier());
    if (const Value* response = at(v, "response"))
      header_modifier(*response, *add("resp-header-modifier").mutable_response_header_modifier());
  }
  if (const Value* v = at(&traffic, "cors")) {
    auto* cors = add("cors").mutable_cors();
    if (auto credentials = boolean(v, "allowCredentials")) cors->set_allow_credentials(*credentials);
    for (const std::string& h : strings(v, "allowHeaders")) cors->add_allow_headers(h);
    for (const std::string& m : strings(v, "allowMethods")) cors->add_allow_methods(m);
    for (const std::string& o : strings(v, "allowOrigins")) cors->add_allow_origins(o);
    for (const std::string& h : strings(v, "exposeHeaders")) cors->add_expose_headers(h);
    cors->mutable_max_age()->set_seconds(integer(v, "maxAge").value_or(0));
  }
  if (const Value* v = at(&traffic, "apiKeyAuthentication"))
    api_key(b, *v, path + ".apiKeyAuthentication", *add("apikeyauth").mutable_api_key_auth());
  if (const Value* v = at(&traffic, "basicAuthentication"))
    basic_auth(b, *v, path + ".basicAuthentication", *add("basicauth").mutable_basic_auth());
  if (const Value* v = at(&traffic, "buffer")) {
    auto* buffer = add("buffer").mutable_buffer();
    if (const Value* request = at(v, "request")) buffer_body(*request, *buffer->mutable_request());
    if (const Value* response = at(v, "response")) buffer_body(*response, *buffer->mutable_response());
  }
  if (const Value* v = at(&traffic, "hostRewrite")) {
    auto* rewrite = add("hostrewrite").mutable_host_rewrite();
    if (const std::string* mode = str(v, "mode"); mode && *mode == "Auto")
      rewrite->set_mode(Traffic::HostRewrite::AUTO);
  }
  if (const Value* v = at(&traffic, "directResponse")) {
    auto* direct = add("direct-response").mutable_direct_response();
    if (auto status = integer(v, "status")) direct->set_status(static_cast<uint32_t>(*status));
    if (const std::string* body = str(v, "body")) direct->set_body(*body);
    if (const std::string* body = str(v, "bodyExpression")) direct->set_body_expression(*body);
    for (const Value& h : list(v, "headers")) {
      auto* header = direct->add_headers();
      if (const std::string* n = str(&h, "name")) header->set_name(*n);
      if (const std::string* value = str(&h, "value")) header->set_expression(*value);
    }
  }
  if (const Value* v = at(&traffic, "delay"))
    if (const std::string* duration = str(v, "duration")) add("delay").mutable_delay()->set_duration(*duration);
}

}  // namespace kgw::agw_plugin
