#include "backend_kind.h"

#include "backend_policy_features.h"

namespace kgw::agw_backend {
namespace {

constexpr std::string_view kKinds[] = {"ai", "static", "dynamicForwardProxy", "mcp", "aws", "a2a"};

void static_target(const Node& node, agw_api::StaticBackend& out) {
  const Node unix_path = node["unixPath"];
  if (auto path = unix_path.string()) {
    if (node["host"] || node["port"]) unix_path.invalid("unixPath and host/port are mutually exclusive");
    out.set_unix_path(*path);
    return;
  }
  if (auto host = node["host"].string(); host && !host->empty())
    out.set_host(*host);
  else
    node["host"].invalid("a host is required");
  if (auto port = node["port"].integer_in(1, 65535))
    out.set_port(static_cast<int32_t>(*port));
  else if (!node["port"])
    node["port"].invalid("a port is required");
}

void aws_backend(const Node& node, agw_api::AwsBackend& out) {
  const Node core = node["agentCore"];
  if (!core) {
    node.invalid("agentCore is required");
    return;
  }
  auto* ac = out.mutable_agent_core();
  if (auto arn = core["agentRuntimeArn"].string())
    ac->set_agent_runtime_arn(*arn);
  else
    core["agentRuntimeArn"].invalid("required");
  if (auto q = core["qualifier"].string()) ac->set_qualifier(*q);
}

class BackendKind final : public sdk::AgentgatewayBackendKind {
 public:
  sdk::GroupKind group_kind() const noexcept override { return {kGroup, kKind}; }

  void translate(const sdk::AgentgatewayContext& ctx, const sdk::Object& object, std::vector<agw_api::Backend>& out,
                 sdk::Diagnostics& diag) const noexcept override {
    try {
      run(ctx, object, out, diag);
    } catch (const std::exception& e) {
      diag.error("spec", std::string("internal error: ") + e.what());
    }
  }

 private:
  static void run(const sdk::AgentgatewayContext& ctx, const sdk::Object& object, std::vector<agw_api::Backend>& out,
                  sdk::Diagnostics& diag) {
    const Translation t{ctx, object};
    const Node spec(object.spec(), "spec", diag);
    std::vector<std::string_view> set;
    for (auto kind : kKinds)
      if (spec[kind]) set.push_back(kind);
    if (set.size() != 1) {
      spec.invalid("exactly one of ai, static, dynamicForwardProxy, mcp, aws or a2a must be set");
      return;
    }

    agw_api::Backend backend;
    backend.set_key(t.key());
    backend.mutable_name()->set_name(object.ref.name);
    backend.mutable_name()->set_namespace_(object.ref.ns);
    std::vector<agw_api::Backend> owned;
    PolicyOptions options;
    std::vector<agw_api::BackendPolicySpec> policies;

    const std::string_view kind = set.front();
    if (kind == "static") {
      static_target(spec["static"], *backend.mutable_static_());
    } else if (kind == "a2a") {
      // An A2A agent is a static destination whose traffic agentgateway treats as A2A.
      static_target(spec["a2a"], *backend.mutable_static_());
      policies.emplace_back().mutable_a2a();
    } else if (kind == "dynamicForwardProxy") {
      backend.mutable_dynamic();
    } else if (kind == "ai") {
      options.ai = true;
      translate_ai(t, spec["ai"], *backend.mutable_ai());
    } else if (kind == "mcp") {
      options.mcp = true;
      translate_mcp(t, spec["mcp"], *backend.mutable_mcp(), owned);
    } else {
      aws_backend(spec["aws"], *backend.mutable_aws());
    }
    translate_policies(t, spec["policies"], options, policies);
    for (auto& p : policies) *backend.add_inline_policies() = std::move(p);
    if (diag.has_errors()) return;
    out.push_back(std::move(backend));
    for (auto& b : owned) out.push_back(std::move(b));
  }
};

}  // namespace

std::unique_ptr<sdk::AgentgatewayBackendKind> make_backend_kind() { return std::make_unique<BackendKind>(); }

}  // namespace kgw::agw_backend
