// The host's registry of extensions: what built-in code and plugins registered, keyed so that
// translation finds the one extension for a Backend type or policy kind.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kgw/sdk/registry.h"

namespace kgw::plugins {

// One extension with the plugin that registered it ("builtin" for the host's own).
template <typename T>
struct Owned {
  std::string owner;
  std::unique_ptr<T> extension;
};

class ExtensionRegistry final : public sdk::Registry {
 public:
  explicit ExtensionRegistry(std::string owner = "builtin") : owner_(std::move(owner)) {}

  sdk::Status add_backend_type(std::unique_ptr<sdk::BackendType> type) noexcept override;
  sdk::Status add_route_backend_hook(std::unique_ptr<sdk::RouteBackendHook> hook) noexcept override;
  sdk::Status add_policy_kind(std::unique_ptr<sdk::PolicyKind> kind) noexcept override;
  sdk::Status add_agentgateway_backend_kind(std::unique_ptr<sdk::AgentgatewayBackendKind> kind) noexcept override;
  sdk::Status add_agentgateway_policy_kind(std::unique_ptr<sdk::AgentgatewayPolicyKind> kind) noexcept override;

  // Moves everything `staged` holds into this registry, or nothing when any key is taken.
  sdk::Status merge(ExtensionRegistry&& staged);

  const sdk::BackendType* backend_type(const std::string& type) const;
  const sdk::PolicyKind* policy_kind(const sdk::GroupKind& gk) const;
  // The same, without building a GroupKind: for a look at every object of the input.
  const sdk::PolicyKind* policy_kind(std::string_view group, std::string_view kind) const;
  std::vector<const sdk::RouteBackendHook*> route_backend_hooks(const std::string& backend_type) const;

  const std::map<std::string, Owned<sdk::BackendType>>& backend_types() const { return backend_types_; }
  const std::map<sdk::GroupKind, Owned<sdk::PolicyKind>>& policy_kinds() const { return policy_kinds_; }
  const std::vector<Owned<sdk::RouteBackendHook>>& all_route_backend_hooks() const { return hooks_; }
  const std::map<sdk::GroupKind, Owned<sdk::AgentgatewayBackendKind>>& agentgateway_backend_kinds() const {
    return agw_backend_kinds_;
  }
  const std::map<sdk::GroupKind, Owned<sdk::AgentgatewayPolicyKind>>& agentgateway_policy_kinds() const {
    return agw_policy_kinds_;
  }

  // One line per registration, sorted, e.g. "backend type Static" or "policy kind QuotaPolicy.example.com".
  std::vector<std::string> describe() const;
  bool empty() const;

 private:
  std::string owner_;
  std::map<std::string, Owned<sdk::BackendType>> backend_types_;
  std::map<sdk::GroupKind, Owned<sdk::PolicyKind>> policy_kinds_;
  std::vector<Owned<sdk::RouteBackendHook>> hooks_;
  std::map<sdk::GroupKind, Owned<sdk::AgentgatewayBackendKind>> agw_backend_kinds_;
  std::map<sdk::GroupKind, Owned<sdk::AgentgatewayPolicyKind>> agw_policy_kinds_;
};

}  // namespace kgw::plugins
