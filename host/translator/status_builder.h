// Gateway API status structs as Value trees, with conditions kept in the order they were first
// set (later sets of the same type update it in place), as kgateway's reports show them.
#pragma once

#include <string>
#include <vector>

#include "kgw/sdk/object.h"
#include "kgw/sdk/value.h"

namespace kgw::translator {

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
  sdk::Value to_value() const {
    sdk::Value::List out;
    out.reserve(list_.size());
    for (const auto& c : list_) {
      // Built directly rather than through Value::set: statuses are a hot path of translation.
      sdk::Value::Map m;
      m.reserve(5);
      m.emplace_back("lastTransitionTime", nullptr);
      m.emplace_back("message", c.message);
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
