#include "auth_feature.h"

#include "envoy/extensions/filters/http/dynamic_modules/v3/dynamic_modules.pb.h"
#include "google/protobuf/wrappers.pb.h"

namespace kgw::filters {
namespace {

using DynamicModuleFilter = envoy::extensions::filters::http::dynamic_modules::v3::DynamicModuleFilter;
using DynamicModuleFilterPerRoute = envoy::extensions::filters::http::dynamic_modules::v3::DynamicModuleFilterPerRoute;

// kgateway's transformation dynamic module.
constexpr const char* kRustModule = "rust_module";
constexpr const char* kRustformation = "rustformation";
constexpr const char* kAuthSucceeded =
    R"({"request":{"body":{"parseAs":"None"},"dynamicMetadata":[{"namespace":"dev.kgateway.auth_policy",)"
    R"("key":"auth_succeeded","value":{"stringValue":"true"}}]},"response":{"body":{"parseAs":"None"}}})";

google::protobuf::Any string_value(const std::string& text) {
  google::protobuf::StringValue value;
  value.set_value(text);
  google::protobuf::Any any;
  any.PackFrom(value);
  return any;
}

}  // namespace

sdk::StagedHttpFilter auth_marker_filter(const std::string& name) {
  DynamicModuleFilter module;
  module.mutable_dynamic_module_config()->set_name(kRustModule);
  module.set_filter_name(kRustformation);
  *module.mutable_filter_config() = string_value("{}");
  sdk::StagedHttpFilter f;
  f.stage.stage = sdk::WellKnownStage::AuthN;
  f.stage.relative = sdk::FilterStage::Relative::After;
  f.filter.set_name(name);
  f.filter.set_disabled(true);
  f.filter.mutable_typed_config()->PackFrom(module);
  return f;
}

std::pair<std::string, google::protobuf::Any> auth_marker_config(const std::string& name, bool enabled) {
  DynamicModuleFilterPerRoute per_route;
  per_route.mutable_dynamic_module_config()->set_name(kRustModule);
  per_route.set_filter_name(kRustformation);
  // kgateway still sets this deprecated field.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  per_route.set_per_route_config_name(kRustformation);
#pragma GCC diagnostic pop
  *per_route.mutable_filter_config() = string_value(enabled ? kAuthSucceeded : "{}");
  std::pair<std::string, google::protobuf::Any> out{name, {}};
  out.second.PackFrom(per_route);
  return out;
}

}  // namespace kgw::filters
