// Round-trips every message type the overlay protos add and every field the
// shadowed package protos gain, through binary and proto3 JSON. This checks
// that generated C++ works and that JSON names are the ones Envoy expects.

#include <google/protobuf/any.pb.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cel/expr/checked.pb.h"
#include "cel/expr/syntax.pb.h"
#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/config/route/v3/route.pb.h"
#include "envoy/config/route/v3/route_components.pb.h"
#include "envoy/extensions/access_loggers/open_telemetry/v3/logs_service.pb.h"
#include "envoy/extensions/clusters/dns/v3/dns_cluster.pb.h"
#include "envoy/extensions/common/aws/v3/credential_provider.pb.h"
#include "envoy/extensions/dynamic_modules/v3/dynamic_modules.pb.h"
#include "envoy/extensions/filters/http/api_key_auth/v3/api_key_auth.pb.h"
#include "envoy/extensions/filters/http/aws_request_signing/v3/aws_request_signing.pb.h"
#include "envoy/extensions/filters/http/dynamic_modules/v3/dynamic_modules.pb.h"
#include "envoy/extensions/filters/http/ext_authz/v3/ext_authz.pb.h"
#include "envoy/extensions/filters/http/ext_proc/v3/ext_proc.pb.h"
#include "envoy/extensions/filters/http/oauth2/v3/oauth.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "envoy/extensions/http/original_ip_detection/xff/v3/xff.pb.h"
#include "envoy/extensions/load_balancing_policies/common/v3/common.pb.h"
#include "envoy/extensions/matching/common_inputs/network/v3/network_inputs.pb.h"
#include "envoy/extensions/matching/input_matchers/metadata/v3/metadata.pb.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "xds/type/matcher/v3/cel.pb.h"
#include "xds/type/matcher/v3/http_inputs.pb.h"
#include "xds/type/v3/cel.pb.h"

namespace {

using google::protobuf::Any;
using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;

namespace aws = envoy::extensions::common::aws::v3;
namespace dm = envoy::extensions::dynamic_modules::v3;
namespace dm_http = envoy::extensions::filters::http::dynamic_modules::v3;
namespace keyauth = envoy::extensions::filters::http::api_key_auth::v3;
namespace lb = envoy::extensions::load_balancing_policies::common::v3;
namespace oauth2 = envoy::extensions::filters::http::oauth2::v3;
namespace otel = opentelemetry::proto::common::v1;
namespace xff = envoy::extensions::http::original_ip_detection::xff::v3;

// A filled-in message and the camelCase JSON keys its JSON must contain.
struct Case {
  std::shared_ptr<const Message> msg;
  std::vector<std::string> json_keys;
};

template <class M>
Case Make(const M& m, std::vector<std::string> json_keys) {
  return {std::make_shared<M>(m), std::move(json_keys)};
}

void ExpectRoundTrip(const Case& c) {
  const Message& in = *c.msg;
  SCOPED_TRACE(in.GetDescriptor()->full_name());

  std::string wire;
  ASSERT_TRUE(in.SerializeToString(&wire));
  std::unique_ptr<Message> from_wire(in.New());
  ASSERT_TRUE(from_wire->ParseFromString(wire));
  EXPECT_TRUE(MessageDifferencer::Equals(in, *from_wire)) << in.DebugString();

  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(in, &json).ok());
  for (const auto& key : c.json_keys) {
    EXPECT_NE(json.find("\"" + key + "\":"), std::string::npos) << key << " not in " << json;
  }
  std::unique_ptr<Message> from_json(in.New());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, from_json.get()).ok()) << json;
  EXPECT_TRUE(MessageDifferencer::Equals(in, *from_json)) << json;
}

void ExpectRoundTrips(const std::vector<Case>& cases) {
  for (const auto& c : cases) ExpectRoundTrip(c);
}

template <class M>
Any Pack(const M& m) {
  Any any;
  any.PackFrom(m);
  return any;
}

// --- Samples, one group per overlay file or shadowed package file. ---

dm::DynamicModuleConfig SampleModuleConfig() {
  dm::DynamicModuleConfig config;
  config.set_name("example");
  config.set_do_not_close(true);
  config.set_load_globally(true);
  config.set_metrics_namespace("custom");
  config.mutable_module()->mutable_local()->set_filename("/lib/libexample.so");
  config.set_nack_on_cache_miss(true);
  return config;
}

std::vector<Case> DynamicModuleCases() {
  google::protobuf::StringValue opaque;
  opaque.set_value("{\"k\":1}");

  dm_http::DynamicModuleFilter filter;
  *filter.mutable_dynamic_module_config() = SampleModuleConfig();
  filter.set_filter_name("header_mutation");
  *filter.mutable_filter_config() = Pack(opaque);
  filter.set_terminal_filter(true);

  dm_http::DynamicModuleFilterPerRoute per_route;
  *per_route.mutable_dynamic_module_config() = SampleModuleConfig();
  // The reference outputs still set the deprecated name next to filter_name.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  per_route.set_per_route_config_name("header_mutation");
#pragma GCC diagnostic pop
  per_route.set_filter_name("header_mutation");
  *per_route.mutable_filter_config() = Pack(opaque);

  return {
      Make(SampleModuleConfig(),
           {"name", "doNotClose", "loadGlobally", "metricsNamespace", "module", "nackOnCacheMiss"}),
      Make(filter, {"dynamicModuleConfig", "filterName", "filterConfig", "terminalFilter"}),
      Make(per_route, {"dynamicModuleConfig", "perRouteConfigName", "filterName", "filterConfig"}),
  };
}

