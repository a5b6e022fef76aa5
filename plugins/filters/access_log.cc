#include "access_log.h"

#include "envoy/config/route/v3/route_components.pb.h"
#include "envoy/extensions/access_loggers/file/v3/file.pb.h"
#include "envoy/extensions/formatter/metadata/v3/metadata.pb.h"
#include "envoy/extensions/formatter/req_without_query/v3/req_without_query.pb.h"
#include "google/protobuf/struct.pb.h"
#include "value_helpers.h"

namespace kgw::filters {
namespace {

namespace accesslog = envoy::config::accesslog::v3;

void to_struct_value(const Value& v, google::protobuf::Value& out) {
  if (const std::string* s = v.as_string())
    out.set_string_value(*s);
  else if (auto b = v.as_bool())
    out.set_bool_value(*b);
  else if (auto i = v.as_int())
    out.set_number_value(static_cast<double>(*i));
  else if (auto d = v.as_double())
    out.set_number_value(*d);
  else if (const Value::List* l = v.as_list())
    for (const auto& item : *l) to_struct_value(item, *out.mutable_list_value()->add_values());
  else if (const Value::Map* m = v.as_map())
    for (const auto& [k, item] : *m) to_struct_value(item, (*out.mutable_struct_value()->mutable_fields())[k]);
  else
    out.set_null_value(google::protobuf::NULL_VALUE);
}

void comparison(const Value& v, accesslog::ComparisonFilter& out) {
  const std::string op = string_field(&v, "op").value_or("EQ");
  out.set_op(op == "GE"   ? accesslog::ComparisonFilter::GE
             : op == "LE" ? accesslog::ComparisonFilter::LE
                          : accesslog::ComparisonFilter::EQ);
  out.mutable_value()->set_default_value(static_cast<uint32_t>(int_field(&v, "value").value_or(0)));
}

// One filter of the CRD's FilterType; `nested` allows the and/or lists (only at the top).
void parse_filter(const Value& v, const std::string& path, bool nested, sdk::Diagnostics& diag,
                  accesslog::AccessLogFilter& out) {
  if (const Value* f = v.find("statusCodeFilter")) {
    comparison(*f, *out.mutable_status_code_filter()->mutable_comparison());
  } else if (const Value* f = v.find("durationFilter")) {
    comparison(*f, *out.mutable_duration_filter()->mutable_comparison());
  } else if (bool_field(&v, "notHealthCheckFilter").value_or(false)) {
    out.mutable_not_health_check_filter();
  } else if (bool_field(&v, "traceableFilter").value_or(false)) {
    out.mutable_traceable_filter();
  } else if (const Value* f = v.find("runtimeFilter")) {
    auto* r = out.mutable_runtime_filter();
    r->set_runtime_key(string_field(f, "runtimeKey").value_or(""));
    if (const Value* p = f->find("percentSampled")) {
      auto* percent = r->mutable_percent_sampled();
      percent->set_numerator(static_cast<uint32_t>(int_field(p, "numerator").value_or(0)));
      const std::string d = string_field(p, "denominator").value_or("HUNDRED");
      using Percent = envoy::type::v3::FractionalPercent;
      percent->set_denominator(d == "MILLION"        ? Percent::MILLION
                               : d == "TEN_THOUSAND" ? Percent::TEN_THOUSAND
                                                     : Percent::HUNDRED);
    }
    r->set_use_independent_randomness(bool_field(f, "useIndependentRandomness").value_or(false));
  } else if (const Value* f = v.find("headerFilter")) {
    const Value* h = f->find("header");
    auto* m = out.mutable_header_filter()->mutable_header();
    m->set_name(string_field(h, "name").value_or(""));
    const std::string value = string_field(h, "value").value_or("");
    if (string_field(h, "type").value_or("Exact") == "RegularExpression")
      m->mutable_string_match()->mutable_safe_regex()->set_regex(value);
    else
      m->mutable_string_match()->set_exact(value);
  } else if (const Value* f = v.find("responseFlagFilter")) {
    auto* flags = out.mutable_response_flag_filter();
    if (const Value* list = f->find("flags"); list && list->as_list())
      for (const auto& flag : *list->as_list())
        if (const std::string* s = flag.as_string()) flags->add_flags(*s);
  } else if (const Value* f = v.find("grpcStatusFilter")) {
    auto* g = out.mutable_grpc_status_filter();
    const google::protobuf::EnumDescriptor* statuses = accesslog::GrpcStatusFilter::Status_descriptor();
    if (const Value* list = f->find("statuses"); list && list->as_list())
      for (const auto& s : *list->as_list()) {
        const std::string* name = s.as_string();
        const auto* value = name ? statuses->FindValueByName(*name) : nullptr;
        if (!value)
          diag.error(path + ".grpcStatusFilter.statuses", "unknown gRPC status " + (name ? *name : std::string("?")));
        else
          g->add_statuses(static_cast<accesslog::GrpcStatusFilter::Status>(value->number()));
      }
    g->set_exclude(bool_field(f, "exclude").value_or(false));
  } else if (nested && (v.find("andFilter") || v.find("orFilter"))) {
    const bool is_and = v.find("andFilter") != nullptr;
    const Value* list = v.find(is_and ? "andFilter" : "orFilter");
    auto* filters = is_and ? out.mutable_and_filter()->mutable_filters() : out.mutable_or_filter()->mutable_filters();
    size_t i = 0;
    for (const auto& item : list->as_list() ? *list->as_list() : Value::List{})
      parse_filter(item, path + (is_and ? ".andFilter[" : ".orFilter[") + std::to_string(i++) + "]", false, diag,
                   *filters->Add());
  } else if (v.find("celFilter")) {
    diag.error(path + ".celFilter", "CEL access log filters are not supported yet");
  } else {
    diag.error(path, "no filter set");
  }
}

}  // namespace

std::vector<accesslog::AccessLog> parse_access_logs(const sdk::Value& v, const std::string& path,
                                                    sdk::Diagnostics& diag) {
  std::vector<accesslog::AccessLog> out;
  size_t i = 0;
  for (const auto& item : v.as_list() ? *v.as_list() : Value::List{}) {
    const std::string at = path + "[" + std::to_string(i++) + "]";
    const Value* sink = item.find("fileSink");
    if (!sink) {
      diag.warning(at, "only file sinks are supported yet; access log left out");
      continue;
    }
    envoy::extensions::access_loggers::file::v3::FileAccessLog file;
    file.set_path(string_field(sink, "path").value_or(""));
    auto* format = file.mutable_log_format();
    if (auto text = string_field(sink, "stringFormat"))
      format->mutable_text_format_source()->set_inline_string(*text);
    else if (const Value* json = sink->find("jsonFormat"); json && json->as_map())
      for (const auto& [k, item] : *json->as_map())
        to_struct_value(item, (*format->mutable_json_format()->mutable_fields())[k]);
    // kgateway makes these command operators (%REQ_WITHOUT_QUERY%, %METADATA%) available.
    auto* f = format->add_formatters();
    f->set_name("envoy.formatter.req_without_query");
    f->mutable_typed_config()->PackFrom(envoy::extensions::formatter::req_without_query::v3::ReqWithoutQuery());
    f = format->add_formatters();
    f->set_name("envoy.formatter.metadata");
    f->mutable_typed_config()->PackFrom(envoy::extensions::formatter::metadata::v3::Metadata());
    accesslog::AccessLog log;
    log.set_name("envoy.access_loggers.file");
    log.mutable_typed_config()->PackFrom(file);
    if (const Value* filter = item.find("filter"))
      parse_filter(*filter, at + ".filter", true, diag, *log.mutable_filter());
    out.push_back(std::move(log));
  }
  return out;
}

}  // namespace kgw::filters
