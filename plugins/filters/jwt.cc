#include "jwt.h"

#include <optional>
#include <string>

#include "envoy/config/route/v3/route_components.pb.h"
#include "envoy/extensions/common/matching/v3/extension_matcher.pb.h"
#include "envoy/extensions/filters/http/composite/v3/composite.pb.h"
#include "envoy/extensions/filters/http/jwt_authn/v3/config.pb.h"
#include "envoy/extensions/filters/http/set_metadata/v3/set_metadata.pb.h"
#include "envoy/extensions/matching/common_inputs/network/v3/network_inputs.pb.h"
#include "envoy/extensions/matching/input_matchers/metadata/v3/metadata.pb.h"
#include "jwks.h"
#include "value_helpers.h"

namespace kgw::filters {
namespace {

namespace jwt_authn = envoy::extensions::filters::http::jwt_authn::v3;

constexpr const char* kGroup = "gateway.kgateway.dev";
constexpr const char* kJwtAuthnFilter = "envoy.filters.http.jwt_authn";
// Set per route by `disable`: the JWT filters' matchers skip the request when it is there.
constexpr const char* kGlobalDisableFilter = "global_disable/jwt";
constexpr const char* kDisableNamespace = "dev.kgateway.disable_jwt";
constexpr const char* kJwtEnabledFilter = "jwt_enabled";
// Envoy's default for a remote JWKS fetch.
constexpr int64_t kJwksFetchTimeoutMs = 5000;

std::pair<std::string, google::protobuf::Any> packed(const std::string& name, const google::protobuf::Message& m) {
  std::pair<std::string, google::protobuf::Any> out{name, {}};
  out.second.PackFrom(m);
  return out;
}

sdk::StagedHttpFilter disabled_filter(sdk::FilterStage::Relative relative, const std::string& name,
                                      const google::protobuf::Message& config) {
  sdk::StagedHttpFilter f;
  f.stage.stage = sdk::WellKnownStage::AuthN;
  f.stage.relative = relative;
  f.filter.set_name(name);
  f.filter.set_disabled(true);
  f.filter.mutable_typed_config()->PackFrom(config);
  return f;
}

// Sets the disable flag the JWT filters' matchers look for; enabled per route by `disable`.
sdk::StagedHttpFilter global_disable_filter() {
  envoy::extensions::filters::http::set_metadata::v3::Config config;
  auto* metadata = config.add_metadata();
  metadata->set_metadata_namespace(kDisableNamespace);
  (*metadata->mutable_value()->mutable_fields())["disable"].set_bool_value(true);
  return disabled_filter(sdk::FilterStage::Relative::Before, kGlobalDisableFilter, config);
}

// The jwt_authn filter wrapped in a composite filter that runs it unless the request carries the
// disable flag.
envoy::extensions::common::matching::v3::ExtensionWithMatcher jwt_filter(const jwt_authn::JwtAuthentication& authn) {
  envoy::extensions::common::matching::v3::ExtensionWithMatcher out;
  out.mutable_extension_config()->set_name("composite_jwt");
  out.mutable_extension_config()->mutable_typed_config()->PackFrom(
      envoy::extensions::filters::http::composite::v3::Composite());
  auto* matcher = out.mutable_xds_matcher()->mutable_matcher_list()->add_matchers();
  auto* single = matcher->mutable_predicate()->mutable_single_predicate();
  envoy::extensions::matching::common_inputs::network::v3::DynamicMetadataInput input;
  input.set_filter(kDisableNamespace);
  input.add_path()->set_key("disable");
  single->mutable_input()->set_name("disable");
  single->mutable_input()->mutable_typed_config()->PackFrom(input);
  envoy::extensions::matching::input_matchers::metadata::v3::Metadata match;
  match.mutable_value()->set_bool_match(true);
  match.set_invert(true);
  single->mutable_custom_match()->set_name("envoy.matching.matchers.metadata_matcher");
  single->mutable_custom_match()->mutable_typed_config()->PackFrom(match);
  envoy::extensions::filters::http::composite::v3::ExecuteFilterAction execute;
  execute.mutable_typed_config()->set_name(kJwtAuthnFilter);
  execute.mutable_typed_config()->mutable_typed_config()->PackFrom(authn);
  auto* action = matcher->mutable_on_match()->mutable_action();
  action->set_name("composite-action");
  action->mutable_typed_config()->PackFrom(execute);
  return out;
}

// A duration field of the GatewayExtension, when set and valid.
std::optional<int64_t> duration_at(const sdk::Value* parent, const char* key, const std::string& path,
                                   sdk::Diagnostics& diag) {
  auto text = string_field(parent, key);
  if (!text) return std::nullopt;
  auto ms = parse_duration_ms(*text);
  if (!ms) diag.error(path + "." + key, "invalid duration: " + *text);
  return ms;
}

void parse_remote_jwks(const sdk::Object& extension, const sdk::Value& remote, const std::string& path,
                       const sdk::HostApi& host, sdk::Diagnostics& diag, jwt_authn::RemoteJwks& out) {
  auto* uri = out.mutable_http_uri();
  uri->set_uri(string_field(&remote, "url").value_or(""));
  set_duration(kJwksFetchTimeoutMs, *uri->mutable_timeout());
  const sdk::Value* backend = remote.find("backendRef");
  sdk::ObjectRef target{string_field(backend, "group").value_or(""), string_field(backend, "kind").value_or("Service"),
                        string_field(backend, "namespace").value_or(extension.ref.ns),
                        string_field(backend, "name").value_or("")};
  std::string error;
  const std::string cluster =
      host.backend_cluster(extension.ref, target, static_cast<int32_t>(int_field(backend, "port").value_or(0)), error);
  if (cluster.empty())
    diag.error(path + ".backendRef", error.empty() ? "backend " + target.to_string() + " not found" : error);
  uri->set_cluster(cluster);
  if (auto ms = duration_at(&remote, "cacheDuration", path, diag)) set_duration(*ms, *out.mutable_cache_duration());
  if (const sdk::Value* async = remote.find("asyncFetch")) {
    auto* fetch = out.mutable_async_fetch();
    fetch->set_fast_listener(bool_field(async, "fastListener").value_or(false));
    if (auto ms = duration_at(async, "failedRefetchDuration", path + ".asyncFetch", diag))
      set_duration(*ms, *fetch->mutable_failed_refetch_duration());
  }
  if (const sdk::Value* retry = remote.find("retryPolicy")) {
    auto* policy = out.mutable_retry_policy();
    if (auto n = int_field(retry, "numRetries")) policy->mutable_num_retries()->set_value(static_cast<uint32_t>(*n));
    if (const sdk::Value* backoff = retry->find("backOff")) {
      auto* b = policy->mutable_retry_back_off();
      const std::string at = path + ".retryPolicy.backOff";
      if (auto ms = duration_at(backoff, "baseInterval", at, diag)) set_duration(*ms, *b->mutable_base_interval());
      if (auto ms = duration_at(backoff, "maxInterval", at, diag)) set_duration(*ms, *b->mutable_max_interval());
    }
  }
}

// The key set of `local`: inline, or the `jwks` key of a ConfigMap beside the GatewayExtension.
std::optional<std::string> local_jwks(const sdk::Object& extension, const sdk::Value& local, const std::string& path,
                                      const sdk::HostApi& host, sdk::Diagnostics& diag, sdk::Value::List& resolved) {
  std::string text;
  if (auto inline_keys = string_field(&local, "inline")) {
    text = *inline_keys;
  } else if (const sdk::Value* ref = local.find("configMapRef")) {
    const std::string name = string_field(ref, "name").value_or("");
    const sdk::Object* config_map = host.find_object(extension.ref, {"", "ConfigMap", extension.ref.ns, name});
    if (!config_map) {
      diag.error(path + ".configMapRef", "ConfigMap " + extension.ref.ns + "/" + name + " not found");
      return std::nullopt;
    }
    auto keys = string_field(config_map->body.find("data"), "jwks");
    if (!keys) {
      diag.error(path + ".configMapRef", "ConfigMap " + extension.ref.ns + "/" + name + " has no key jwks");
      return std::nullopt;
    }
    text = *keys;
    resolved.push_back(*config_map->body.find("data"));
  } else {
    diag.error(path, "one of inline or configMapRef is required");
    return std::nullopt;
  }
  Jwks jwks = jwks_from_inline(text);
  if (!jwks.error.empty()) {
    diag.error(path, "invalid JWKS: " + jwks.error);
    return std::nullopt;
  }
  return jwks.json;
}

jwt_authn::JwtProvider parse_provider(const sdk::Object& extension, const sdk::Value& p, const std::string& path,
                                      const sdk::HostApi& host, sdk::Diagnostics& diag, sdk::Value::List& resolved) {
  jwt_authn::JwtProvider provider;
  if (auto issuer = string_field(&p, "issuer")) provider.set_issuer(*issuer);
  if (const sdk::Value* list = p.find("audiences"); list && list->as_list())
    for (const auto& a : *list->as_list())
      if (const std::string* s = a.as_string()) provider.add_audiences(*s);
  if (const sdk::Value* list = p.find("claimsToHeaders"); list && list->as_list()) {
    for (const auto& c : *list->as_list()) {
      auto* claim = provider.add_claim_to_headers();
      claim->set_header_name(string_field(&c, "header").value_or(""));
      claim->set_claim_name(string_field(&c, "name").value_or(""));
    }
    // Headers set from claims may change which route the request takes.
    provider.set_clear_route_cache(provider.claim_to_headers_size() > 0);
  }
  if (const sdk::Value* source = p.find("tokenSource")) {
    if (const sdk::Value* header = source->find("header")) {
      auto* h = provider.add_from_headers();
      h->set_name(string_field(header, "header").value_or(""));
      h->set_value_prefix(string_field(header, "prefix").value_or(""));
    } else if (auto param = string_field(source, "queryParameter")) {
      provider.add_from_params(*param);
    }
  }
  provider.set_forward(bool_field(&p, "forwardToken").value_or(false));
  provider.set_payload_in_metadata("payload");
  const sdk::Value* jwks = p.find("jwks");
  if (const sdk::Value* local = jwks ? jwks->find("local") : nullptr) {
    if (auto keys = local_jwks(extension, *local, path + ".jwks.local", host, diag, resolved))
      provider.mutable_local_jwks()->set_inline_string(*keys);
  } else if (const sdk::Value* remote = jwks ? jwks->find("remote") : nullptr) {
    parse_remote_jwks(extension, *remote, path + ".jwks.remote", host, diag, *provider.mutable_remote_jwks());
  } else {
    diag.error(path + ".jwks", "one of local or remote is required");
  }
  return provider;
}

// The jwt_authn configuration of a GatewayExtension: its providers, and one requirement that any
// of them satisfies, named after the GatewayExtension.
std::optional<jwt_authn::JwtAuthentication> authentication_of(const sdk::Object& extension, const std::string& path,
                                                              const sdk::HostApi& host, sdk::Diagnostics& diag,
                                                              sdk::Value::List& resolved) {
  const sdk::Value* jwt = field(extension.spec(), "jwt");
  const sdk::Value* providers = field(jwt, "providers");
  if (!providers || !providers->as_list() || providers->as_list()->empty()) {
    diag.error(path, "GatewayExtension " + extension.ref.ns + "/" + extension.ref.name + " has no JWT providers");
    return std::nullopt;
  }
  const std::string prefix = extension.ref.name + "_" + extension.ref.ns + "_";
  jwt_authn::JwtAuthentication authn;
  jwt_authn::JwtRequirement requirement;
  std::vector<std::string> names;
  size_t i = 0;
  const size_t errors_before = diag.errors().size();
  for (const auto& p : *providers->as_list()) {
    const std::string at = "GatewayExtension " + extension.ref.ns + "/" + extension.ref.name + " spec.jwt.providers[" +
                           std::to_string(i++) + "]";
    const std::string name = prefix + string_field(&p, "name").value_or("");
    (*authn.mutable_providers())[name] = parse_provider(extension, p, at, host, diag, resolved);
    names.push_back(name);
  }
  if (diag.errors().size() != errors_before) return std::nullopt;
  const bool allow_missing = string_field(jwt, "validationMode").value_or("Strict") == "AllowMissing";
  if (names.size() == 1 && !allow_missing) {
    requirement.set_provider_name(names[0]);
  } else {
    auto* any = requirement.mutable_requires_any();
    for (const auto& name : names) any->add_requirements()->set_provider_name(name);
    if (allow_missing) any->add_requirements()->mutable_allow_missing();
  }
  (*authn.mutable_requirement_map())[prefix + "requirements"] = requirement;
  return authn;
}

}  // namespace

AuthFeature parse_jwt_auth(const sdk::Object& policy, const sdk::Value& jwt_auth, const sdk::HostApi& host,
                           sdk::Diagnostics& diag) {
  AuthFeature out;
  if (jwt_auth.find("disable")) {
    // Sets the flag the JWT filters of higher levels look for, and leaves the request unmarked.
    out.filters.push_back(global_disable_filter());
    out.filters.push_back(auth_marker_filter(kJwtEnabledFilter));
    envoy::config::route::v3::FilterConfig enable;
    enable.mutable_config();
    out.configs.push_back(packed(kGlobalDisableFilter, enable));
    out.configs.push_back(auth_marker_config(kJwtEnabledFilter, false));
    return out;
  }
  const sdk::Value* ref = jwt_auth.find("extensionRef");
  if (!ref) {
    diag.error("spec.jwtAuth", "one of extensionRef or disable is required");
    return out;
  }
  const sdk::ObjectRef target{kGroup, "GatewayExtension", string_field(ref, "namespace").value_or(policy.ref.ns),
                              string_field(ref, "name").value_or("")};
  std::string why;
  const sdk::Object* extension = host.find_object(policy.ref, target, &why);
  if (!extension) {
    // kgateway's words for a refused reference; a missing one is named.
    diag.error("spec.jwtAuth.extensionRef", why == "missing reference grant"
                                                ? "jwt: " + why
                                                : "GatewayExtension " + target.ns + "/" + target.name + " " + why);
    return out;
  }
  if (!field(extension->spec(), "jwt")) {
    diag.error("spec.jwtAuth.extensionRef",
               "GatewayExtension " + target.ns + "/" + target.name + " does not configure JWT providers");
    return out;
  }
  auto authn = authentication_of(*extension, "spec.jwtAuth.extensionRef", host, diag, out.resolved);
  if (!authn) return out;
  const std::string filter_name = "jwt/" + target.ns + "/" + target.name;
  out.filters.push_back(global_disable_filter());
  out.filters.push_back(disabled_filter(sdk::FilterStage::Relative::During, filter_name, jwt_filter(*authn)));
  out.filters.push_back(auth_marker_filter(kJwtEnabledFilter));
  jwt_authn::PerRouteConfig per_route;
  per_route.set_requirement_name(target.name + "_" + target.ns + "_requirements");
  out.configs.push_back(packed(filter_name, per_route));
  out.configs.push_back(auth_marker_config(kJwtEnabledFilter, true));
  out.resolved.push_back(*extension->spec());
  return out;
}

}  // namespace kgw::filters