std::vector<Case> MatchingCases() {
  envoy::extensions::matching::input_matchers::metadata::v3::Metadata metadata;
  metadata.mutable_value()->mutable_string_match()->set_exact("allowed");
  metadata.set_invert(true);

  envoy::extensions::matching::common_inputs::network::v3::DynamicMetadataInput input;
  input.set_filter("envoy.filters.http.ext_authz");
  input.add_path()->set_key("verdict");
  input.add_path()->set_key("reason");

  return {
      Make(metadata, {"value", "invert"}),
      Make(input, {"filter", "path", "key"}),
      Make(input.path(0), {"key"}),
  };
}

std::vector<Case> DnsClusterCases() {
  envoy::extensions::clusters::dns::v3::DnsCluster cluster;
  cluster.mutable_dns_refresh_rate()->set_seconds(5);
  cluster.mutable_dns_failure_refresh_rate()->mutable_base_interval()->set_seconds(1);
  cluster.mutable_dns_failure_refresh_rate()->mutable_max_interval()->set_seconds(10);
  cluster.set_respect_dns_ttl(true);
  cluster.mutable_dns_jitter()->set_nanos(500000000);
  cluster.mutable_typed_dns_resolver_config()->set_name("envoy.network.dns_resolver.cares");
  cluster.set_dns_lookup_family(envoy::extensions::clusters::common::dns::v3::V4_PREFERRED);
  cluster.set_all_addresses_in_single_endpoint(true);

  return {
      Make(cluster, {"dnsRefreshRate", "dnsFailureRefreshRate", "respectDnsTtl", "dnsJitter", "typedDnsResolverConfig",
                     "dnsLookupFamily", "allAddressesInSingleEndpoint"}),
      Make(cluster.dns_failure_refresh_rate(), {"baseInterval", "maxInterval"}),
  };
}

std::vector<Case> ApiKeyAuthCases() {
  keyauth::Credential credential;
  credential.set_key("key-1");
  credential.set_client("client-1");

  keyauth::KeySource source;
  source.set_header("x-api-key");
  source.set_query("api_key");
  source.set_cookie("api_key");

  keyauth::Forwarding forwarding;
  forwarding.set_header("x-client-id");
  forwarding.set_hide_credentials(true);

  keyauth::ApiKeyAuth auth;
  *auth.add_credentials() = credential;
  *auth.add_key_sources() = source;
  *auth.mutable_forwarding() = forwarding;

  keyauth::ApiKeyAuthPerRoute per_route;
  *per_route.add_credentials() = credential;
  *per_route.add_key_sources() = source;
  per_route.add_allowed_clients("client-1");
  *per_route.mutable_forwarding() = forwarding;

  return {
      Make(auth, {"credentials", "keySources", "forwarding"}),
      Make(per_route, {"credentials", "keySources", "allowedClients", "forwarding"}),
      Make(credential, {"key", "client"}),
      Make(source, {"header", "query", "cookie"}),
      Make(forwarding, {"header", "hideCredentials"}),
  };
}

std::vector<Case> OpenTelemetryCases() {
  otel::KeyValue kv;
  kv.set_key("status");
  kv.mutable_value()->set_string_value("%RESPONSE_CODE%");

  otel::ArrayValue array;
  array.add_values()->set_int_value(7);
  array.add_values()->set_bool_value(true);

  otel::KeyValueList list;
  *list.add_values() = kv;
  otel::KeyValue* nested = list.add_values();
  nested->set_key("nested");
  *nested->mutable_value()->mutable_array_value() = array;

  otel::AnyValue body;
  *body.mutable_kvlist_value() = list;

  envoy::extensions::access_loggers::open_telemetry::v3::OpenTelemetryAccessLogConfig config;
  *config.mutable_body() = body;
  *config.mutable_attributes() = list;
  *config.mutable_resource_attributes()->add_values() = kv;
  config.set_disable_builtin_labels(true);
  config.set_stat_prefix("otel");
  config.add_formatters()->set_name("envoy.formatter.cel");
  config.mutable_http_service()->mutable_http_uri()->set_uri("http://collector:4318/v1/logs");
  config.mutable_grpc_service()->mutable_envoy_grpc()->set_cluster_name("collector");
  config.set_log_name("access");
  config.mutable_buffer_flush_interval()->set_seconds(1);
  config.mutable_buffer_size_bytes()->set_value(16384);
  config.add_filter_state_objects_to_log("state.key");
  config.add_custom_tags()->set_tag("env");

  return {
      Make(config, {"body", "attributes", "resourceAttributes", "disableBuiltinLabels", "statPrefix", "formatters",
                    "httpService", "grpcService", "logName", "bufferFlushInterval", "bufferSizeBytes",
                    "filterStateObjectsToLog", "customTags"}),
      Make(body, {"kvlistValue"}),
      Make(array, {"intValue", "boolValue"}),
      Make(list, {"values", "arrayValue"}),
      Make(kv, {"key", "value", "stringValue"}),
  };
}

