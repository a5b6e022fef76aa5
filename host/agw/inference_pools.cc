#include "agw/inference_pools.h"

#include <set>

#include "agw/status.h"
#include "agw/value_access.h"

namespace kgw::agw {
namespace {

namespace api = ::agentgateway::dev::resource;

// The agentgateway Gateways whose routes send to `pool`; every agentgateway Gateway when none
// does (the pool is served wherever it may be used).
std::vector<sdk::ObjectRef> pool_gateways(const Inputs& in, const PolicyTargets& targets, const sdk::Object& pool) {
  std::set<sdk::ObjectRef> found = targets.reachable(pool.ref);
  if (found.empty())
    for (const sdk::Object* g : in.gateways()) found.insert(g->ref);
  return {found.begin(), found.end()};
}

api::Policy pool_policy(const sdk::Object& pool, const std::string& suffix) {
  api::Policy p;
  p.set_key(pool.ref.ns + "/" + pool.ref.name + ":" + suffix);
  auto& name = *p.mutable_name();
  name.set_kind("InferencePool");
  name.set_name(pool.ref.name);
  name.set_namespace_(pool.ref.ns);
  return p;
}

}  // namespace

void translate_inference_pools(const Inputs& in, const PolicyTargets& targets, Output& out) {
  for (const sdk::Object* pool : in.of_kind("InferencePool")) {
    if (pool->ref.group != kInferenceGroup) continue;
    const std::vector<sdk::ObjectRef> gateways = pool_gateways(in, targets, *pool);
    if (gateways.empty()) continue;
    const sdk::Value* picker = pool->spec() ? pool->spec()->find("endpointPickerRef") : nullptr;

    // The picker must be a core Service with a port; every problem is named.
    std::vector<std::string> problems;
    const std::string* group = string_at(picker, "group");
    const std::string* kind = string_at(picker, "kind");
    const std::string* picker_name = string_at(picker, "name");
    const sdk::Value* port_value = picker ? picker->find("port") : nullptr;
    const sdk::Value* number = port_value ? port_value->find("number") : nullptr;
    if (group && !group->empty()) problems.push_back("endpointPickerRef.group must be empty, got \"" + *group + "\"");
    if (kind && *kind != "Service")
      problems.push_back("endpointPickerRef.kind must be \"Service\", got \"" + *kind + "\"");
    if (!number || !number->as_int()) problems.push_back("endpointPickerRef.port must be specified");
    if (!picker_name) problems.push_back("endpointPickerRef.name must be specified");

    api::Policy routing = pool_policy(*pool, "inference");
    auto& target = *routing.mutable_target()->mutable_service();
    target.set_hostname(in.inference_hostname(pool->ref.ns, pool->ref.name));
    target.set_namespace_(pool->ref.ns);
    auto& inference = *routing.mutable_backend()->mutable_inference_routing();
    const std::string* failure = string_at(picker, "failureMode");
    inference.set_failure_mode(failure && *failure == "FailOpen"
                                   ? api::BackendPolicySpec::InferenceRouting::FAIL_OPEN
                                   : api::BackendPolicySpec::InferenceRouting::FAIL_CLOSED);
    std::optional<api::Policy> picker_tls;
    auto& endpoint_picker = *inference.mutable_endpoint_picker();
    if (problems.empty()) {
      const uint32_t port = static_cast<uint32_t>(*number->as_int());
      const std::string hostname = in.service_hostname(pool->ref.ns, *picker_name);
      endpoint_picker.set_port(port);
      endpoint_picker.mutable_service()->set_hostname(hostname);
      endpoint_picker.mutable_service()->set_namespace_(pool->ref.ns);
      // The picker serves TLS with a certificate the proxy cannot verify.
      picker_tls = pool_policy(*pool, "inferencetls");
      auto& tls_target = *picker_tls->mutable_target()->mutable_service();
      tls_target.set_hostname(hostname);
      tls_target.set_namespace_(pool->ref.ns);
      tls_target.set_port(port);
      picker_tls->mutable_backend()->mutable_backend_tls()->set_verification(
          api::BackendPolicySpec::BackendTLS::INSECURE_ALL);
    }

    sdk::Value::List parents;
    for (const auto& gateway : gateways) {
      out.resources.push_back({gateway, {}});
      *out.resources.back().resource.mutable_policy() = routing;
      if (picker_tls) {
        out.resources.push_back({gateway, {}});
        *out.resources.back().resource.mutable_policy() = *picker_tls;
      }
      sdk::Value parent;
      parent.set("conditions",
                 sdk::Value(sdk::Value::List{
                     condition("Accepted", true, "Accepted",
                               std::string("InferencePool has been accepted by controller ") + kControllerName),
                     problems.empty() ? condition("ResolvedRefs", true, "ResolvedRefs",
                                                  "All InferencePool references have been resolved")
                                      : condition("ResolvedRefs", false, "InvalidExtensionRef", [&] {
                                          std::string message = "error: ";
                                          for (size_t i = 0; i < problems.size(); ++i)
                                            message += (i ? "; " : "") + problems[i];
                                          return message;
                                        }())}));
      parent.set("controllerName", kControllerName);
      sdk::Value ref;
      ref.set("group", kGatewayGroup);
      ref.set("kind", "Gateway");
      ref.set("name", gateway.name);
      ref.set("namespace", gateway.ns);
      parent.set("parentRef", std::move(ref));
      parents.push_back(std::move(parent));
    }
    sdk::Value status;
    status.set("parents", sdk::Value(std::move(parents)));
    out.statuses.push_back({pool->ref, pool->api_version, std::move(status)});
  }
}

}  // namespace kgw::agw
