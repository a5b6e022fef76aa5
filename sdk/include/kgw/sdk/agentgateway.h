// Extension points for the agentgateway data plane: kinds whose objects become agentgateway
// Backends (AgentgatewayBackend) and policy kinds whose objects become agentgateway Policies
// (AgentgatewayPolicy). Plugins build agentgateway's own resources (`agentgateway.dev.resource`,
// installed with the SDK); the host resolves references and targets, joins the resources to the
// Gateways that get them, and writes every status.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agentgateway/dev/resource/resource.pb.h"
#include "kgw/sdk/host_api.h"
#include "kgw/sdk/object.h"
#include "kgw/sdk/status.h"

namespace kgw::sdk {

namespace agw_api = ::agentgateway::dev::resource;

// What agentgateway hooks run in. Owned by the host; valid only during the hook call.
class AgentgatewayContext {
 public:
  // Secret and object lookups, with ReferenceGrant rules, for this translation.
  virtual const HostApi& host() const noexcept = 0;
  // The objects of `kind` in namespace `ns` ("" for every namespace) whose labels hold every
  // entry of `labels` (every object when empty), sorted by namespace and name. The pointers are
  // valid during the hook call.
  virtual std::vector<const Object*> list_objects(const GroupKind& kind, std::string_view ns,
                                                  const std::map<std::string, std::string>& labels) const noexcept = 0;
  // The cluster's DNS domain ("cluster.local"): Service hostnames are `<name>.<ns>.svc.<domain>`.
  virtual std::string_view cluster_domain() const noexcept = 0;

 protected:
  ~AgentgatewayContext() = default;
};

// A kind whose objects each become one or more agentgateway Backends.
class AgentgatewayBackendKind {
 public:
  virtual ~AgentgatewayBackendKind() = default;

  // e.g. {"agentgateway.dev", "AgentgatewayBackend"}.
  virtual GroupKind group_kind() const noexcept = 0;

  // The object's Backends: its own first (key `<ns>/<name>`), then those it owns (an MCP target's
  // `<ns>/<name>/<target>`). Every problem goes into `diag` with its field path. With errors the
  // host reports the object Accepted=False with them and serves none of its Backends; warnings
  // are reported but keep it accepted.
  virtual void translate(const AgentgatewayContext& ctx, const Object& object, std::vector<agw_api::Backend>& out,
                         Diagnostics& diag) const noexcept = 0;
};

// One target a policy attaches to, resolved by the host.
struct AgentgatewayPolicyTarget {
  agw_api::PolicyTarget target;
  // How resource keys name the target, e.g. `default/test` (a Gateway or route),
  // `default/svc.default.svc.cluster.local` (a Service), `default/be` (a Backend).
  std::string key;
};

// A policy kind whose objects attach to Gateways, listeners, ListenerSets, routes, route rules,
// Services and Backends and become agentgateway Policies.
class AgentgatewayPolicyKind {
 public:
  virtual ~AgentgatewayPolicyKind() = default;

  // e.g. {"agentgateway.dev", "AgentgatewayPolicy"}.
  virtual GroupKind group_kind() const noexcept = 0;

  // The policy's resources for one of its targets, each with its key, name, target and spec.
  // Problems go into `diag` with their field paths: errors with no resources make the policy
  // Accepted=False; errors alongside resources make it partially valid (accepted, with the
  // errors in its message) and the resources are served.
  virtual void translate(const AgentgatewayContext& ctx, const Object& policy, const AgentgatewayPolicyTarget& target,
                         std::vector<agw_api::Policy>& out, Diagnostics& diag) const noexcept = 0;
};

}  // namespace kgw::sdk