aws::AwsCredentialProvider SampleAwsProvider() {
  aws::AwsCredentialProvider provider;
  auto* web = provider.mutable_assume_role_with_web_identity_provider();
  web->mutable_web_identity_token_data_source()->set_filename("/var/run/token");
  web->set_role_arn("arn:aws:iam::1:role/web");
  web->set_role_session_name("web");
  auto* inline_credential = provider.mutable_inline_credential();
  inline_credential->set_access_key_id("AKID");
  inline_credential->set_secret_access_key("secret");
  inline_credential->set_session_token("token");
  auto* file = provider.mutable_credentials_file_provider();
  file->mutable_credentials_data_source()->set_filename("/root/.aws/credentials");
  file->set_profile("default");
  provider.set_custom_credential_provider_chain(true);
  auto* anywhere = provider.mutable_iam_roles_anywhere_credential_provider();
  anywhere->set_role_arn("arn:aws:iam::1:role/anywhere");
  anywhere->mutable_certificate()->set_filename("/certs/cert.pem");
  anywhere->mutable_certificate_chain()->set_filename("/certs/chain.pem");
  anywhere->mutable_private_key()->set_filename("/certs/key.pem");
  anywhere->set_trust_anchor_arn("arn:aws:rolesanywhere::1:trust-anchor/t");
  anywhere->set_profile_arn("arn:aws:rolesanywhere::1:profile/p");
  anywhere->set_role_session_name("anywhere");
  anywhere->mutable_session_duration()->set_seconds(3600);
  provider.mutable_config_credential_provider();
  provider.mutable_container_credential_provider();
  provider.mutable_environment_credential_provider();
  provider.mutable_instance_profile_credential_provider();
  auto* assume = provider.mutable_assume_role_credential_provider();
  assume->set_role_arn("arn:aws:iam::1:role/chained");
  assume->set_role_session_name("chained");
  assume->set_external_id("ext");
  assume->mutable_session_duration()->set_seconds(900);
  // The type is recursive: the AssumeRole call is signed with its own chain.
  assume->mutable_credential_provider()->mutable_environment_credential_provider();
  return provider;
}

std::vector<Case> AwsCases() {
  const aws::AwsCredentialProvider provider = SampleAwsProvider();
  return {
      Make(provider, {"assumeRoleWithWebIdentityProvider", "inlineCredential", "credentialsFileProvider",
                      "customCredentialProviderChain", "iamRolesAnywhereCredentialProvider", "configCredentialProvider",
                      "containerCredentialProvider", "environmentCredentialProvider",
                      "instanceProfileCredentialProvider", "assumeRoleCredentialProvider"}),
      Make(provider.assume_role_with_web_identity_provider(),
           {"webIdentityTokenDataSource", "roleArn", "roleSessionName"}),
      Make(provider.inline_credential(), {"accessKeyId", "secretAccessKey", "sessionToken"}),
      Make(provider.credentials_file_provider(), {"credentialsDataSource", "profile"}),
      Make(provider.iam_roles_anywhere_credential_provider(),
           {"roleArn", "certificate", "certificateChain", "privateKey", "trustAnchorArn", "profileArn",
            "roleSessionName", "sessionDuration"}),
      Make(provider.assume_role_credential_provider(),
           {"roleArn", "roleSessionName", "externalId", "sessionDuration", "credentialProvider"}),
      // Empty markers: nothing on the wire, `{}` in JSON.
      Make(provider.config_credential_provider(), {}),
      Make(provider.container_credential_provider(), {}),
      Make(provider.environment_credential_provider(), {}),
      Make(provider.instance_profile_credential_provider(), {}),
  };
}

