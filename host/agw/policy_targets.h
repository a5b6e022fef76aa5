// Where policies attach: targetRefs and targetSelectors resolved against the raw objects into
// agentgateway PolicyTargets with their keys, the Gateways whose proxies get the policy, and why a
// target is not attached. Services and Backends reach Gateways through routes, and through the
// backendRefs of AgentgatewayBackends and policies already reachable.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "agw/gateway_model.h"
#include "agw/inputs.h"
#include "kgw/sdk/agentgateway.h"

namespace kgw::agw {

struct ResolvedTarget {
  sdk::AgentgatewayPolicyTarget target;
  // The Gateways whose output gets the policy's resources (possibly when not attached: a missing
  // Gateway or listener keeps the name it was given).
  std::vector<sdk::ObjectRef> gateways;
  // Attached: `gateways` are the policy's status ancestors. Otherwise `pending` says why not.
  bool attached = false;
  std::string pending;
};

class PolicyTargets {
 public:
  // `policy_kinds` are the kinds whose backendRefs make Services and Backends reachable.
  // `model` is what the route translation found (delegated routes and their Gateways).
  PolicyTargets(const Inputs& inputs, const GatewaysModel& model, const std::vector<sdk::GroupKind>& policy_kinds);

  // Every target of `policy` (targetRefs, then targetSelectors), each once; a selector that
  // matches nothing gives a target with no key and its pending reason.
  std::vector<ResolvedTarget> resolve(const sdk::Object& policy) const;

  // The Gateways of a route (through ListenerSets and delegating parent routes), sorted.
  std::set<sdk::ObjectRef> route_gateways(const sdk::Object& route) const;
  // The Gateways whose routes (or reachable backends and policies) send to `backend`: a Service,
  // AgentgatewayBackend or InferencePool.
  std::set<sdk::ObjectRef> reachable(const sdk::ObjectRef& backend) const;

 private:
  void resolve_ref(const sdk::Object& policy, const std::string& group, const std::string& kind,
                   const std::string& name, const std::string* section, const int64_t* port,
                   std::vector<ResolvedTarget>& out) const;
  std::set<sdk::ObjectRef> parent_gateways(const sdk::Object& route) const;
  void compute_route_gateways(const GatewaysModel& model);
  void compute_reachability(const std::vector<sdk::GroupKind>& policy_kinds);

  const Inputs& in_;
  std::map<sdk::ObjectRef, std::set<sdk::ObjectRef>> route_gateways_;
  // Backend objects (Services, AgentgatewayBackends, InferencePools) to the Gateways using them.
  std::map<sdk::ObjectRef, std::set<sdk::ObjectRef>> backend_gateways_;
};

}  // namespace kgw::agw
