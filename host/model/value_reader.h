// Reads typed fields out of a Value tree while recording type errors with their field paths.
//
// A reader's field path (`spec.rules[0].matches[1]`) is only spelled out when an error is
// recorded: a child taken from a named reader points at its parent and adds its key or index.
// A child taken from a temporary reader (`ValueReader(...)["spec"]`) copies the path at once,
// since the parent will not outlive the expression.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "kgw/sdk/status.h"
#include "kgw/sdk/value.h"

namespace kgw::model {

class ValueReader {
 public:
  ValueReader(const sdk::Value* value, std::string path, sdk::Diagnostics& diag)
      : value_(value), owned_path_(std::move(path)), diag_(&diag) {}

  bool present() const { return value_ && !value_->is_null(); }
  const sdk::Value* value() const { return value_; }

  std::string path() const {
    if (!parent_) return owned_path_;
    std::string p = parent_->path();
    if (index_) return p + "[" + std::to_string(*index_) + "]";
    return p.empty() ? std::string(key_) : p + "." + std::string(key_);
  }

  ValueReader operator[](std::string_view key) const& {
    ValueReader child(find(key), diag_);
    child.parent_ = this;
    child.key_ = key;
    return child;
  }
  ValueReader operator[](std::string_view key) && {
    ValueReader child(find(key), diag_);
    const std::string p = path();
    child.owned_path_ = p.empty() ? std::string(key) : p + "." + std::string(key);
    return child;
  }

  std::optional<std::string> string() const {
    if (!present()) return std::nullopt;
    if (const auto* s = value_->as_string()) return *s;
    type_error("a string");
    return std::nullopt;
  }
  std::optional<int64_t> integer() const {
    if (!present()) return std::nullopt;
    if (auto i = value_->as_int()) return i;
    type_error("an integer");
    return std::nullopt;
  }
  std::optional<bool> boolean() const {
    if (!present()) return std::nullopt;
    if (auto b = value_->as_bool()) return b;
    type_error("a boolean");
    return std::nullopt;
  }
  std::string required_string() const {
    if (!present()) {
      diag_->error(path(), "Required value");
      return {};
    }
    return string().value_or("");
  }
  // Calls fn for every element of a list, with the element's reader (valid during the call).
  void each(const std::function<void(const ValueReader&)>& fn) const {
    if (!present()) return;
    const auto* list = value_->as_list();
    if (!list) {
      type_error("an array");
      return;
    }
    for (size_t i = 0; i < list->size(); ++i) {
      ValueReader child(&(*list)[i], diag_);
      child.parent_ = this;
      child.index_ = i;
      fn(child);
    }
  }
  void error(const std::string& message) const { diag_->error(path(), message); }

 private:
  ValueReader(const sdk::Value* value, sdk::Diagnostics* diag) : value_(value), diag_(diag) {}

  const sdk::Value* find(std::string_view key) const {
    if (!present()) return nullptr;
    if (value_->is_map()) return value_->find(key);
    type_error("an object");
    return nullptr;
  }
  void type_error(const char* expected) const {
    diag_->error(path(), std::string("Invalid value: expected ") + expected + ", got " + value_->kind_name());
  }

  const sdk::Value* value_;
  const ValueReader* parent_ = nullptr;  // when set, the path is the parent's plus key_ or index_
  std::string_view key_;
  std::optional<size_t> index_;
  std::string owned_path_;  // the whole path, when there is no parent
  sdk::Diagnostics* diag_;
};

}  // namespace kgw::model