// `request.path == "/x"` as the parser would emit it, plus every other node kind.
cel::expr::ParsedExpr SampleParsedExpr() {
  cel::expr::ParsedExpr parsed;
  cel::expr::Expr* root = parsed.mutable_expr();
  root->set_id(3);
  auto* call = root->mutable_call_expr();
  call->set_function("_==_");
  cel::expr::Expr* lhs = call->add_args();
  lhs->set_id(2);
  lhs->mutable_select_expr()->set_field("path");
  lhs->mutable_select_expr()->set_test_only(false);
  cel::expr::Expr* operand = lhs->mutable_select_expr()->mutable_operand();
  operand->set_id(1);
  operand->mutable_ident_expr()->set_name("request");
  cel::expr::Expr* rhs = call->add_args();
  rhs->set_id(4);
  rhs->mutable_const_expr()->set_string_value("/x");
  call->mutable_target()->mutable_const_expr()->set_bool_value(true);

  cel::expr::Expr* list = call->add_args();
  list->mutable_list_expr()->add_elements()->mutable_const_expr()->set_int64_value(-1);
  list->mutable_list_expr()->add_optional_indices(0);

  cel::expr::Expr* map = call->add_args();
  map->mutable_struct_expr()->set_message_name("");
  auto* entry = map->mutable_struct_expr()->add_entries();
  entry->set_id(9);
  entry->mutable_map_key()->mutable_const_expr()->set_uint64_value(1);
  entry->mutable_value()->mutable_const_expr()->set_double_value(0.5);
  entry->set_optional_entry(true);
  auto* field_entry = call->add_args()->mutable_struct_expr()->add_entries();
  field_entry->set_field_key("f");
  field_entry->mutable_value()->mutable_const_expr()->set_bytes_value("\x01");

  auto* loop = call->add_args()->mutable_comprehension_expr();
  loop->set_iter_var("k");
  loop->set_iter_var2("v");
  loop->set_accu_var("__result__");
  loop->mutable_iter_range()->mutable_ident_expr()->set_name("m");
  loop->mutable_accu_init()->mutable_const_expr()->set_null_value(google::protobuf::NULL_VALUE);
  loop->mutable_loop_condition()->mutable_const_expr()->set_bool_value(true);
  loop->mutable_loop_step()->mutable_ident_expr()->set_name("k");
  loop->mutable_result()->mutable_ident_expr()->set_name("__result__");

  cel::expr::SourceInfo* info = parsed.mutable_source_info();
  info->set_syntax_version("cel1");
  info->set_location("<input>");
  info->add_line_offsets(20);
  (*info->mutable_positions())[1] = 0;
  (*info->mutable_positions())[3] = 13;
  (*info->mutable_macro_calls())[9] = *operand;
  auto* extension = info->add_extensions();
  extension->set_id("optional");
  extension->add_affected_components(cel::expr::SourceInfo::Extension::COMPONENT_PARSER);
  extension->mutable_version()->set_major(1);
  extension->mutable_version()->set_minor(2);
  return parsed;
}

std::vector<Case> CelCases() {
  const cel::expr::ParsedExpr parsed = SampleParsedExpr();
  const cel::expr::Expr& call_node = parsed.expr();
  const auto& args = call_node.call_expr().args();

  cel::expr::Type map_type;
  map_type.mutable_map_type()->mutable_key_type()->set_primitive(cel::expr::Type::STRING);
  map_type.mutable_map_type()->mutable_value_type()->set_well_known(cel::expr::Type::ANY);
  cel::expr::Type function_type;
  function_type.mutable_function()->mutable_result_type()->mutable_dyn();
  function_type.mutable_function()->add_arg_types()->set_wrapper(cel::expr::Type::BOOL);
  function_type.mutable_function()->add_arg_types()->set_null(google::protobuf::NULL_VALUE);
  cel::expr::Type list_type;
  list_type.mutable_list_type()->mutable_elem_type()->set_message_type("google.protobuf.Struct");
  cel::expr::Type abstract_type;
  abstract_type.mutable_abstract_type()->set_name("optional_type");
  abstract_type.mutable_abstract_type()->add_parameter_types()->set_type_param("T");
  abstract_type.mutable_abstract_type()->add_parameter_types()->mutable_type()->mutable_error();

  cel::expr::Reference reference;
  reference.set_name("request");
  reference.add_overload_id("equals_string");
  reference.mutable_value()->set_int64_value(1);

  cel::expr::CheckedExpr checked;
  (*checked.mutable_reference_map())[1] = reference;
  (*checked.mutable_type_map())[3] = map_type;
  (*checked.mutable_type_map())[4] = function_type;
  (*checked.mutable_type_map())[5] = list_type;
  (*checked.mutable_type_map())[6] = abstract_type;
  *checked.mutable_expr() = parsed.expr();
  *checked.mutable_source_info() = parsed.source_info();
  checked.set_expr_version("1");

  xds::type::v3::CelExpression expression;
  *expression.mutable_cel_expr_parsed() = parsed;
  *expression.mutable_cel_expr_checked() = checked;
  expression.set_cel_expr_string("request.path == \"/x\"");

  xds::type::matcher::v3::CelMatcher matcher;
  *matcher.mutable_expr_match() = expression;
  matcher.set_description("request.path == \"/x\"");

  return {
      Make(parsed, {"expr", "sourceInfo"}),
      Make(call_node, {"id", "callExpr"}),
      Make(call_node.call_expr(), {"target", "function", "args"}),
      Make(args[0].select_expr(), {"operand", "field"}),
      Make(args[0].select_expr().operand().ident_expr(), {"name"}),
      Make(args[1].const_expr(), {"stringValue"}),
      Make(args[2].list_expr(), {"elements", "optionalIndices"}),
      Make(args[3].struct_expr(), {"entries"}),
      Make(args[3].struct_expr().entries(0), {"id", "mapKey", "value", "optionalEntry"}),
      Make(args[4].struct_expr().entries(0), {"fieldKey", "value"}),
      Make(args[5].comprehension_expr(),
           {"iterVar", "iterRange", "accuVar", "accuInit", "loopCondition", "loopStep", "result", "iterVar2"}),
      Make(parsed.source_info(), {"syntaxVersion", "location", "lineOffsets", "positions", "macroCalls", "extensions"}),
      Make(parsed.source_info().extensions(0), {"id", "affectedComponents", "version"}),
      Make(parsed.source_info().extensions(0).version(), {"major", "minor"}),
      Make(checked, {"referenceMap", "typeMap", "expr", "sourceInfo", "exprVersion"}),
      Make(map_type, {"mapType", "keyType", "valueType", "primitive", "wellKnown"}),
      Make(map_type.map_type(), {"keyType", "valueType"}),
      Make(function_type.function(), {"resultType", "argTypes", "wrapper", "null", "dyn"}),
      Make(list_type.list_type(), {"elemType", "messageType"}),
      Make(abstract_type.abstract_type(), {"name", "parameterTypes", "typeParam", "type"}),
      Make(reference, {"name", "overloadId", "value"}),
      Make(expression, {"celExprParsed", "celExprChecked", "celExprString"}),
      Make(matcher, {"exprMatch", "description"}),
      Make(xds::type::matcher::v3::HttpAttributesCelMatchInput(), {}),
  };
}

