#include "plugins/extension_registry.h"

#include <algorithm>

namespace kgw::plugins {
namespace {

std::string translator_key(const std::pair<sdk::GroupKind, std::string>& key) {
  return key.first.to_string() + (key.second.empty() ? "" : " (" + key.second + ")");
}

}  // namespace

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

sdk::Status ExtensionRegistry::add_agentgateway_translator(
    std::unique_ptr<sdk::AgentgatewayTranslator> translator) noexcept {
  if (!translator) return sdk::Status::error("add_agentgateway_translator: null translator");
  auto key = std::make_pair(translator->group_kind(), translator->variant());
  if (key.first.kind.empty()) return sdk::Status::error("add_agentgateway_translator: empty kind");
  if (auto it = translators_.find(key); it != translators_.end())
    return sdk::Status::error("agentgateway translator " + translator_key(key) + " is already registered by " +
                              it->second.owner);
  translators_.emplace(std::move(key), Owned<sdk::AgentgatewayTranslator>{owner_, std::move(translator)});
  return {};
}

sdk::Status ExtensionRegistry::merge(ExtensionRegistry&& staged) {
  std::vector<sdk::FieldError> conflicts;
  for (const auto& [key, owned] : staged.backend_types_)
    if (auto it = backend_types_.find(key); it != backend_types_.end())
      conflicts.push_back({"", "backend type " + key + " is already registered by " + it->second.owner});
  for (const auto& [key, owned] : staged.policy_kinds_)
    if (auto it = policy_kinds_.find(key); it != policy_kinds_.end())
      conflicts.push_back({"", "policy kind " + key.to_string() + " is already registered by " + it->second.owner});
  for (const auto& [key, owned] : staged.translators_)
    if (auto it = translators_.find(key); it != translators_.end())
      conflicts.push_back(
          {"", "agentgateway translator " + translator_key(key) + " is already registered by " + it->second.owner});
  if (!conflicts.empty()) return sdk::Status::from(std::move(conflicts));

  backend_types_.merge(staged.backend_types_);
  policy_kinds_.merge(staged.policy_kinds_);
  translators_.merge(staged.translators_);
  for (auto& hook : staged.hooks_) hooks_.push_back(std::move(hook));
  staged.hooks_.clear();
  return {};
}

const sdk::BackendType* ExtensionRegistry::backend_type(const std::string& type) const {
  auto it = backend_types_.find(type);
  return it == backend_types_.end() ? nullptr : it->second.extension.get();
}

const sdk::PolicyKind* ExtensionRegistry::policy_kind(const sdk::GroupKind& gk) const {
  auto it = policy_kinds_.find(gk);
  return it == policy_kinds_.end() ? nullptr : it->second.extension.get();
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
  for (const auto& [key, owned] : translators_) lines.push_back("agentgateway translator " + translator_key(key));
  std::sort(lines.begin(), lines.end());
  return lines;
}

bool ExtensionRegistry::empty() const {
  return backend_types_.empty() && policy_kinds_.empty() && hooks_.empty() && translators_.empty();
}

}  // namespace kgw::plugins
