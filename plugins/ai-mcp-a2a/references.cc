#include "references.h"

#include <algorithm>

namespace kgw::agw_backend {
namespace {

std::string qualified(std::string_view ns, std::string_view name) { return std::string(ns) + "/" + std::string(name); }

}  // namespace

std::optional<std::string> secret_value(const Translation& t, const Node& ref, std::string_view default_key,
                                        bool required) {
  auto name = ref["name"].string();
  if (!name || name->empty()) {
    ref["name"].invalid("a Secret name is required");
    return std::nullopt;
  }
  std::string kind = ref["kind"].string_or("");
  if (kind.empty()) kind = "Secret";  // empty selects a Secret, as when absent
  const std::string group = ref["group"].string_or("");
  if (kind != "Secret" || !group.empty()) {
    ref["kind"].invalid("unsupported credential source " + kind + (group.empty() ? "" : "." + group) +
                        " (only Secret)");
    return std::nullopt;
  }
  const std::string key = ref["key"].string_or(std::string(default_key));
  const std::string id = qualified(t.ns(), *name);
  auto report = [&](std::string message) {
    if (required)
      ref.error(std::move(message));
    else
      ref.warning(std::move(message));
  };
  auto secret = t.ctx.host().find_secret(t.object.ref, t.ns(), *name);
  if (!secret) {
    report("secret " + id + " not found");
    return std::nullopt;
  }
  auto it = secret->data.find(key);
  if (it == secret->data.end()) {
    report("secret " + id + " missing " + key + " value");
    return std::nullopt;
  }
  return it->second;
}

std::optional<std::string> ca_bundle(const Translation& t, const Node& ref) {
  auto name = ref["name"].string();
  if (!name || name->empty()) {
    ref["name"].invalid("a name is required");
    return std::nullopt;
  }
  std::string kind = ref["kind"].string_or("");
  if (kind.empty()) kind = "ConfigMap";
  const std::string id = qualified(t.ns(), *name);
  if (kind == "Secret") {
    auto secret = t.ctx.host().find_secret(t.object.ref, t.ns(), *name);
    if (!secret) {
      ref.error("secret " + id + " not found");
      return std::nullopt;
    }
    auto it = secret->data.find("ca.crt");
    if (it == secret->data.end()) {
      ref.error("secret " + id + " missing ca.crt value");
      return std::nullopt;
    }
    return it->second;
  }
  if (kind != "ConfigMap") {
    ref["kind"].invalid("unsupported kind " + kind + " (ConfigMap or Secret)");
    return std::nullopt;
  }
  const sdk::Object* cm = t.ctx.host().find_object(t.object.ref, {"", "ConfigMap", t.ns(), *name});
  if (!cm) {
    ref.error("ConfigMap " + id + " not found");
    return std::nullopt;
  }
  const sdk::Value* data = cm->body.find("data");
  const sdk::Value* pem = data ? data->find("ca.crt") : nullptr;
  if (!pem || !pem->as_string()) {
    ref.error("ConfigMap " + id + " missing ca.crt value");
    return std::nullopt;
  }
  return *pem->as_string();
}

namespace {

constexpr const char* kInferenceGroup = "inference.networking.k8s.io";

std::optional<agw_api::BackendReference> inference_pool_reference(const Translation& t, const Node& ref,
                                                                  const std::string& name) {
  if (ref["namespace"] && ref["namespace"].string_or(t.ns()) != t.ns()) {
    ref["namespace"].invalid("an InferencePool must be in the backend's namespace");
    return std::nullopt;
  }
  const sdk::Object* pool = t.ctx.host().find_object(t.object.ref, {kInferenceGroup, "InferencePool", t.ns(), name});
  if (!pool) {
    ref.error("InferencePool " + qualified(t.ns(), name) + " not found");
    return std::nullopt;
  }
  auto port = ref["port"].integer_in(1, 65535);
  if (!port && !ref["port"]) {
    const sdk::Value* spec = pool->spec();
    const sdk::Value* ports = spec ? spec->find("targetPorts") : nullptr;
    if (ports && ports->as_list() && !ports->as_list()->empty())
      if (const sdk::Value* number = ports->as_list()->front().find("number")) port = number->as_int();
  }
  if (!port) {
    ref["port"].invalid("a port is required: InferencePool " + qualified(t.ns(), name) + " has no target port");
    return std::nullopt;
  }
  agw_api::BackendReference out;
  out.mutable_service()->set_namespace_(t.ns());
  out.mutable_service()->set_hostname(name + "." + t.ns() + ".inference." + std::string(t.ctx.cluster_domain()));
  out.set_port(static_cast<uint32_t>(*port));
  return out;
}

}  // namespace

std::optional<agw_api::BackendReference> backend_reference(const Translation& t, const Node& ref, bool inference_pool,
                                                           std::string_view what) {
  auto name = ref["name"].string();
  if (!name || name->empty()) {
    ref["name"].invalid("a backend name is required");
    return std::nullopt;
  }
  const std::string group = ref["group"].string_or("");
  std::string kind = ref["kind"].string_or("");
  if (kind.empty()) kind = "Service";
  std::string ns = ref["namespace"].string_or("");
  if (ns.empty()) ns = t.ns();
  auto port = ref["port"].integer_in(1, 65535);

  if (inference_pool && group == kInferenceGroup && kind == "InferencePool")
    return inference_pool_reference(t, ref, *name);
  const bool service = group.empty() && kind == "Service";
  const bool agw_backend = group == kGroup && kind == kKind;
  if (!service && !agw_backend) {
    ref["kind"].invalid("unsupported backend " + kind + (group.empty() ? "" : "." + group) +
                        " (Service or AgentgatewayBackend.agentgateway.dev)");
    return std::nullopt;
  }
  std::string why;
  if (t.require_backends && !t.ctx.host().find_object(t.object.ref, {group, kind, ns, *name}, &why)) {
    const std::string reason = why == "missing reference grant"
                                   ? "backendRef " + qualified(ns, *name) + " not accessible to an " +
                                         t.object.ref.kind + " in namespace \"" + t.ns() +
                                         "\" (missing a ReferenceGrant?)"
                                   : "unable to find the " + kind + " " + qualified(ns, *name);
    ref.error(what.empty() ? reason : std::string(what) + ": " + reason);
    return std::nullopt;
  }
  if (!t.require_backends && !t.ctx.host().find_object(t.object.ref, {group, kind, ns, *name}, &why)) {
    // A Service or backend of the same namespace may appear later; across namespaces the
    // ReferenceGrant that allows it can only be checked against an existing object.
    if (why == "missing reference grant") {
      ref.error("backendRef " + qualified(ns, *name) + " not accessible to an " + kKind + " in namespace \"" + t.ns() +
                "\" (missing a ReferenceGrant?)");
      return std::nullopt;
    }
    if (ns != t.ns()) {
      ref.error("backendRef " + qualified(ns, *name) + " not found");
      return std::nullopt;
    }
  }
  agw_api::BackendReference out;
  if (agw_backend) {
    out.set_backend(qualified(ns, *name));
    return out;
  }
  if (!port) {
    if (!ref["port"]) ref["port"].invalid("a port is required for a Service");
    return std::nullopt;
  }
  out.mutable_service()->set_namespace_(ns);
  out.mutable_service()->set_hostname(*name + "." + ns + ".svc." + std::string(t.ctx.cluster_domain()));
  out.set_port(static_cast<uint32_t>(*port));
  return out;
}

namespace {

// An `http://` or `https://` URL split for a BackendReference: host, port (the scheme's by
// default), path (empty when absent) and whether TLS is on.
struct Url {
  std::string host;
  uint32_t port = 0;
  std::string path;
  bool tls = false;
};

std::optional<Url> parse_url(const Node& node) {
  auto text = node.string();
  if (!text) return std::nullopt;
  Url url;
  std::string_view rest(*text);
  if (rest.starts_with("https://")) {
    url.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    node.invalid("expected an http:// or https:// URL");
    return std::nullopt;
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.path = rest.substr(slash);
  url.port = url.tls ? 443 : 80;
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    const std::string_view digits = authority.substr(colon + 1);
    uint32_t port = 0;
    bool ok = !digits.empty() && digits.size() <= 5;
    for (char c : digits) {
      if (c < '0' || c > '9') ok = false;
      port = port * 10 + static_cast<uint32_t>(c - '0');
    }
    if (!ok || port == 0 || port > 65535) {
      node.invalid("invalid port in URL");
      return std::nullopt;
    }
    url.port = port;
    authority = authority.substr(0, colon);
  }
  if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']')
    authority = authority.substr(1, authority.size() - 2);
  if (authority.empty()) {
    node.invalid("the URL has no host");
    return std::nullopt;
  }
  url.host = std::string(authority);
  return url;
}

}  // namespace

