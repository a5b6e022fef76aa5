// An object's status as a translation output holds it: an immutable Value that successive outputs
// share (a route's status outlives translations that do not touch the route), so copying a status
// map copies pointers, not trees. Reads see the Value; a new status replaces the whole Value.
#pragma once

#include <memory>
#include <utility>

#include "kgw/sdk/value.h"

namespace kgw::translator {

class SharedStatus {
 public:
  SharedStatus() : value_(empty()) {}
  SharedStatus(sdk::Value value) : value_(std::make_shared<const sdk::Value>(std::move(value))) {}  // NOLINT

  const sdk::Value& get() const { return *value_; }
  operator const sdk::Value&() const { return *value_; }  // NOLINT: reads as the Value
  const sdk::Value& operator*() const { return *value_; }
  const sdk::Value* operator->() const { return value_.get(); }
  // Whether two statuses are the same object (not merely equal).
  bool shares_with(const SharedStatus& other) const { return value_ == other.value_; }

  friend bool operator==(const SharedStatus& a, const SharedStatus& b) {
    return a.value_ == b.value_ || *a.value_ == *b.value_;
  }
  friend bool operator==(const SharedStatus& a, const sdk::Value& b) { return *a.value_ == b; }

 private:
  static const std::shared_ptr<const sdk::Value>& empty() {
    static const auto null = std::make_shared<const sdk::Value>();
    return null;
  }
  std::shared_ptr<const sdk::Value> value_;
};

}  // namespace kgw::translator