std::vector<Case> OAuth2Cases() {
  oauth2::CookieConfig cookie;
  cookie.set_same_site(oauth2::CookieConfig::LAX);
  cookie.set_path("/app");
  cookie.set_partitioned(true);

  oauth2::CookieConfigs cookies;
  *cookies.mutable_bearer_token_cookie_config() = cookie;
  *cookies.mutable_oauth_hmac_cookie_config() = cookie;
  *cookies.mutable_oauth_expires_cookie_config() = cookie;
  *cookies.mutable_id_token_cookie_config() = cookie;
  *cookies.mutable_refresh_token_cookie_config() = cookie;
  *cookies.mutable_oauth_nonce_cookie_config() = cookie;
  *cookies.mutable_code_verifier_cookie_config() = cookie;

  oauth2::OAuth2Config config;
  config.set_authorization_endpoint("https://idp/authorize");
  config.mutable_credentials()->set_client_id("client");
  config.mutable_credentials()->set_cookie_domain("example.com");
  auto* names = config.mutable_credentials()->mutable_cookie_names();
  names->set_bearer_token("BearerToken");
  names->set_oauth_nonce("Nonce");
  names->set_code_verifier("CodeVerifier");
  config.set_disable_access_token_set_cookie(true);
  config.set_disable_refresh_token_set_cookie(true);
  *config.mutable_cookie_configs() = cookies;
  config.set_end_session_endpoint("https://idp/logout");

  return {
      Make(cookie, {"sameSite", "path", "partitioned"}),
      Make(cookies,
           {"bearerTokenCookieConfig", "oauthHmacCookieConfig", "oauthExpiresCookieConfig", "idTokenCookieConfig",
            "refreshTokenCookieConfig", "oauthNonceCookieConfig", "codeVerifierCookieConfig"}),
      Make(config, {"disableAccessTokenSetCookie", "disableRefreshTokenSetCookie", "cookieConfigs",
                    "endSessionEndpoint", "cookieDomain", "oauthNonce", "codeVerifier"}),
  };
}

std::vector<Case> XffCases() {
  xff::XffTrustedCidrs cidrs;
  auto* range = cidrs.add_cidrs();
  range->set_address_prefix("10.0.0.0");
  range->mutable_prefix_len()->set_value(8);

  xff::XffConfig config;
  *config.mutable_xff_trusted_cidrs() = cidrs;
  config.mutable_skip_xff_append()->set_value(false);

  return {
      Make(cidrs, {"cidrs", "addressPrefix", "prefixLen"}),
      Make(config, {"xffTrustedCidrs", "skipXffAppend"}),
  };
}

std::vector<Case> LoadBalancingCases() {
  lb::LocalityLbConfig locality;
  auto* zone_aware = locality.mutable_zone_aware_lb_config();
  zone_aware->mutable_force_local_zone()->mutable_min_size()->set_value(2);

  lb::ConsistentHashingLbConfig hashing;
  hashing.add_hash_policy()->mutable_header()->set_header_name("x-user");
  hashing.add_hash_policy()->mutable_connection_properties()->set_source_ip(true);

  return {
      Make(locality, {"zoneAwareLbConfig", "forceLocalZone", "minSize"}),
      Make(zone_aware->force_local_zone(), {"minSize"}),
      Make(hashing, {"hashPolicy", "headerName", "connectionProperties"}),
  };
}

