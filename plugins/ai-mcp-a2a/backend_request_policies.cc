// Backend policies that act on requests with CEL or a remote service: header and body
// transformations, external authorization and MCP guardrail processors.
#include <array>

#include "backend_policy_features.h"

namespace kgw::agw_backend {
namespace {

using Traffic = agw_api::TrafficPolicySpec;

void transform(const Node& node, const std::string& which, Traffic::TransformationPolicy::Transform& out) {
  auto headers = [&which](const Node& list, google::protobuf::RepeatedPtrField<Traffic::HeaderTransformation>& to) {
    for (const Node& h : list.items()) {
      auto* t = to.Add();
      t->set_name(h["name"].string_or(""));
      if (auto value = h["value"].string()) {
        t->set_expression(*value);
        check_cel(h["value"], *value, "transformation " + which + " header \"" + t->name() + "\"");
      }
      if (t->name().empty()) h["name"].invalid("required");
    }
  };
  headers(node["set"], *out.mutable_set());
  headers(node["add"], *out.mutable_add());
  for (auto& name : node["remove"].strings()) out.add_remove(name);
  if (auto body = node["body"].string()) {
    out.mutable_body()->set_expression(*body);
    check_cel(node["body"], *body, "transformation " + which + " body");
  }
  for (const auto& [key, value] : node["metadata"].entries())
    if (auto v = value.string()) (*out.mutable_metadata())[key] = *v;
}

// A TTL that is a plain duration ("5m") becomes the CEL expression agentgateway evaluates.
std::string cache_ttl(const Node& node) {
  const std::string ttl = node.string_or("");
  bool plain = !ttl.empty();
  for (char c : ttl)
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'h' || c == 'm' || c == 's' || c == 'u' || c == 'n'))
      plain = false;
  return plain ? "duration(\"" + ttl + "\")" : ttl;
}

}  // namespace

void translate_transformation(const Node& node, Traffic::TransformationPolicy& out) {
  if (const Node r = node["request"]) transform(r, "request", *out.mutable_request());
  if (const Node r = node["response"]) transform(r, "response", *out.mutable_response());
}

void translate_ext_authz(const Translation& t, const Node& node, Traffic::ExternalAuth& out) {
  if (auto ref = endpoint_target(t, node, "failed to build extAuth", *out.mutable_inline_policies()))
    *out.mutable_target() = *ref;
  const Node grpc = node["grpc"], http = node["http"];
  if (bool(grpc) && bool(http)) node.invalid("grpc and http are mutually exclusive");
  if (grpc) {
    auto* g = out.mutable_grpc();
    for (const auto& [k, v] : grpc["contextExtensions"].entries())
      if (auto s = v.string()) (*g->mutable_context())[k] = *s;
    for (const auto& [k, v] : grpc["requestMetadata"].entries())
      if (auto s = v.string()) (*g->mutable_metadata())[k] = *s;
  } else if (http) {
    auto* h = out.mutable_http();
    if (auto p = http["path"].string()) {
      h->set_path(*p);
      check_cel(http["path"], *p, "extAuth http path");
    }
    if (auto r = http["redirect"].string()) {
      h->set_redirect(*r);
      check_cel(http["redirect"], *r, "extAuth http redirect");
    }
    if (auto b = http["body"].string()) h->set_body(*b);
    for (auto& name : http["allowedResponseHeaders"].strings()) h->add_include_response_headers(name);
    for (auto& name : http["allowedRequestHeaders"].strings()) out.add_include_request_headers(name);
    for (const auto& [k, v] : http["addRequestHeaders"].entries())
      if (auto s = v.string()) (*h->mutable_add_request_headers())[k] = *s;
    for (const auto& [k, v] : http["responseMetadata"].entries())
      if (auto s = v.string()) (*h->mutable_metadata())[k] = *s;
  } else {
    node.invalid("one of grpc or http is required");
  }
  if (auto mode = node["failureMode"].string()) {
    if (*mode == "FailOpen")
      out.set_failure_mode(Traffic::ExternalAuth::ALLOW);
    else if (*mode != "FailClosed")
      node["failureMode"].invalid("unknown mode \"" + *mode + "\" (FailClosed or FailOpen)");
  }
  if (const Node body = node["forwardBody"]) {
    auto* b = out.mutable_include_request_body();
    b->set_allow_partial_message(true);
    // A byte count or a Kubernetes quantity ("16Ki").
    if (auto size = body["maxSize"].quantity_in(1, UINT32_MAX)) b->set_max_request_bytes(static_cast<uint32_t>(*size));
  }
  if (const Node cache = node["cache"]) {
    auto* c = out.mutable_cache();
    for (auto& key : cache["key"].strings()) c->add_key(key);
    if (cache["ttl"]) c->set_ttl(cache_ttl(cache["ttl"]));
    if (auto n = cache["maxEntries"].integer_in(0, UINT32_MAX)) c->set_max_entries(static_cast<uint32_t>(*n));
  }
}

void translate_mcp_guardrails(const Translation& t, const Node& node, agw_api::BackendPolicySpec::McpGuardrails& out) {
  using Guardrails = agw_api::BackendPolicySpec::McpGuardrails;
  for (const Node& p : node["processors"].items()) {
    auto* processor = out.add_processors();
    if (const Node r = p["remote"]) {
      auto* rem = processor->mutable_remote();
      if (auto ref = endpoint_target(t, r, "failed to build mcpGuardrails", *rem->mutable_inline_policies()))
        *rem->mutable_target() = *ref;
      for (const auto& [k, v] : r["metadata"].entries())
        if (auto s = v.string()) {
          (*rem->mutable_metadata())[k] = *s;
          check_cel(v, *s, "mcpGuardrails metadata \"" + k + "\"");
        }
      for (auto& h : r["allowedRequestHeaders"].strings()) rem->add_allowed_request_headers(h);
      for (auto& h : r["disallowedRequestHeaders"].strings()) rem->add_disallowed_request_headers(h);
      if (auto mode = r["failureMode"].string()) {
        if (*mode == "FailOpen")
          rem->set_failure_mode(Guardrails::ALLOW);
        else if (*mode != "FailClosed")
          r["failureMode"].invalid("unknown mode \"" + *mode + "\" (FailClosed or FailOpen)");
      }
    } else {
      p["remote"].invalid("required");
    }
    static constexpr std::array<std::pair<std::string_view, Guardrails::Phase>, 4> kPhases = {
        {{"Off", Guardrails::OFF},
         {"Request", Guardrails::REQUEST},
         {"Response", Guardrails::RESPONSE},
         {"Full", Guardrails::FULL}}};
    for (const auto& [method, phase] : p["methods"].entries()) {
      auto name = phase.string();
      if (!name) continue;
      bool known = false;
      for (const auto& [text, value] : kPhases)
        if (*name == text) {
          (*processor->mutable_methods())[method] = value;
          known = true;
        }
      if (!known) phase.invalid("unknown phase \"" + *name + "\" (Off, Request, Response or Full)");
    }
  }
}

}  // namespace kgw::agw_backend
