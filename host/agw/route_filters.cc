#include "agw/route_filters.h"

#include "agw/value_access.h"
#include "model/gateway_api.h"

namespace kgw::agw {
namespace {

namespace res = ::agentgateway::dev::resource;

void set_duration(google::protobuf::Duration* d, int64_t ms) {
  d->set_seconds(ms / 1000);
  d->set_nanos(static_cast<int32_t>((ms % 1000) * 1000000));
}

res::HeaderModifier header_modifier(const sdk::Value* filter) {
  res::HeaderModifier out;
  for (const auto& h : items(filter, "add")) {
    res::Header* header = out.add_add();
    header->set_name(str(&h, "name"));
    header->set_value(str(&h, "value"));
  }
  for (const auto& h : items(filter, "set")) {
    res::Header* header = out.add_set();
    header->set_name(str(&h, "name"));
    header->set_value(str(&h, "value"));
  }
  for (const auto& r : items(filter, "remove"))
    if (const std::string* s = r.as_string()) out.add_remove(*s);
  return out;
}

void strings(const sdk::Value* v, const char* key, google::protobuf::RepeatedPtrField<std::string>* out) {
  for (const auto& item : items(v, key))
    if (const std::string* s = item.as_string()) out->Add(std::string(*s));
}

}  // namespace

std::vector<std::string> add_rule_policies(const Inputs& inputs, const sdk::Object& route, const sdk::Value& rule,
                                           res::Route& out) {
  std::vector<std::string> left_out;
  for (const auto& f : items(&rule, "filters")) {
    const std::string type = str(&f, "type");
    res::TrafficPolicySpec policy;
    if (type == "RequestHeaderModifier") {
      *policy.mutable_request_header_modifier() = header_modifier(field(&f, "requestHeaderModifier"));
    } else if (type == "ResponseHeaderModifier") {
      *policy.mutable_response_header_modifier() = header_modifier(field(&f, "responseHeaderModifier"));
    } else if (type == "RequestRedirect") {
      const sdk::Value* r = field(&f, "requestRedirect");
      res::RequestRedirect* redirect = policy.mutable_request_redirect();
      redirect->set_scheme(str(r, "scheme"));
      redirect->set_host(str(r, "hostname"));
      if (auto port = integer(r, "port")) redirect->set_port(static_cast<uint32_t>(*port));
      if (auto code = integer(r, "statusCode")) redirect->set_status(static_cast<uint32_t>(*code));
      if (const sdk::Value* path = field(r, "path")) {
        if (str(path, "type") == "ReplaceFullPath")
          redirect->set_full(str(path, "replaceFullPath"));
        else
          redirect->set_prefix(str(path, "replacePrefixMatch"));
      }
    } else if (type == "URLRewrite") {
      const sdk::Value* r = field(&f, "urlRewrite");
      res::UrlRewrite* rewrite = policy.mutable_url_rewrite();
      rewrite->set_host(str(r, "hostname"));
      if (const sdk::Value* path = field(r, "path")) {
        if (str(path, "type") == "ReplaceFullPath")
          rewrite->set_full(str(path, "replaceFullPath"));
        else
          rewrite->set_prefix(str(path, "replacePrefixMatch"));
      }
    } else if (type == "RequestMirror") {
      const sdk::Value* m = field(&f, "requestMirror");
      const sdk::Value* ref = field(m, "backendRef");
      const std::string group = str(ref, "group"), kind = str(ref, "kind", "Service"), name = str(ref, "name");
      const std::string ns = str(ref, "namespace", route.ref.ns);
      if (!inputs.permitted({route.ref.group, route.ref.kind}, route.ref.ns, {group, kind, ns, name})) {
        left_out.push_back("mirror backendRef " + ns + "/" + name + " not accessible to a " + route.ref.kind +
                           " in namespace \"" + route.ref.ns + "\" (missing a ReferenceGrant?)");
        continue;
      }
      auto* mirror = policy.mutable_request_mirror()->add_mirrors();
      res::BackendReference* b = mirror->mutable_backend();
      if (group == kAgentgatewayGroup && kind == "AgentgatewayBackend") {
        b->set_backend(ns + "/" + name);
      } else {
        b->mutable_service()->set_hostname(inputs.service_hostname(ns, name));
        b->mutable_service()->set_namespace_(ns);
        if (auto port = integer(ref, "port")) b->set_port(static_cast<uint32_t>(*port));
      }
      // `percent`, or `fraction` numerator over denominator (100 by default); all without either.
      double percentage = 100;
      if (auto percent = integer(m, "percent")) {
        percentage = static_cast<double>(*percent);
      } else if (const sdk::Value* fraction = field(m, "fraction")) {
        const double denominator = static_cast<double>(integer(fraction, "denominator").value_or(100));
        if (denominator > 0)
          percentage = 100.0 * static_cast<double>(integer(fraction, "numerator").value_or(0)) / denominator;
      }
      mirror->set_percentage(percentage);
    } else if (type == "CORS") {
      const sdk::Value* c = field(&f, "cors");
      res::CORS* cors = policy.mutable_cors();
      if (const sdk::Value* creds = field(c, "allowCredentials"); creds && creds->as_bool())
        cors->set_allow_credentials(*creds->as_bool());
      strings(c, "allowHeaders", cors->mutable_allow_headers());
      strings(c, "allowMethods", cors->mutable_allow_methods());
      strings(c, "allowOrigins", cors->mutable_allow_origins());
      strings(c, "exposeHeaders", cors->mutable_expose_headers());
      if (auto age = integer(c, "maxAge")) cors->mutable_max_age()->set_seconds(*age);
    } else {
      left_out.push_back("unsupported filter type \"" + type + "\"");
      continue;
    }
    *out.add_traffic_policies() = std::move(policy);
  }
  if (const sdk::Value* timeouts = field(&rule, "timeouts")) {
    res::TrafficPolicySpec policy;
    auto request = model::parse_duration_ms(str(timeouts, "request"));
    auto backend = model::parse_duration_ms(str(timeouts, "backendRequest"));
    // A zero duration means no timeout.
    if (request && *request > 0) set_duration(policy.mutable_timeout()->mutable_request(), *request);
    if (backend && *backend > 0) set_duration(policy.mutable_timeout()->mutable_backend_request(), *backend);
    if (policy.has_timeout()) *out.add_traffic_policies() = std::move(policy);
  }
  if (const sdk::Value* retry = field(&rule, "retry")) {
    res::TrafficPolicySpec policy;
    res::Retry* r = policy.mutable_retry();
    for (const auto& code : items(retry, "codes"))
      if (auto c = code.as_int()) r->add_retry_status_codes(static_cast<int32_t>(*c));
    if (auto attempts = integer(retry, "attempts")) r->set_attempts(static_cast<int32_t>(*attempts));
    if (auto backoff = model::parse_duration_ms(str(retry, "backoff")); backoff && *backoff > 0)
      set_duration(r->mutable_backoff(), *backoff);
    *out.add_traffic_policies() = std::move(policy);
  }
  return left_out;
}

}  // namespace kgw::agw