std::vector<Case> OtherNewFieldCases() {
  envoy::config::listener::v3::Listener listener;
  listener.set_name("http");
  auto* keepalive = listener.mutable_tcp_keepalive();
  keepalive->mutable_keepalive_probes()->set_value(3);
  keepalive->mutable_keepalive_time()->set_value(60);
  keepalive->mutable_keepalive_interval()->set_value(10);

  envoy::config::route::v3::DirectResponseAction direct;
  direct.set_status(200);
  direct.mutable_body()->set_inline_string("ok");
  direct.mutable_body_format()->mutable_text_format_source()->set_inline_string("%LOCAL_REPLY_BODY%\n");

  envoy::extensions::filters::http::aws_request_signing::v3::AwsRequestSigning signing;
  signing.set_service_name("lambda");
  signing.set_region("us-east-1");
  *signing.mutable_credential_provider() = SampleAwsProvider();

  envoy::extensions::filters::http::ext_proc::v3::ExternalProcessor ext_proc;
  ext_proc.mutable_grpc_service()->mutable_envoy_grpc()->set_cluster_name("processor");
  ext_proc.set_allow_mode_override(true);
  ext_proc.add_allowed_override_modes()->set_request_body_mode(
      envoy::extensions::filters::http::ext_proc::v3::ProcessingMode::BUFFERED);

  envoy::extensions::filters::http::ext_authz::v3::HttpService authz;
  authz.mutable_server_uri()->set_uri("http://authz:9000");
  authz.mutable_retry_policy()->mutable_num_retries()->set_value(2);
  authz.mutable_retry_policy()->set_retry_on("5xx");

  return {
      Make(listener, {"tcpKeepalive", "keepaliveProbes", "keepaliveTime", "keepaliveInterval"}),
      Make(direct, {"bodyFormat", "textFormatSource"}),
      Make(signing, {"credentialProvider"}),
      Make(ext_proc, {"allowedOverrideModes", "requestBodyMode"}),
      Make(authz, {"retryPolicy", "numRetries", "retryOn"}),
  };
}

std::vector<Case> AllCases() {
  std::vector<Case> all;
  for (auto group : {DynamicModuleCases, MatchingCases, DnsClusterCases, ApiKeyAuthCases, OpenTelemetryCases, AwsCases,
                     CelCases, OAuth2Cases, XffCases, LoadBalancingCases, OtherNewFieldCases}) {
    for (auto& c : group()) all.push_back(std::move(c));
  }
  return all;
}

// --- Round trips. ---

TEST(OverlayRoundTrip, DynamicModules) { ExpectRoundTrips(DynamicModuleCases()); }
TEST(OverlayRoundTrip, Matching) { ExpectRoundTrips(MatchingCases()); }
TEST(OverlayRoundTrip, DnsCluster) { ExpectRoundTrips(DnsClusterCases()); }
TEST(OverlayRoundTrip, ApiKeyAuth) { ExpectRoundTrips(ApiKeyAuthCases()); }
TEST(OverlayRoundTrip, OpenTelemetryAccessLog) { ExpectRoundTrips(OpenTelemetryCases()); }
TEST(OverlayRoundTrip, AwsCredentialProvider) { ExpectRoundTrips(AwsCases()); }
TEST(OverlayRoundTrip, CelAndXdsMatchers) { ExpectRoundTrips(CelCases()); }
TEST(OverlayRoundTrip, OAuth2) { ExpectRoundTrips(OAuth2Cases()); }
TEST(OverlayRoundTrip, Xff) { ExpectRoundTrips(XffCases()); }
TEST(OverlayRoundTrip, LoadBalancing) { ExpectRoundTrips(LoadBalancingCases()); }
TEST(OverlayRoundTrip, OtherNewFields) { ExpectRoundTrips(OtherNewFieldCases()); }

// --- Coverage of the samples and wire facts. ---

// Records the message and enum types, and "Message.field" names, that `m` sets,
// looking inside Any payloads too.
void Collect(const Message& m, std::set<std::string>* types, std::set<std::string>* fields) {
  const auto* descriptor = m.GetDescriptor();
  types->insert(descriptor->full_name());
  if (descriptor->full_name() == "google.protobuf.Any") {
    const auto& any = static_cast<const Any&>(m);
    const auto* inner = google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
        any.type_url().substr(any.type_url().rfind('/') + 1));
    ASSERT_NE(inner, nullptr) << any.type_url();
    std::unique_ptr<Message> payload(google::protobuf::MessageFactory::generated_factory()->GetPrototype(inner)->New());
    ASSERT_TRUE(any.UnpackTo(payload.get()));
    Collect(*payload, types, fields);
    return;
  }
  const auto* reflection = m.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> set;
  reflection->ListFields(m, &set);
  for (const auto* f : set) {
    fields->insert(descriptor->full_name() + "." + f->name());
    if (f->enum_type() != nullptr) types->insert(f->enum_type()->full_name());
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!f->is_repeated()) {
      Collect(reflection->GetMessage(m, f), types, fields);
      continue;
    }
    for (int i = 0; i < reflection->FieldSize(m, f); ++i) {
      Collect(reflection->GetRepeatedMessage(m, f, i), types, fields);
    }
  }
}

// The 14 overlay files: every message and enum they define is new.
const char* const kOverlayFiles[] = {
    "envoy/extensions/dynamic_modules/v3/dynamic_modules.proto",
    "envoy/extensions/filters/http/dynamic_modules/v3/dynamic_modules.proto",
    "envoy/extensions/matching/input_matchers/metadata/v3/metadata.proto",
    "envoy/extensions/clusters/common/dns/v3/dns.proto",
    "envoy/extensions/clusters/dns/v3/dns_cluster.proto",
    "envoy/extensions/filters/http/api_key_auth/v3/api_key_auth.proto",
    "opentelemetry/proto/common/v1/common.proto",
    "envoy/extensions/access_loggers/open_telemetry/v3/logs_service.proto",
    "envoy/extensions/common/aws/v3/credential_provider.proto",
    "cel/expr/syntax.proto",
    "cel/expr/checked.proto",
    "xds/type/v3/cel.proto",
    "xds/type/matcher/v3/cel.proto",
    "xds/type/matcher/v3/http_inputs.proto",
};

