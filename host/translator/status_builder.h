// Gateway API status structs as Value trees, with conditions kept in the order they were first
// set (later sets of the same type update it in place), as kgateway's reports show them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kgw/sdk/object.h"
#include "kgw/sdk/value.h"

namespace kgw::translator {

// The generation an object's manifest states (metadata.generation), which its status conditions
// then report as observedGeneration, as the Kubernetes API server's objects always have one.
// Manifests without one get no observedGeneration.
inline std::optional<int64_t> stated_generation(const sdk::Object& object) {
  const sdk::Value* metadata = object.body.find("metadata");
  const sdk::Value* generation = metadata ? metadata->find("generation") : nullptr;
  if (!generation || generation->is_null()) return std::nullopt;
  return object.generation;
}

class Conditions {
 public:
  // Sets a condition unless one of that type is already set (the first setter wins).
  void set_if_absent(std::string type, bool status, std::string reason, std::string message) {
    for (const auto& c : list_)
      if (c.type == type) return;
    list_.push_back({std::move(type), status ? sdk::Condition::Status::True : sdk::Condition::Status::False,
                     std::move(reason), std::move(message)});
  }
  bool is_false(const std::string& type) const {
    for (const auto& c : list_)
      if (c.type == type) return c.status == sdk::Condition::Status::False;
    return false;
  }
  bool has(const std::string& type) const {
    for (const auto& c : list_)
      if (c.type == type) return true;
    return false;
  }
  // With `observed_generation`, each condition says which generation of its object it is about.
  sdk::Value to_value(std::optional<int64_t> observed_generation = std::nullopt) const {
    sdk::Value::List out;
    out.reserve(list_.size());
    for (const auto& c : list_) {
      // Built directly rather than through Value::set: statuses are a hot path of translation.
      sdk::Value::Map m;
      m.reserve(6);
      m.emplace_back("lastTransitionTime", nullptr);
      m.emplace_back("message", c.message);
      if (observed_generation) m.emplace_back("observedGeneration", *observed_generation);
      m.emplace_back("reason", c.reason);
      m.emplace_back("status", c.status == sdk::Condition::Status::True ? "True" : "False");
      m.emplace_back("type", c.type);
      out.emplace_back(std::move(m));
    }
    return out;
  }

 private:
  std::vector<sdk::Condition> list_;
};

}  // namespace kgw::translator
