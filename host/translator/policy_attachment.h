// Policies of the registered policy kinds: parsed once per translation, their targetRefs and
// targetSelectors resolved to the level they attach at (Gateway, listener, route, route rule),
// and handed to their kind's hooks in kgateway's precedence order. The host knows no policy kind
// by name: every kind comes from the registry.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kgw/sdk/ir.h"
#include "kgw/sdk/object.h"
#include "kgw/sdk/policy_kind.h"
#include "kgw/sdk/status.h"
#include "plugins/extension_registry.h"

namespace kgw::translator {

// Where one target of a policy points. More specific levels take precedence; Backend (a Service
// or a kgateway Backend, whose clusters the policy configures) stands apart.
enum class AttachmentLevel : int { Gateway = 0, Listener = 1, Route = 2, Rule = 3, Backend = 4 };

struct PolicyTarget {
  AttachmentLevel level = AttachmentLevel::Gateway;
  sdk::ObjectRef object;               // the Gateway, HTTPRoute, GRPCRoute, Service or Backend
  std::optional<std::string> section;  // the listener or rule name (sectionName)
};

struct ParsedPolicy {
  const sdk::Object* object = nullptr;
  const sdk::PolicyKind* kind = nullptr;
  std::shared_ptr<const sdk::PluginIr> ir;  // null when the policy has errors
  std::vector<sdk::FieldError> errors;
  std::vector<PolicyTarget> targets;
};

class PolicyIndex {
 public:
  // Parses every object of a kind `registry` knows and resolves its targets; `objects` also
  // provides the labels targetSelectors match. A policy selects objects of its own namespace,
  // or of any namespace when it lives in `global_namespace` (empty: none).
  PolicyIndex(const std::vector<sdk::Object>& objects, const plugins::ExtensionRegistry& registry,
              const sdk::HostApi& host, const std::string& global_namespace);

  bool empty() const { return policies_.empty(); }
  const std::vector<ParsedPolicy>& policies() const { return policies_; }
  // The kinds that have at least one valid policy, in registry order.
  const std::vector<const sdk::PolicyKind*>& kinds() const { return kinds_; }

  // The valid policies of `kind` attached to a Gateway or ListenerSet, to one of its listeners, to
  // a route, or to a route's rule: the oldest first (kgateway's order within one level), ties by name.
  sdk::AttachedPolicies gateway(const sdk::PolicyKind* kind, const sdk::ObjectRef& gateway) const;
  sdk::AttachedPolicies listener(const sdk::PolicyKind* kind, const sdk::ObjectRef& gateway,
                                 const std::string& listener) const;
  sdk::AttachedPolicies route(const sdk::PolicyKind* kind, const sdk::ObjectRef& route) const;
  sdk::AttachedPolicies rule(const sdk::PolicyKind* kind, const sdk::ObjectRef& route, const std::string& rule) const;
  // The valid policies of `kind` on a Service or kgateway Backend (its clusters).
  sdk::AttachedPolicies backend(const sdk::PolicyKind* kind, const sdk::ObjectRef& backend) const;
  // A valid policy by reference (a route rule's ExtensionRef filter names one), or nullptr.
  const sdk::AttachedPolicy* find_policy(const sdk::ObjectRef& ref) const;

 private:
  using Key = std::tuple<const sdk::PolicyKind*, AttachmentLevel, std::string>;
  sdk::AttachedPolicies find(const Key& key) const;

  std::vector<ParsedPolicy> policies_;
  std::vector<const sdk::PolicyKind*> kinds_;
  std::map<Key, std::vector<sdk::AttachedPolicy>> attached_;
  std::map<sdk::ObjectRef, sdk::AttachedPolicy> by_ref_;
};

// `lists` concatenated, in the order given: the caller passes the more specific levels first.
std::vector<sdk::AttachedPolicy> by_precedence(std::initializer_list<sdk::AttachedPolicies> lists);

}  // namespace kgw::translator