// New types inside shadowed package files.
const char* const kTypesInShadowedFiles[] = {
    "envoy.extensions.matching.common_inputs.network.v3.DynamicMetadataInput",
    "envoy.extensions.matching.common_inputs.network.v3.DynamicMetadataInput.PathSegment",
    "envoy.extensions.filters.http.oauth2.v3.CookieConfig",
    "envoy.extensions.filters.http.oauth2.v3.CookieConfig.SameSite",
    "envoy.extensions.filters.http.oauth2.v3.CookieConfigs",
    "envoy.extensions.http.original_ip_detection.xff.v3.XffTrustedCidrs",
    "envoy.extensions.load_balancing_policies.common.v3.LocalityLbConfig.ZoneAwareLbConfig."
    "ForceLocalZone",
};

struct NewField {
  const char* message;
  const char* field;
  int number;
  const char* json_name;
};

// The 16 fields added to existing messages, with their upstream numbers.
const NewField kNewFields[] = {
    {"envoy.config.listener.v3.Listener", "tcp_keepalive", 37, "tcpKeepalive"},
    {"envoy.config.route.v3.DirectResponseAction", "body_format", 3, "bodyFormat"},
    {"envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning", "credential_provider", 8,
     "credentialProvider"},
    {"envoy.extensions.filters.http.ext_authz.v3.HttpService", "retry_policy", 9, "retryPolicy"},
    {"envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor", "allowed_override_modes", 22,
     "allowedOverrideModes"},
    {"envoy.extensions.filters.http.oauth2.v3.OAuth2Config", "disable_access_token_set_cookie", 19,
     "disableAccessTokenSetCookie"},
    {"envoy.extensions.filters.http.oauth2.v3.OAuth2Config", "disable_refresh_token_set_cookie", 20,
     "disableRefreshTokenSetCookie"},
    {"envoy.extensions.filters.http.oauth2.v3.OAuth2Config", "cookie_configs", 21, "cookieConfigs"},
    {"envoy.extensions.filters.http.oauth2.v3.OAuth2Config", "end_session_endpoint", 23, "endSessionEndpoint"},
    {"envoy.extensions.filters.http.oauth2.v3.OAuth2Credentials", "cookie_domain", 5, "cookieDomain"},
    {"envoy.extensions.filters.http.oauth2.v3.OAuth2Credentials.CookieNames", "oauth_nonce", 6, "oauthNonce"},
    {"envoy.extensions.filters.http.oauth2.v3.OAuth2Credentials.CookieNames", "code_verifier", 7, "codeVerifier"},
    {"envoy.extensions.http.original_ip_detection.xff.v3.XffConfig", "xff_trusted_cidrs", 2, "xffTrustedCidrs"},
    {"envoy.extensions.http.original_ip_detection.xff.v3.XffConfig", "skip_xff_append", 3, "skipXffAppend"},
    {"envoy.extensions.load_balancing_policies.common.v3.ConsistentHashingLbConfig", "hash_policy", 3, "hashPolicy"},
    {"envoy.extensions.load_balancing_policies.common.v3.LocalityLbConfig.ZoneAwareLbConfig", "force_local_zone", 5,
     "forceLocalZone"},
};

void AddTypes(const google::protobuf::Descriptor* d, std::set<std::string>* out) {
  if (d->options().map_entry()) return;
  out->insert(d->full_name());
  for (int i = 0; i < d->nested_type_count(); ++i) AddTypes(d->nested_type(i), out);
  for (int i = 0; i < d->enum_type_count(); ++i) out->insert(d->enum_type(i)->full_name());
}

TEST(OverlayCoverage, SamplesSetEveryNewTypeAndField) {
  std::set<std::string> expected(std::begin(kTypesInShadowedFiles), std::end(kTypesInShadowedFiles));
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* name : kOverlayFiles) {
    const auto* file = pool->FindFileByName(name);
    ASSERT_NE(file, nullptr) << name;
    for (int i = 0; i < file->message_type_count(); ++i) AddTypes(file->message_type(i), &expected);
    for (int i = 0; i < file->enum_type_count(); ++i) expected.insert(file->enum_type(i)->full_name());
  }
  EXPECT_EQ(expected.size(), 60u);  // 55 messages and 5 enums

  std::set<std::string> types, fields;
  for (const auto& c : AllCases()) Collect(*c.msg, &types, &fields);
  for (const auto& name : expected) EXPECT_TRUE(types.count(name)) << "no sample sets " << name;
  for (const auto& f : kNewFields) {
    EXPECT_TRUE(fields.count(std::string(f.message) + "." + f.field))
        << "no sample sets " << f.message << "." << f.field;
  }
}