std::optional<agw_api::BackendReference> endpoint_target(
    const Translation& t, const Node& endpoint, std::string_view what,
    google::protobuf::RepeatedPtrField<agw_api::BackendPolicySpec>& inline_policies, std::string* url_path) {
  const Node ref = endpoint["backendRef"], url_node = endpoint["url"];
  if (ref && url_node) {
    endpoint.invalid("backendRef and url are mutually exclusive");
    return std::nullopt;
  }
  if (ref) return backend_reference(t, ref, false, what);
  if (!url_node) {
    endpoint.invalid("one of backendRef or url is required");
    return std::nullopt;
  }
  auto url = parse_url(url_node);
  if (!url) return std::nullopt;
  agw_api::BackendReference out;
  out.mutable_inline_()->set_hostname(url->host);
  out.mutable_inline_()->set_port(url->port);
  if (url_path) *url_path = url->path;
  if (url->tls) inline_policies.Add()->mutable_backend_tls()->set_hostname(url->host);
  return out;
}

bool LabelSelector::matches(const std::map<std::string, std::string>& object_labels) const {
  for (const auto& [k, v] : labels) {
    auto it = object_labels.find(k);
    if (it == object_labels.end() || it->second != v) return false;
  }
  for (const auto& r : requirements) {
    auto it = object_labels.find(r.key);
    const bool has = it != object_labels.end();
    const bool listed = has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    if ((r.op == "In" && !listed) || (r.op == "NotIn" && listed) || (r.op == "Exists" && !has) ||
        (r.op == "DoesNotExist" && has))
      return false;
  }
  return true;
}

LabelSelector label_selector(const Node& node) {
  LabelSelector out;
  for (const auto& [key, value] : node["matchLabels"].entries())
    if (auto v = value.string()) out.labels[key] = *v;
  for (const Node& e : node["matchExpressions"].items()) {
    LabelSelector::Requirement r;
    r.key = e["key"].string_or("");
    r.op = e["operator"].string_or("");
    r.values = e["values"].strings();
    if (r.op != "In" && r.op != "NotIn" && r.op != "Exists" && r.op != "DoesNotExist") {
      e["operator"].invalid("unknown operator \"" + r.op + "\" (In, NotIn, Exists or DoesNotExist)");
      continue;
    }
    out.requirements.push_back(std::move(r));
  }
  return out;
}

}  // namespace kgw::agw_backend
