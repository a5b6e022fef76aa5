#include "ext_proc.h"

#include "envoy/extensions/common/matching/v3/extension_matcher.pb.h"
#include "envoy/extensions/filters/http/composite/v3/composite.pb.h"
#include "envoy/extensions/filters/http/ext_proc/v3/ext_proc.pb.h"
#include "envoy/extensions/matching/common_inputs/network/v3/network_inputs.pb.h"
#include "envoy/extensions/matching/input_matchers/metadata/v3/metadata.pb.h"
#include "gateway_extension.h"
#include "value_helpers.h"
#include "xds/type/matcher/v3/matcher.pb.h"

namespace kgw::filters {

namespace {

using envoy::extensions::filters::http::ext_proc::v3::ExternalProcessor;
using envoy::extensions::filters::http::ext_proc::v3::ExtProcPerRoute;
using envoy::extensions::filters::http::ext_proc::v3::ProcessingMode;

constexpr const char* kKind = "ext_proc";

// A processing mode from the CRD's enum names, which are Envoy's.
void parse_processing_mode(const sdk::Value& v, const std::string& path, sdk::Diagnostics& diag, ProcessingMode& out) {
  auto header = [&](const char* key, void (ProcessingMode::*set)(ProcessingMode::HeaderSendMode)) {
    auto s = string_field(&v, key);
    if (!s) return;
    ProcessingMode::HeaderSendMode mode;
    if (!ProcessingMode::HeaderSendMode_Parse(*s, &mode))
      diag.error(path + "." + key, "unknown mode " + *s);
    else
      (out.*set)(mode);
  };
  auto body = [&](const char* key, void (ProcessingMode::*set)(ProcessingMode::BodySendMode)) {
    auto s = string_field(&v, key);
    if (!s) return;
    ProcessingMode::BodySendMode mode;
    if (!ProcessingMode::BodySendMode_Parse(*s, &mode))
      diag.error(path + "." + key, "unknown mode " + *s);
    else
      (out.*set)(mode);
  };
  header("requestHeaderMode", &ProcessingMode::set_request_header_mode);
  header("responseHeaderMode", &ProcessingMode::set_response_header_mode);
  header("requestTrailerMode", &ProcessingMode::set_request_trailer_mode);
  header("responseTrailerMode", &ProcessingMode::set_response_trailer_mode);
  body("requestBodyMode", &ProcessingMode::set_request_body_mode);
  body("responseBodyMode", &ProcessingMode::set_response_body_mode);
}

void add_strings(const sdk::Value* list, google::protobuf::RepeatedPtrField<std::string>& out) {
  if (!list || !list->as_list()) return;
  for (const auto& item : *list->as_list())
    if (const std::string* s = item.as_string()) out.Add(std::string(*s));
}

ExternalProcessor processor(const sdk::Value& ext, const std::string& cluster, sdk::Diagnostics& diag) {
  const std::string path = "spec.extProc.extensionRef";
  ExternalProcessor config;
  *config.mutable_grpc_service() = grpc_service(cluster, *field(&ext, "grpcService"));
  config.set_failure_mode_allow(bool_field(&ext, "failOpen").value_or(true));
  if (const sdk::Value* mode = field(&ext, "processingMode"))
    parse_processing_mode(*mode, path, diag, *config.mutable_processing_mode());
  auto timeout = [&](const char* key, google::protobuf::Duration* (ExternalProcessor::*out)()) {
    auto s = string_field(&ext, key);
    if (!s) return;
    auto ms = parse_duration_ms(*s);
    if (!ms) diag.error(path, std::string(key) + ": invalid duration: " + *s);
    set_duration(ms.value_or(0), *(config.*out)());
  };
  timeout("messageTimeout", &ExternalProcessor::mutable_message_timeout);
  timeout("maxMessageTimeout", &ExternalProcessor::mutable_max_message_timeout);
  if (auto prefix = string_field(&ext, "statPrefix")) config.set_stat_prefix(*prefix);
  if (auto action = string_field(&ext, "routeCacheAction")) {
    if (*action == "Clear") config.set_route_cache_action(ExternalProcessor::CLEAR);
    if (*action == "Retain") config.set_route_cache_action(ExternalProcessor::RETAIN);
  }
  add_strings(field(&ext, "requestAttributes"), *config.mutable_request_attributes());
  config.set_allow_mode_override(bool_field(&ext, "allowProcessingModeOverride").value_or(false));
  if (const sdk::Value* list = field(&ext, "allowedProcessingModeOverrides"); list && list->as_list())
    for (const auto& item : *list->as_list())
      parse_processing_mode(item, path, diag, *config.add_allowed_override_modes());
  if (const sdk::Value* forwarding = field(field(&ext, "metadataOptions"), "forwarding")) {
    auto* ns = config.mutable_metadata_options()->mutable_forwarding_namespaces();
    add_strings(field(forwarding, "typed"), *ns->mutable_typed());
    add_strings(field(forwarding, "untyped"), *ns->mutable_untyped());
  }
  return config;
}

// kgateway runs ext_proc inside a composite filter that skips it when the global disable
// metadata is set: ext_proc itself has no such switch.
envoy::extensions::common::matching::v3::ExtensionWithMatcher with_disable_matcher(const ExternalProcessor& config) {
  envoy::extensions::common::matching::v3::ExtensionWithMatcher out;
  out.mutable_extension_config()->set_name("composite_ext_proc");
  out.mutable_extension_config()->mutable_typed_config()->PackFrom(
      envoy::extensions::filters::http::composite::v3::Composite());
  auto* matcher = out.mutable_xds_matcher()->mutable_matcher_list()->add_matchers();
  auto* single = matcher->mutable_predicate()->mutable_single_predicate();
  envoy::extensions::matching::common_inputs::network::v3::DynamicMetadataInput input;
  input.set_filter(global_disable_namespace(kKind));
  input.add_path()->set_key("disable");
  single->mutable_input()->set_name("disable");
  single->mutable_input()->mutable_typed_config()->PackFrom(input);
  envoy::extensions::matching::input_matchers::metadata::v3::Metadata metadata;
  metadata.mutable_value()->set_bool_match(true);
  metadata.set_invert(true);
  single->mutable_custom_match()->set_name("envoy.matching.matchers.metadata_matcher");
  single->mutable_custom_match()->mutable_typed_config()->PackFrom(metadata);
  envoy::extensions::filters::http::composite::v3::ExecuteFilterAction action;
  action.mutable_typed_config()->set_name("envoy.filters.http.ext_proc");
  action.mutable_typed_config()->mutable_typed_config()->PackFrom(config);
  matcher->mutable_on_match()->mutable_action()->set_name("composite-action");
  matcher->mutable_on_match()->mutable_action()->mutable_typed_config()->PackFrom(action);
  return out;
}

// Where the extension's filter runs: by default right after authorization. A higher kgateway
// weight runs earlier, the opposite of the SDK's.
sdk::FilterStage stage_of(const sdk::Value* v, sdk::Diagnostics& diag) {
  sdk::FilterStage stage{sdk::WellKnownStage::AuthZ, sdk::FilterStage::Relative::After, 0};
  if (!v) return stage;
  static const std::pair<const char*, sdk::WellKnownStage> kStages[] = {{"Fault", sdk::WellKnownStage::Fault},
                                                                        {"AuthN", sdk::WellKnownStage::AuthN},
                                                                        {"AuthZ", sdk::WellKnownStage::AuthZ},
                                                                        {"RateLimit", sdk::WellKnownStage::RateLimit},
                                                                        {"Route", sdk::WellKnownStage::Route}};
  if (auto name = string_field(v, "stage")) {
    bool known = false;
    for (const auto& [crd, s] : kStages)
      if (*name == crd) stage.stage = s, known = true;
    if (!known) diag.error("spec.extProc.extensionRef", "unknown filter stage " + *name);
  }
  const std::string predicate = string_field(v, "predicate").value_or("During");
  stage.relative = predicate == "Before"  ? sdk::FilterStage::Relative::Before
                   : predicate == "After" ? sdk::FilterStage::Relative::After
                                          : sdk::FilterStage::Relative::During;
  stage.weight = -static_cast<int>(int_field(v, "weight").value_or(0));
  return stage;
}

}  // namespace

void parse_ext_proc(const sdk::Object& policy, const sdk::Value& v, const sdk::HostApi& host, sdk::Diagnostics& diag,
                    FilterFeature& feature) {
  if (v.find("disable")) {
    feature.filters.push_back(global_disable_filter(kKind));
    feature.configs.push_back(feature::enable(global_disable_filter_name(kKind)));
    return;
  }
  std::string error;
  const sdk::Object* extension = find_gateway_extension(policy, field(&v, "extensionRef"), "extProc", host, error);
  if (!extension) {
    diag.error("spec.extProc.extensionRef", "extproc: " + error);
    return;
  }
  const sdk::Value& ext = *field(extension->spec(), "extProc");
  const std::string cluster = extension_cluster(*extension, field(&ext, "grpcService"), host, error);
  if (cluster.empty()) {
    diag.error("spec.extProc.extensionRef", "extproc: failed to resolve ExtProc backend: " + error);
    return;
  }
  const std::string name = extension_filter_name(kKind, *extension);
  feature.filters.push_back(global_disable_filter(kKind));
  feature.filters.push_back(feature::disabled(stage_of(field(&ext, "filterStage"), diag), name,
                                              with_disable_matcher(processor(ext, cluster, diag))));
  ExtProcPerRoute per_route;
  auto* overrides = per_route.mutable_overrides();
  if (const sdk::Value* mode = v.find("processingMode"))
    parse_processing_mode(*mode, "spec.extProc.processingMode", diag, *overrides->mutable_processing_mode());
  feature.configs.push_back(feature::config(name, per_route));
}

}  // namespace kgw::filters
