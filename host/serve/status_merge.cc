#include "serve/status_merge.h"

#include <algorithm>

namespace kgw::serve {

void merge_status(sdk::Value& into, const sdk::Value& from) {
  const sdk::Value::Map* from_map = from.as_map();
  sdk::Value::Map* into_map = into.as_map();
  if (!from_map || !into_map) return;
  for (const auto& [key, value] : *from_map) {
    auto it = std::find_if(into_map->begin(), into_map->end(), [&](const auto& e) { return e.first == key; });
    if (it == into_map->end()) {
      into_map->emplace_back(key, value);
      continue;
    }
    sdk::Value& existing = it->second;
    if ((key == "parents" || key == "ancestors") && existing.is_list() && value.is_list()) {
      sdk::Value::List& list = *existing.as_list();
      for (const auto& item : *value.as_list())
        if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
    } else if (existing.is_map() && value.is_map()) {
      merge_status(existing, value);
    }
  }
}

void merge_statuses(Statuses& into, const Statuses& from) {
  for (const auto& [section, objects] : from)
    for (const auto& [key, status] : objects) {
      auto [it, added] = into[section].try_emplace(key, status);
      if (!added) merge_status(it->second, status);
    }
}

Statuses merge_statuses(const GatewayOutputs& outputs) {
  Statuses merged;
  for (const auto& [gateway, output] : outputs) {
    if (!output) continue;
    for (const auto& [section, objects] : output->statuses) {
      auto& target = merged[section];
      for (const auto& [key, status] : objects) {
        auto [it, added] = target.try_emplace(key, status);
        if (!added) merge_status(it->second, status);
      }
    }
  }
  return merged;
}

std::optional<sdk::Value> merged_status(const GatewayOutputs& outputs, const std::string& section,
                                        const std::string& key) {
  std::optional<sdk::Value> merged;
  for (const auto& [gateway, output] : outputs) {
    if (!output) continue;
    auto sit = output->statuses.find(section);
    if (sit == output->statuses.end()) continue;
    auto kit = sit->second.find(key);
    if (kit == sit->second.end()) continue;
    if (merged)
      merge_status(*merged, kit->second);
    else
      merged = kit->second;
  }
  return merged;
}

}  // namespace kgw::serve
