// `spec.mcp`: static targets (each a Backend of its own, keyed `<ns>/<name>/<target>`, or a
// namespace-local Service) and targets selected from Services by their MCP ports.
#include <set>

#include "backend_kind.h"
#include "backend_policy_features.h"

namespace kgw::agw_backend {
namespace {

using Target = agw_api::MCPTarget;

constexpr const char* kMcpAppProtocol = "agentgateway.dev/mcp";
constexpr const char* kMcpSseAppProtocol = "agentgateway.dev/mcp-sse";
// The path of a Service's streamable HTTP MCP endpoint, when not agentgateway's default.
constexpr const char* kMcpPathAnnotation = "agentgateway.dev/mcp-http-path";

const std::string* string_at(const sdk::Value* v, std::string_view key) {
  const sdk::Value* f = v ? v->find(key) : nullptr;
  return f ? f->as_string() : nullptr;
}

void static_target(const Translation& t, const Node& node, const std::string& name, Target& target,
                   std::vector<agw_api::Backend>& owned) {
  const Node ref = node["backendRef"];
  if (ref && node["host"]) node.invalid("exactly one of host or backendRef must be set");
  if (ref && node["policies"]) node["policies"].invalid("mcp target policies may not be used with backendRef");
  auto port = node["port"].integer_in(1, 65535);
  if (!port && !node["port"]) node["port"].invalid("a port is required");
  if (auto p = node["path"].string()) target.set_path(*p);
  if (auto protocol = node["protocol"].string()) {
    if (*protocol == "SSE")
      target.set_protocol(Target::SSE);
    else if (*protocol == "StreamableHTTP")
      target.set_protocol(Target::STREAMABLE_HTTP);
    else
      node["protocol"].invalid("unknown protocol \"" + *protocol + "\" (SSE or StreamableHTTP)");
  }
  if (ref) {
    // A namespace-local Service by name: the target goes to it, with its own policies.
    auto svc = ref["name"].string();
    if (!svc || svc->empty()) {
      ref["name"].invalid("a Service name is required");
      return;
    }
    auto* b = target.mutable_backend();
    b->mutable_service()->set_namespace_(t.ns());
    b->mutable_service()->set_hostname(*svc + "." + t.ns() + ".svc." + std::string(t.ctx.cluster_domain()));
    if (port) b->set_port(static_cast<uint32_t>(*port));
    return;
  }
  auto host = node["host"].string();
  if (!host || host->empty()) {
    node["host"].invalid("a host is required");
    return;
  }
  agw_api::Backend backend;
  backend.set_key(t.key() + "/" + name);
  backend.mutable_name()->set_name(t.object.ref.name);
  backend.mutable_name()->set_namespace_(t.ns());
  backend.mutable_static_()->set_host(*host);
  if (port) backend.mutable_static_()->set_port(static_cast<int32_t>(*port));
  std::vector<agw_api::BackendPolicySpec> policies;
  translate_policies(t, node["policies"], PolicyOptions{}, policies);
  for (auto& p : policies) *backend.add_inline_policies() = std::move(p);
  target.mutable_backend()->set_backend(backend.key());
  owned.push_back(std::move(backend));
}

// Every MCP port of the selected Services, in namespace and name order, then port order.
void selected_targets(const Translation& t, const Node& node, agw_api::MCPBackend& out) {
  std::vector<std::string> namespaces;
  if (const Node ns = node["namespaces"]) {
    const LabelSelector selector = label_selector(ns);
    for (const sdk::Object* n : t.ctx.list_objects({"", "Namespace"}, "", {}))
      if (selector.matches(n->labels)) namespaces.push_back(n->ref.name);
  } else {
    namespaces.push_back(t.ns());
  }
  const bool by_labels = bool(node["services"]);
  const LabelSelector services = by_labels ? label_selector(node["services"]) : LabelSelector{};
  for (const auto& ns : namespaces)
    for (const sdk::Object* svc : t.ctx.list_objects({"", "Service"}, ns, {})) {
      if (!services.matches(svc->labels)) continue;
      const sdk::Value* spec = svc->spec();
      const sdk::Value* ports = spec ? spec->find("ports") : nullptr;
      if (!ports || !ports->as_list()) continue;
      for (const sdk::Value& port : *ports->as_list()) {
        const std::string* app = string_at(&port, "appProtocol");
        const sdk::Value* number = port.find("port");
        if (!app || !number || !number->as_int()) continue;
        Target::Protocol protocol;
        if (*app == kMcpAppProtocol)
          protocol = Target::STREAMABLE_HTTP;
        else if (*app == kMcpSseAppProtocol)
          protocol = Target::SSE;
        else
          continue;
        auto* target = out.add_targets();
        const std::string* port_name = string_at(&port, "name");
        target->set_name(svc->ref.name + "-" +
                         (port_name && !port_name->empty() ? *port_name : std::to_string(*number->as_int())));
        auto* b = target->mutable_backend();
        b->mutable_service()->set_namespace_(svc->ref.ns);
        b->mutable_service()->set_hostname(svc->ref.name + "." + svc->ref.ns + ".svc." +
                                           std::string(t.ctx.cluster_domain()));
        b->set_port(static_cast<uint32_t>(*number->as_int()));
        target->set_protocol(protocol);
        if (protocol == Target::STREAMABLE_HTTP)
          if (auto it = svc->annotations.find(kMcpPathAnnotation); it != svc->annotations.end())
            target->set_path(it->second);
      }
    }
}

}  // namespace

void translate_mcp(const Translation& t, const Node& mcp, agw_api::MCPBackend& out,
                   std::vector<agw_api::Backend>& owned) {
  if (auto mode = mcp["sessionRouting"].string()) {
    if (*mode == "Stateless")
      out.set_stateful_mode(agw_api::MCPBackend::STATELESS);
    else if (*mode != "Stateful")
      mcp["sessionRouting"].invalid("unknown mode \"" + *mode + "\" (Stateful or Stateless)");
  }
  if (auto mode = mcp["prefixMode"].string()) {
    if (*mode == "Always")
      out.set_prefix_mode(agw_api::MCPBackend::ALWAYS);
    else if (*mode == "Never")
      out.set_prefix_mode(agw_api::MCPBackend::NEVER);
    else if (*mode != "Conditional")
      mcp["prefixMode"].invalid("unknown mode \"" + *mode + "\" (Always, Conditional or Never)");
  }
  if (auto mode = mcp["failureMode"].string()) {
    if (*mode == "FailOpen")
      out.set_failure_mode(agw_api::MCPBackend::FAIL_OPEN);
    else if (*mode != "FailClosed")
      mcp["failureMode"].invalid("unknown mode \"" + *mode + "\" (FailClosed or FailOpen)");
  }
  std::set<std::string> names;
  for (const Node& node : mcp["targets"].items()) {
    auto name = node["name"].string();
    if (!name || name->empty()) {
      node["name"].invalid("a target name is required");
      continue;
    }
    if (!names.insert(*name).second) node["name"].invalid("target name \"" + *name + "\" is used twice");
    const Node st = node["static"], selector = node["selector"];
    if (bool(st) == bool(selector)) {
      node.invalid("exactly one of static or selector must be set");
      continue;
    }
    if (st) {
      Target* target = out.add_targets();
      target->set_name(*name);
      static_target(t, st, *name, *target, owned);
    } else {
      selected_targets(t, selector, out);
    }
  }
}

}  // namespace kgw::agw_backend
