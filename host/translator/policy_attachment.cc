#include "translator/policy_attachment.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

namespace kgw::translator {
namespace {

constexpr const char* kGatewayGroup = "gateway.networking.k8s.io";
constexpr const char* kKgatewayGroup = "gateway.kgateway.dev";

// A policy's `kgateway.dev/policy-weight` annotation (0 when absent or not an integer).
int64_t policy_weight(const sdk::Object& policy) {
  auto it = policy.annotations.find("kgateway.dev/policy-weight");
  if (it == policy.annotations.end()) return 0;
  try {
    size_t used = 0;
    const int64_t weight = std::stoll(it->second, &used);
    return used == it->second.size() ? weight : 0;
  } catch (...) {
    return 0;
  }
}

std::string string_at(const sdk::Value& v, const char* key) {
  const sdk::Value* f = v.find(key);
  const std::string* s = f ? f->as_string() : nullptr;
  return s ? *s : std::string();
}

// The level a target of `group`/`kind` attaches at, or nullopt for kinds this index ignores.
std::optional<AttachmentLevel> level_of(const std::string& group, const std::string& kind, bool has_section) {
  if ((group.empty() && kind == "Service") || (group == kKgatewayGroup && kind == "Backend"))
    return AttachmentLevel::Backend;
  const bool listener_set = (group == kGatewayGroup && kind == "ListenerSet") ||
                            (group == "gateway.networking.x-k8s.io" && kind == "XListenerSet");
  // A ListenerSet stands where its Gateway would: its listeners by sectionName, or all of them.
  if (kind == "Gateway" || listener_set) return has_section ? AttachmentLevel::Listener : AttachmentLevel::Gateway;
  if (group != kGatewayGroup) return std::nullopt;
  if (kind == "HTTPRoute" || kind == "GRPCRoute") return has_section ? AttachmentLevel::Rule : AttachmentLevel::Route;
  return std::nullopt;
}

std::string key_of(const sdk::ObjectRef& object, const std::optional<std::string>& section) {
  std::string key = object.kind + "/" + object.ns + "/" + object.name;
  if (section) key += "#" + *section;
  return key;
}

bool labels_match(const sdk::Value& match_labels, const std::map<std::string, std::string>& labels) {
  const sdk::Value::Map* m = match_labels.as_map();
  if (!m) return true;
  for (const auto& [k, v] : *m) {
    const std::string* want = v.as_string();
    auto it = labels.find(k);
    if (!want || it == labels.end() || it->second != *want) return false;
  }
  return true;
}

std::vector<PolicyTarget> resolve_targets(const sdk::Object& policy, const std::vector<sdk::Object>& objects,
                                          const std::string& global_namespace) {
  std::vector<PolicyTarget> out;
  const sdk::Value* spec = policy.spec();
  if (!spec) return out;
  if (const sdk::Value* refs = spec->find("targetRefs"); refs && refs->as_list()) {
    for (const auto& ref : *refs->as_list()) {
      const std::string group = string_at(ref, "group"), kind = string_at(ref, "kind");
      const std::string section = string_at(ref, "sectionName");
      auto level = level_of(group, kind, !section.empty());
      if (!level) continue;
      PolicyTarget t{*level, {group, kind, policy.ref.ns, string_at(ref, "name")}, std::nullopt};
      if (!section.empty()) t.section = section;
      out.push_back(std::move(t));
    }
  }
  if (const sdk::Value* selectors = spec->find("targetSelectors"); selectors && selectors->as_list()) {
    const bool global = !global_namespace.empty() && policy.ref.ns == global_namespace;
    for (const auto& selector : *selectors->as_list()) {
      const std::string group = string_at(selector, "group"), kind = string_at(selector, "kind");
      const std::string section = string_at(selector, "sectionName");
      auto level = level_of(group, kind, !section.empty());
      if (!level) continue;
      const sdk::Value* match_labels = selector.find("matchLabels");
      for (const auto& object : objects) {
        if (object.ref.group != group || object.ref.kind != kind) continue;
        if (!global && object.ref.ns != policy.ref.ns) continue;
        if (!match_labels || !labels_match(*match_labels, object.labels)) continue;
        PolicyTarget t{*level, object.ref, std::nullopt};
        if (!section.empty()) t.section = section;
        out.push_back(std::move(t));
      }
    }
  }
  return out;
}

}  // namespace

PolicyIndex::PolicyIndex(const std::vector<sdk::Object>& objects, const plugins::ExtensionRegistry& registry,
                         const sdk::HostApi& host, const std::string& global_namespace) {
  if (registry.policy_kinds().empty()) return;
  for (const auto& object : objects) {
    const sdk::PolicyKind* kind = registry.policy_kind(object.ref.group, object.ref.kind);
    if (!kind) continue;
    ParsedPolicy p;
    p.object = &object;
    p.kind = kind;
    sdk::Diagnostics diag;
    auto ir = kind->parse(object, host, diag);
    if (diag.has_errors() || !ir)
      p.errors = diag.errors();
    else
      p.ir = std::move(ir);
    p.targets = resolve_targets(object, objects, global_namespace);
    policies_.push_back(std::move(p));
  }
  for (const auto& p : policies_) {
    if (!p.ir) continue;
    if (std::find(kinds_.begin(), kinds_.end(), p.kind) == kinds_.end()) kinds_.push_back(p.kind);
    by_ref_.emplace(p.object->ref, sdk::AttachedPolicy{p.object->ref, p.ir.get()});
    for (const auto& t : p.targets) {
      auto& list = attached_[{p.kind, t.level, key_of(t.object, t.section)}];
      // One entry per policy even when several of its targets name the same object.
      if (std::none_of(list.begin(), list.end(), [&](const auto& a) { return a.ir == p.ir.get(); }))
        list.push_back({p.object->ref, p.ir.get()});
    }
  }
  // kgateway's precedence: a higher `kgateway.dev/policy-weight` first, then the older policy.
  std::map<const sdk::PluginIr*, std::pair<int64_t, int64_t>> order;  // (weight, creation)
  for (const auto& p : policies_)
    if (p.ir) order[p.ir.get()] = {policy_weight(*p.object), p.object->creation_timestamp};
  for (auto& [key, list] : attached_)
    std::stable_sort(list.begin(), list.end(), [&](const sdk::AttachedPolicy& a, const sdk::AttachedPolicy& b) {
      const auto& oa = order[a.ir];
      const auto& ob = order[b.ir];
      if (oa.first != ob.first) return oa.first > ob.first;
      return oa.second != ob.second ? oa.second < ob.second : a.policy < b.policy;
    });
  std::sort(kinds_.begin(), kinds_.end(),
            [](const sdk::PolicyKind* a, const sdk::PolicyKind* b) { return a->group_kind() < b->group_kind(); });
}

sdk::AttachedPolicies PolicyIndex::find(const Key& key) const {
  auto it = attached_.find(key);
  return it == attached_.end() ? sdk::AttachedPolicies{} : sdk::AttachedPolicies(it->second);
}

sdk::AttachedPolicies PolicyIndex::gateway(const sdk::PolicyKind* kind, const sdk::ObjectRef& gateway) const {
  return find({kind, AttachmentLevel::Gateway, key_of(gateway, std::nullopt)});
}

sdk::AttachedPolicies PolicyIndex::listener(const sdk::PolicyKind* kind, const sdk::ObjectRef& gateway,
                                            const std::string& listener) const {
  return find({kind, AttachmentLevel::Listener, key_of(gateway, listener)});
}

sdk::AttachedPolicies PolicyIndex::route(const sdk::PolicyKind* kind, const sdk::ObjectRef& route) const {
  return find({kind, AttachmentLevel::Route, key_of(route, std::nullopt)});
}

sdk::AttachedPolicies PolicyIndex::rule(const sdk::PolicyKind* kind, const sdk::ObjectRef& route,
                                        const std::string& rule) const {
  return find({kind, AttachmentLevel::Rule, key_of(route, rule)});
}

sdk::AttachedPolicies PolicyIndex::backend(const sdk::PolicyKind* kind, const sdk::ObjectRef& backend) const {
  return find({kind, AttachmentLevel::Backend, key_of(backend, std::nullopt)});
}

const sdk::AttachedPolicy* PolicyIndex::find_policy(const sdk::ObjectRef& ref) const {
  auto it = by_ref_.find(ref);
  return it == by_ref_.end() ? nullptr : &it->second;
}

std::vector<sdk::AttachedPolicy> by_precedence(std::initializer_list<sdk::AttachedPolicies> lists) {
  std::vector<sdk::AttachedPolicy> out;
  for (const auto& l : lists) out.insert(out.end(), l.begin(), l.end());
  return out;
}

}  // namespace kgw::translator