TEST(OverlayCoverage, NewFieldsHaveUpstreamNumbersAndJsonNames) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const auto& f : kNewFields) {
    SCOPED_TRACE(std::string(f.message) + "." + f.field);
    const auto* message = pool->FindMessageTypeByName(f.message);
    ASSERT_NE(message, nullptr);
    const auto* field = message->FindFieldByName(f.field);
    ASSERT_NE(field, nullptr);
    EXPECT_EQ(field->number(), f.number);
    EXPECT_EQ(field->json_name(), f.json_name);
  }
}

// Hand-encoded bytes pin numbers and types to what Envoy sends on the wire.
TEST(OverlayWire, KnownEncodings) {
  envoy::extensions::clusters::dns::v3::DnsCluster dns;
  dns.set_dns_lookup_family(envoy::extensions::clusters::common::dns::v3::V4_PREFERRED);
  EXPECT_EQ(dns.SerializeAsString(), std::string("\x40\x04", 2));  // field 8, value 4

  envoy::config::listener::v3::Listener listener;
  listener.mutable_tcp_keepalive();
  EXPECT_EQ(listener.SerializeAsString(), std::string("\xaa\x02\x00", 3));  // field 37, empty

  xff::XffConfig config;
  config.mutable_skip_xff_append();  // present but false: unset would mean true
  EXPECT_EQ(config.SerializeAsString(), std::string("\x1a\x00", 2));
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(config, &json).ok());
  EXPECT_EQ(json, R"({"skipXffAppend":false})");
}

// --- New types carried in Any inside real xDS resources. ---

template <class M>
void ExpectJsonRoundTrip(const M& in, const std::vector<std::string>& fragments) {
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(in, &json).ok());
  for (const auto& fragment : fragments) {
    EXPECT_NE(json.find(fragment), std::string::npos) << fragment << " not in " << json;
  }
  M out;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &out).ok()) << json;
  EXPECT_TRUE(MessageDifferencer::Equals(in, out)) << json;
}

TEST(OverlayAny, ListenerWithDynamicModuleHttpFilter) {
  namespace hcm = envoy::extensions::filters::network::http_connection_manager::v3;
  dm_http::DynamicModuleFilter module_filter;
  *module_filter.mutable_dynamic_module_config() = SampleModuleConfig();
  module_filter.set_filter_name("header_mutation");

  hcm::HttpConnectionManager manager;
  manager.set_stat_prefix("http");
  auto* filter = manager.add_http_filters();
  filter->set_name("dynamic_modules/header_mutation");
  *filter->mutable_typed_config() = Pack(module_filter);

  envoy::config::listener::v3::Listener listener;
  listener.set_name("http");
  auto* network_filter = listener.add_filter_chains()->add_filters();
  network_filter->set_name("envoy.filters.network.http_connection_manager");
  *network_filter->mutable_typed_config() = Pack(manager);
  listener.mutable_tcp_keepalive()->mutable_keepalive_time()->set_value(30);

  ExpectJsonRoundTrip(
      listener,
      {
          R"("@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager")",
          R"("@type":"type.googleapis.com/envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilter")",
          R"("filterName":"header_mutation")",
          R"("tcpKeepalive":{"keepaliveTime":30})",
      });
}

TEST(OverlayAny, RouteConfigurationWithPerRouteModuleConfig) {
  dm_http::DynamicModuleFilterPerRoute per_route;
  per_route.set_filter_name("header_mutation");

  envoy::config::route::v3::RouteConfiguration config;
  config.set_name("routes");
  auto* host = config.add_virtual_hosts();
  host->set_name("all");
  host->add_domains("*");
  auto* route = host->add_routes();
  route->mutable_match()->set_prefix("/");
  route->mutable_direct_response()->set_status(200);
  route->mutable_direct_response()->mutable_body_format()->mutable_text_format_source()->set_inline_string(
      "%LOCAL_REPLY_BODY%");
  (*route->mutable_typed_per_filter_config())["dynamic_modules/header_mutation"] = Pack(per_route);

  ExpectJsonRoundTrip(
      config,
      {
          R"("@type":"type.googleapis.com/envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilterPerRoute")",
          R"("bodyFormat":{"textFormatSource":{"inlineString":"%LOCAL_REPLY_BODY%"}})",
      });
}

TEST(OverlayAny, ClusterWithDnsClusterType) {
  envoy::extensions::clusters::dns::v3::DnsCluster dns;
  dns.set_dns_lookup_family(envoy::extensions::clusters::common::dns::v3::V4_PREFERRED);

  envoy::config::cluster::v3::Cluster cluster;
  cluster.set_name("backend");
  cluster.mutable_cluster_type()->set_name("envoy.clusters.dns");
  *cluster.mutable_cluster_type()->mutable_typed_config() = Pack(dns);

  ExpectJsonRoundTrip(cluster, {
                                   R"("@type":"type.googleapis.com/envoy.extensions.clusters.dns.v3.DnsCluster")",
                                   R"("dnsLookupFamily":"V4_PREFERRED")",
                               });
}

}  // namespace
