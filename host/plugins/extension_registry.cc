#include "plugins/extension_registry.h"

#include <algorithm>

namespace kgw::plugins {
sdk::Status ExtensionRegistry::add_backend_type(std::unique_ptr<sdk::BackendType> type) noexcept {
  if (!type) return sdk::Status::error("add_backend_type: null backend type");
  std::string key(type->type());
  if (key.empty()) return sdk::Status::error("add_backend_type: empty Backend type");
  if (auto it = backend_types_.find(key); it != backend_types_.end())
    return sdk::Status::error("backend type " + key + " is already registered by " + it->second.owner);
  backend_types_.emplace(key, Owned<sdk::BackendType>{owner_, std::move(type)});
  return {};
}

sdk::Status ExtensionRegistry::add_route_backend_hook(std::unique_ptr<sdk::RouteBackendHook> hook) noexcept {
  if (!hook) return sdk::Status::error("add_route_backend_hook: null hook");
  hooks_.push_back({owner_, std::move(hook)});
  return {};
}

sdk::Status ExtensionRegistry::add_policy_kind(std::unique_ptr<sdk::PolicyKind> kind) noexcept {
  if (!kind) return sdk::Status::error("add_policy_kind: null policy kind");
  sdk::GroupKind gk = kind->group_kind();
  if (gk.kind.empty()) return sdk::Status::error("add_policy_kind: empty kind");
  if (auto it = policy_kinds_.find(gk); it != policy_kinds_.end())
    return sdk::Status::error("policy kind " + gk.to_string() + " is already registered by " + it->second.owner);
  policy_kinds_.emplace(gk, Owned<sdk::PolicyKind>{owner_, std::move(kind)});
  return {};
}

namespace {

// Adds `extension` under its group and kind unless another plugin has that kind.
template <typename T>
sdk::Status add_kind(std::map<sdk::GroupKind, Owned<T>>& kinds, const std::string& owner, std::unique_ptr<T> extension,
                     const char* what) {
  if (!extension) return sdk::Status::error(std::string(what) + ": null kind");
  sdk::GroupKind gk = extension->group_kind();
  if (gk.kind.empty()) return sdk::Status::error(std::string(what) + ": empty kind");
  if (auto it = kinds.find(gk); it != kinds.end())
    return sdk::Status::error(std::string(what) + " " + gk.to_string() + " is already registered by " +
                              it->second.owner);
  kinds.emplace(gk, Owned<T>{owner, std::move(extension)});
  return {};
}

template <typename T>
void find_conflicts(const std::map<sdk::GroupKind, Owned<T>>& have, const std::map<sdk::GroupKind, Owned<T>>& staged,
                    const char* what, std::vector<sdk::FieldError>& conflicts) {
  for (const auto& [key, owned] : staged)
    if (auto it = have.find(key); it != have.end())
      conflicts.push_back(
          {"", std::string(what) + " " + key.to_string() + " is already registered by " + it->second.owner});
}

}  // namespace

sdk::Status ExtensionRegistry::add_agentgateway_backend_kind(
    std::unique_ptr<sdk::AgentgatewayBackendKind> kind) noexcept {
  return add_kind(agw_backend_kinds_, owner_, std::move(kind), "agentgateway backend kind");
}

sdk::Status ExtensionRegistry::add_agentgateway_policy_kind(
    std::unique_ptr<sdk::AgentgatewayPolicyKind> kind) noexcept {
  return add_kind(agw_policy_kinds_, owner_, std::move(kind), "agentgateway policy kind");
}

sdk::Status ExtensionRegistry::merge(ExtensionRegistry&& staged) {
  std::vector<sdk::FieldError> conflicts;
  for (const auto& [key, owned] : staged.backend_types_)
    if (auto it = backend_types_.find(key); it != backend_types_.end())
      conflicts.push_back({"", "backend type " + key + " is already registered by " + it->second.owner});
  for (const auto& [key, owned] : staged.policy_kinds_)
    if (auto it = policy_kinds_.find(key); it != policy_kinds_.end())
      conflicts.push_back({"", "policy kind " + key.to_string() + " is already registered by " + it->second.owner});
  find_conflicts(agw_backend_kinds_, staged.agw_backend_kinds_, "agentgateway backend kind", conflicts);
  find_conflicts(agw_policy_kinds_, staged.agw_policy_kinds_, "agentgateway policy kind", conflicts);
  if (!conflicts.empty()) return sdk::Status::from(std::move(conflicts));

  backend_types_.merge(staged.backend_types_);
  policy_kinds_.merge(staged.policy_kinds_);
  agw_backend_kinds_.merge(staged.agw_backend_kinds_);
  agw_policy_kinds_.merge(staged.agw_policy_kinds_);
  for (auto& hook : staged.hooks_) hooks_.push_back(std::move(hook));
  staged.hooks_.clear();
  return {};
}

const sdk::BackendType* ExtensionRegistry::backend_type(const std::string& type) const {
  auto it = backend_types_.find(type);
  return it == backend_types_.end() ? nullptr : it->second.extension.get();
}

const sdk::PolicyKind* ExtensionRegistry::policy_kind(const sdk::GroupKind& gk) const {
  return policy_kind(gk.group, gk.kind);
}

const sdk::PolicyKind* ExtensionRegistry::policy_kind(std::string_view group, std::string_view kind) const {
  // Few kinds are registered; names are compared by size first.
  for (const auto& [gk, owned] : policy_kinds_)
    if (std::string_view(gk.kind) == kind && std::string_view(gk.group) == group) return owned.extension.get();
  return nullptr;
}

std::vector<const sdk::RouteBackendHook*> ExtensionRegistry::route_backend_hooks(
    const std::string& backend_type) const {
  std::vector<const sdk::RouteBackendHook*> out;
  for (const auto& h : hooks_)
    if (h.extension->backend_type() == backend_type) out.push_back(h.extension.get());
  return out;
}

std::vector<std::string> ExtensionRegistry::describe() const {
  std::vector<std::string> lines;
  for (const auto& [key, owned] : backend_types_) lines.push_back("backend type " + key);
  for (const auto& [key, owned] : policy_kinds_) lines.push_back("policy kind " + key.to_string());
  for (const auto& owned : hooks_)
    lines.push_back("route-backend hook for backend type " + std::string(owned.extension->backend_type()));
  for (const auto& [key, owned] : agw_backend_kinds_) lines.push_back("agentgateway backend kind " + key.to_string());
  for (const auto& [key, owned] : agw_policy_kinds_) lines.push_back("agentgateway policy kind " + key.to_string());
  std::sort(lines.begin(), lines.end());
  return lines;
}

bool ExtensionRegistry::empty() const {
  return backend_types_.empty() && policy_kinds_.empty() && hooks_.empty() && agw_backend_kinds_.empty() &&
         agw_policy_kinds_.empty();
}

}  // namespace kgw::plugins
