// The objects one agentgateway translation reads, indexed for the lookups it makes, and the
// context plugin hooks run in (secret and object lookups with ReferenceGrant rules).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kgw/sdk/agentgateway.h"
#include "kgw/sdk/object.h"

namespace kgw::agw {

inline constexpr const char* kGatewayGroup = "gateway.networking.k8s.io";
inline constexpr const char* kAgentgatewayGroup = "agentgateway.dev";
inline constexpr const char* kInferenceGroup = "inference.networking.k8s.io";

class Inputs {
 public:
  explicit Inputs(const std::vector<sdk::Object>& objects, std::string cluster_domain = "cluster.local");

  const std::vector<sdk::Object>& objects() const { return objects_; }
  // The object `kind` `ns/name` of `group` (any group when `group` is "*"), or nullptr.
  const sdk::Object* find(std::string_view group, std::string_view kind, std::string_view ns,
                          std::string_view name) const;
  // Objects of `kind` (any group), sorted by namespace and name.
  const std::vector<const sdk::Object*>& of_kind(const std::string& kind) const;
  // Objects of `kind` in `ns` ("" for all) whose labels hold all of `labels`.
  std::vector<const sdk::Object*> select(const sdk::GroupKind& kind, std::string_view ns,
                                         const std::map<std::string, std::string>& labels) const;
  // The Gateways of agentgateway's classes, sorted by namespace and name.
  const std::vector<const sdk::Object*>& gateways() const { return gateways_; }
  bool is_agentgateway_gateway(const sdk::ObjectRef& gateway) const;

  // Whether an object of `from` in `from_ns` may refer to `to` (a ReferenceGrant in `to`'s
  // namespace allows it, or the namespaces are the same).
  bool permitted(const sdk::GroupKind& from, std::string_view from_ns, const sdk::ObjectRef& to) const;
  // A Secret's data, or nullptr when it does not exist.
  std::shared_ptr<const sdk::Secret> secret(std::string_view ns, std::string_view name) const;
  // Where Secrets not among the objects are found (kgw serve keeps Secrets apart).
  void set_secret_lookup(std::function<std::shared_ptr<const sdk::Secret>(std::string_view, std::string_view)> lookup) {
    secret_lookup_ = std::move(lookup);
  }

  const std::string& cluster_domain() const { return cluster_domain_; }
  // `<name>.<ns>.svc.<domain>`.
  std::string service_hostname(std::string_view ns, std::string_view name) const;
  // An InferencePool's own hostname, `<name>.<ns>.inference.<domain>`.
  std::string inference_hostname(std::string_view ns, std::string_view name) const;

 private:
  const std::vector<sdk::Object>& objects_;
  std::string cluster_domain_;
  std::map<std::string, std::vector<const sdk::Object*>> by_kind_;
  std::vector<const sdk::Object*> gateways_;
  std::function<std::shared_ptr<const sdk::Secret>(std::string_view, std::string_view)> secret_lookup_;
  mutable std::map<std::string, std::shared_ptr<const sdk::Secret>> secrets_;
};

// The AgentgatewayContext and HostApi plugin hooks get.
class PluginContext final : public sdk::AgentgatewayContext, public sdk::HostApi {
 public:
  explicit PluginContext(const Inputs& inputs) : in_(inputs) {}

  const sdk::HostApi& host() const noexcept override { return *this; }
  std::vector<const sdk::Object*> list_objects(
      const sdk::GroupKind& kind, std::string_view ns,
      const std::map<std::string, std::string>& labels) const noexcept override;
  std::string_view cluster_domain() const noexcept override { return in_.cluster_domain(); }

  void log(sdk::LogLevel level, std::string_view message) const noexcept override;
  std::shared_ptr<const sdk::Secret> find_secret(const sdk::ObjectRef& from, std::string_view ns,
                                                 std::string_view name) const noexcept override;
  void report_condition(const sdk::ObjectRef&, const sdk::ObjectRef*, const sdk::Condition&) const noexcept override {}
  const sdk::Object* find_object(const sdk::ObjectRef& from, const sdk::ObjectRef& target,
                                 std::string* why) const noexcept override;
  std::string backend_cluster(const sdk::ObjectRef&, const sdk::ObjectRef&, int32_t,
                              std::string& error) const noexcept override {
    error = "not available to agentgateway translation";
    return {};
  }
  void refresh(const sdk::ObjectRef&) const noexcept override {}

 private:
  const Inputs& in_;
};

}  // namespace kgw::agw
