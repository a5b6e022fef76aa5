// AgentgatewayPolicy `spec.traffic`: one agentgateway traffic Policy per feature.
#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

#include "backend_policy_features.h"
#include "policy_builder.h"

namespace kgw::agw_plugin {
namespace {

using agw_backend::check_cel;
using agw_backend::Node;
using Traffic = api::TrafficPolicySpec;

std::map<std::string, std::string> string_entries(const Node& node) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : node.entries())
    if (auto s = v.string()) out[k] = *s;
  return out;
}

void header_modifier(const Node& v, api::HeaderModifier& out) {
  for (const Node& h : v["add"].items()) {
    auto* header = out.add_add();
    if (auto n = h["name"].string()) header->set_name(*n);
    if (auto value = h["value"].string()) header->set_value(*value);
  }
  for (const Node& h : v["set"].items()) {
    auto* header = out.add_set();
    if (auto n = h["name"].string()) header->set_name(*n);
    if (auto value = h["value"].string()) header->set_value(*value);
  }
  for (const std::string& name : v["remove"].strings()) out.add_remove(name);
}

void local_rate_limit(const std::vector<Node>& rules, Traffic::LocalRateLimit& out) {
  bool first = true;
  for (const Node& rule : rules) {
    const auto requests = rule["requests"].integer();
    const auto tokens = rule["tokens"].integer();
    const uint64_t amount = static_cast<uint64_t>(requests ? *requests : tokens ? *tokens : 0);
    const uint64_t burst = static_cast<uint64_t>(rule["burst"].integer().value_or(0));
    const std::string unit = rule["unit"].string_or("");
    const int64_t seconds = unit == "Minutes" ? 60 : unit == "Hours" ? 3600 : 1;
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

void global_rate_limit(PolicyBuilder& b, const Node& v, Traffic::RemoteRateLimit& out) {
  if (auto domain = v["domain"].string()) out.set_domain(*domain);
  if (v["failureMode"].string_or("") == "FailOpen") out.set_failure_mode(Traffic::RemoteRateLimit::FAIL_OPEN);
  for (const Node& d : v["descriptors"].items()) {
    auto* descriptor = out.add_descriptors();
    for (const Node& e : d["entries"].items()) {
      auto* entry = descriptor->add_entries();
      if (auto name = e["name"].string()) entry->set_key(*name);
      if (auto expression = e["expression"].string()) {
        entry->set_value(*expression);
        check_cel(e["expression"], *expression, "rateLimit descriptor entry \"" + entry->key() + "\"");
      }
    }
    if (d["unit"].string_or("") == "Tokens") descriptor->set_type(Traffic::RemoteRateLimit::TOKENS);
    if (auto cost = d["cost"].string()) descriptor->set_cost(*cost);
    if (auto limit = d["limitOverride"].string()) descriptor->set_limit_override(*limit);
  }
  if (v["backendRef"] || v["url"])
    if (auto target = agw_backend::endpoint_target(b.translation(), v, "failed to build rateLimit",
                                                   *out.mutable_inline_policies()))
      *out.mutable_target() = *target;
}

void ext_proc(PolicyBuilder& b, const Node& v, Traffic::ExtProc& out) {
  if (v["backendRef"] || v["url"])
    if (auto target =
            agw_backend::endpoint_target(b.translation(), v, "failed to build extProc", *out.mutable_inline_policies()))
      *out.mutable_target() = *target;
  if (v["failureMode"].string_or("") == "FailOpen") out.set_failure_mode(Traffic::ExtProc::FAIL_OPEN);
  for (const char* which : {"requestAttributes", "responseAttributes"}) {
    auto& attributes = std::string(which) == "requestAttributes" ? *out.mutable_request_attributes()
                                                                 : *out.mutable_response_attributes();
    for (const auto& [name, e] : v[which].entries())
      if (auto expression = e.string()) {
        attributes[name] = *expression;
        check_cel(e, *expression, std::string("extProc ") + which + " \"" + name + "\"");
      }
  }
  for (const auto& [ns, context] : v["metadataContext"].entries()) {
    auto& entry = (*out.mutable_metadata_context())[ns];
    for (const auto& [k, expression] : string_entries(context)) (*entry.mutable_context())[k] = expression;
  }
  if (const Node options = v["processingOptions"]) {
    auto* o = out.mutable_processing_options();
    auto body_mode = [](const Node& mode) {
      const std::string m = mode.string_or("");
      if (m == "None") return Traffic::ExtProc::NONE;
      if (m == "Buffered") return Traffic::ExtProc::BUFFERED;
      if (m == "BufferedPartial") return Traffic::ExtProc::BUFFERED_PARTIAL;
      return Traffic::ExtProc::FULL_DUPLEX_STREAMED;
    };
    auto header_mode = [](const Node& mode) {
      auto m = mode.string();
      if (!m) return Traffic::ExtProc::UNSET;
      return *m == "Skip" ? Traffic::ExtProc::SKIP : Traffic::ExtProc::SEND;
    };
    o->set_request_body_mode(body_mode(options["requestBodyMode"]));
    o->set_response_body_mode(body_mode(options["responseBodyMode"]));
    o->set_request_header_mode(header_mode(options["requestHeaderMode"]));
    o->set_response_header_mode(header_mode(options["responseHeaderMode"]));
    o->set_request_trailer_mode(header_mode(options["requestTrailerMode"]));
    o->set_response_trailer_mode(header_mode(options["responseTrailerMode"]));
    if (auto allow = options["allowModeOverride"].boolean()) o->set_allow_mode_override(*allow);
  }
}

void rbac(const Node& v, const std::string& what, Traffic::RBAC& out) {
  const std::string action = v["action"].string_or("");
  for (const Node& e : v["policy"]["matchExpressions"].items()) {
    auto expression = e.string();
    if (!expression) continue;
    check_cel(e, *expression, what + " matchExpression");
    if (action == "Deny")
      out.add_deny(*expression);
    else if (action == "Require")
      out.add_require(*expression);
    else
      out.add_allow(*expression);
  }
}

std::string trim_trailing(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

void jwt(PolicyBuilder& b, const Node& v, Traffic::JWT& out) {
  const std::string mode = v["mode"].string_or("");
  if (mode == "Strict") out.set_mode(Traffic::JWT::STRICT);
  if (mode == "Permissive") out.set_mode(Traffic::JWT::PERMISSIVE);
  if (auto location = agw_backend::authorization_location(v["location"]))
    *out.mutable_authorization_location() = *location;
  if (const Node mcp = v["mcp"]) {
    auto* m = out.mutable_mcp();
    if (auto provider = mcp["provider"].string()) {
      api::BackendPolicySpec::McpAuthentication::McpIDP idp;
      std::string upper = *provider;
      std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
      if (api::BackendPolicySpec::McpAuthentication::McpIDP_Parse(upper, &idp)) m->set_provider(idp);
    }
    auto* metadata = m->mutable_resource_metadata();
    for (const auto& [k, value] : mcp["resourceMetadata"].entries())
      to_proto_value(*value.value(), (*metadata->mutable_extra())[k]);
    if (auto client = mcp["clientId"].string()) m->set_client_id(*client);
  }
  for (const Node& p : v["providers"].items()) {
    Traffic::JWTProvider provider;
    if (auto issuer = p["issuer"].string()) provider.set_issuer(*issuer);
    for (const std::string& a : p["audiences"].strings()) provider.add_audiences(a);
    const Node jwks = p["jwks"];
    if (auto inline_jwks = jwks["inline"].string()) {
      provider.set_inline_(trim_trailing(*inline_jwks));
    } else if (const Node remote = jwks["remote"]) {
      const auto url = agw_backend::jwks_url(b.translation(), remote);
      auto keyset = url ? agw_backend::persisted_keyset(b.translation(), remote, *url) : std::nullopt;
      if (!keyset) continue;
      provider.set_inline_(*keyset);
    }
    *out.add_providers() = std::move(provider);
  }
}

void api_key(PolicyBuilder& b, const Node& v, Traffic::APIKey& out) {
  const std::string mode = v["mode"].string_or("");
  if (mode == "Optional") out.set_mode(Traffic::APIKey::OPTIONAL);
  if (mode == "Permissive") out.set_mode(Traffic::APIKey::PERMISSIVE);
  if (auto location = agw_backend::authorization_location(v["location"]))
    *out.mutable_authorization_location() = *location;
  std::vector<Traffic::APIKey::User> users;
  // Each entry is a raw key or a JSON object with `key` or `keyHash` and `metadata`.
  auto add_entry = [&](const std::string& value, bool hashed_only, const std::string& source,
                       const std::string& entry) {
    Traffic::APIKey::User user;
    auto parsed = parse_json(value);
    const Value* key = parsed ? parsed->find("key") : nullptr;
    const Value* hash = parsed ? parsed->find("keyHash") : nullptr;
    if ((key && key->as_string()) || (hash && hash->as_string())) {
      if (key && key->as_string()) user.set_key(*key->as_string());
      if (hash && hash->as_string()) user.set_key_hash(*hash->as_string());
      if (const Value* metadata = parsed->find("metadata"); metadata && metadata->is_map()) {
        google::protobuf::Value m;
        to_proto_value(*metadata, m);
        *user.mutable_metadata() = m.struct_value();
      }
    } else {
      user.set_key(value);
    }
    user.mutable_metadata();
    if (hashed_only && !user.key().empty()) {
      v.error(source + " contains invalid key " + entry +
              ": keys sourced from a ConfigMap must use keyHash, not a raw key, since ConfigMaps are not "
              "confidential");
      return;
    }
    users.push_back(std::move(user));
  };
  if (const Node ref = v["secretRef"]) {
    const std::string name = ref["name"].string_or("");
    if (auto secret = b.secret(name))
      for (const auto& [k, value] : secret->data) add_entry(value, false, "secret " + name, k);
    else
      ref.error("secret " + b.ns() + "/" + name + " not found");
  }
  if (const Node selector = v["secretSelector"]) {
    for (const sdk::Object* o : b.ctx().list_objects({"", "Secret"}, b.ns(), string_entries(selector["matchLabels"])))
      if (auto secret = b.secret(o->ref.name))
        for (const auto& [k, value] : secret->data) add_entry(value, false, "secret " + o->ref.name, k);
  }
  if (const Node selector = v["configMapSelector"]) {
    for (const sdk::Object* o :
         b.ctx().list_objects({"", "ConfigMap"}, b.ns(), string_entries(selector["matchLabels"]))) {
      const Value* data = o->body.find("data");
      if (const Value::Map* entries = data ? data->as_map() : nullptr)
        for (const auto& [k, value] : *entries)
          if (const std::string* s = value.as_string()) add_entry(*s, true, "configMap " + o->ref.name, k);
    }
  }
  std::stable_sort(users.begin(), users.end(), [](const auto& a, const auto& c) {
    return std::tie(a.key(), a.key_hash()) < std::tie(c.key(), c.key_hash());
  });
  for (auto& u : users) *out.add_api_keys() = std::move(u);
}

void basic_auth(PolicyBuilder& b, const Node& v, Traffic::BasicAuthentication& out) {
  if (v["mode"].string_or("") == "Optional") out.set_mode(Traffic::BasicAuthentication::OPTIONAL);
  if (auto realm = v["realm"].string()) out.set_realm(*realm);
  if (auto location = agw_backend::authorization_location(v["location"]))
    *out.mutable_authorization_location() = *location;
  std::string content;
  for (const std::string& user : v["users"].strings()) content += user + "\n";
  if (const Node ref = v["secretRef"])
    if (auto htpasswd = agw_backend::secret_value(b.translation(), ref, ".htaccess")) content += *htpasswd;
  if (!content.empty()) out.set_htpasswd_content(content);
}

void buffer_body(const Node& v, Traffic::Buffer::BufferBody& out) {
  if (const Node max = v["maxBytes"])
    if (auto bytes = parse_quantity(*max.value())) out.set_max_bytes(static_cast<uint32_t>(*bytes));
  if (v["failureMode"].string_or("") == "FailOpen") out.set_failure_mode(Traffic::Buffer::FAIL_OPEN);
}

}  // namespace

void translate_traffic(PolicyBuilder& b, const Node& traffic) {
  const bool pre_routing = traffic["phase"].string_or("") == "PreRouting";
  auto add = [&](const char* feature) -> Traffic& {
    Traffic& t = *b.add("traffic/", feature).mutable_traffic();
    if (pre_routing) t.set_phase(Traffic::GATEWAY);
    return t;
  };
  if (const Node v = traffic["timeouts"]) {
    auto* timeout = add("timeout").mutable_timeout();
    if (v["request"]) parse_duration(v["request"], *timeout->mutable_request());
  }
  if (const Node v = traffic["retry"]) {
    auto* retry = add("retry").mutable_retry();
    // The proxy counts attempts in a byte.
    if (auto attempts = v["attempts"].integer())
      retry->set_attempts(static_cast<int32_t>(std::clamp<int64_t>(*attempts, 0, 255)));
    for (const Node& code : v["codes"].items())
      if (auto c = code.integer()) retry->add_retry_status_codes(static_cast<int32_t>(*c));
    if (v["backoff"]) parse_duration(v["backoff"], *retry->mutable_backoff());
    if (auto condition = v["condition"].string()) retry->set_condition(*condition);
    if (auto precondition = v["precondition"].string()) retry->set_precondition(*precondition);
  }
  if (const Node rl = traffic["rateLimit"]) {
    if (const auto local = rl["local"].items(); !local.empty())
      local_rate_limit(local, *add("rl-local").mutable_local_rate_limit());
    if (const Node global = rl["global"]) global_rate_limit(b, global, *add("rl-global").mutable_remote_rate_limit());
  }
  // The sections an AgentgatewayBackend's policies also have are translated as a backend's are.
  if (const Node v = traffic["extAuth"])
    agw_backend::translate_ext_authz(b.translation(), v, *add("extauth").mutable_ext_authz());
  if (const Node v = traffic["extProc"]) ext_proc(b, v, *add("extproc").mutable_ext_proc());
  if (const Node v = traffic["authorization"]) rbac(v, "authorization", *add("rbac").mutable_authorization());
  if (const Node v = traffic["jwtAuthentication"]) jwt(b, v, *add("jwt").mutable_jwt());
  if (const Node v = traffic["transformation"])
    agw_backend::translate_transformation(v, *add("transformation").mutable_transformation());
  if (const Node v = traffic["csrf"]) {
    auto* csrf = add("csrf").mutable_csrf();
    for (const std::string& origin : v["additionalOrigins"].strings()) csrf->add_additional_origins(origin);
  }
  if (const Node v = traffic["headerModifiers"]) {
    if (const Node request = v["request"])
      header_modifier(request, *add("header-modifier").mutable_request_header_modifier());
    if (const Node response = v["response"])
      header_modifier(response, *add("resp-header-modifier").mutable_response_header_modifier());
  }
  if (const Node v = traffic["cors"]) {
    auto* cors = add("cors").mutable_cors();
    if (auto credentials = v["allowCredentials"].boolean()) cors->set_allow_credentials(*credentials);
    for (const std::string& h : v["allowHeaders"].strings()) cors->add_allow_headers(h);
    for (const std::string& m : v["allowMethods"].strings()) cors->add_allow_methods(m);
    for (const std::string& o : v["allowOrigins"].strings()) cors->add_allow_origins(o);
    for (const std::string& h : v["exposeHeaders"].strings()) cors->add_expose_headers(h);
    cors->mutable_max_age()->set_seconds(v["maxAge"].integer().value_or(0));
  }
  if (const Node v = traffic["apiKeyAuthentication"]) api_key(b, v, *add("apikeyauth").mutable_api_key_auth());
  if (const Node v = traffic["basicAuthentication"]) basic_auth(b, v, *add("basicauth").mutable_basic_auth());
  if (const Node v = traffic["buffer"]) {
    auto* buffer = add("buffer").mutable_buffer();
    if (const Node request = v["request"]) buffer_body(request, *buffer->mutable_request());
    if (const Node response = v["response"]) buffer_body(response, *buffer->mutable_response());
  }
  if (const Node v = traffic["hostRewrite"]) {
    auto* rewrite = add("hostrewrite").mutable_host_rewrite();
    if (v["mode"].string_or("") == "Auto") rewrite->set_mode(Traffic::HostRewrite::AUTO);
  }
  if (const Node v = traffic["directResponse"]) {
    auto* direct = add("direct-response").mutable_direct_response();
    if (auto status = v["status"].integer()) direct->set_status(static_cast<uint32_t>(*status));
    if (auto body = v["body"].string()) direct->set_body(*body);
    if (auto body = v["bodyExpression"].string()) direct->set_body_expression(*body);
    for (const Node& h : v["headers"].items()) {
      auto* header = direct->add_headers();
      if (auto n = h["name"].string()) header->set_name(*n);
      if (auto expression = h["value"].string()) header->set_expression(*expression);
    }
  }
  if (const Node v = traffic["delay"])
    if (auto duration = v["duration"].string()) add("delay").mutable_delay()->set_duration(*duration);
}

}  // namespace kgw::agw_plugin
