// Reads typed fields out of a Value tree while recording type errors with their field paths.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "kgw/sdk/status.h"
#include "kgw/sdk/value.h"

namespace kgw::model {

class ValueReader {
 public:
  ValueReader(const sdk::Value* value, std::string path, sdk::Diagnostics& diag)
      : value_(value), path_(std::move(path)), diag_(&diag) {}

  bool present() const { return value_ && !value_->is_null(); }
  const std::string& path() const { return path_; }
  const sdk::Value* value() const { return value_; }

  ValueReader operator[](std::string_view key) const {
    const sdk::Value* child = nullptr;
    if (present()) {
      if (value_->is_map())
        child = value_->find(key);
      else
        type_error("an object");
    }
    return ValueReader(child, path_.empty() ? std::string(key) : path_ + "." + std::string(key), *diag_);
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
      diag_->error(path_, "Required value");
      return {};
    }
    return string().value_or("");
  }
  // Calls fn for every element of a list, with the element's reader.
  void each(const std::function<void(const ValueReader&)>& fn) const {
    if (!present()) return;
    const auto* list = value_->as_list();
    if (!list) {
      type_error("an array");
      return;
    }
    for (size_t i = 0; i < list->size(); ++i)
      fn(ValueReader(&(*list)[i], path_ + "[" + std::to_string(i) + "]", *diag_));
  }
  void error(const std::string& message) const { diag_->error(path_, message); }

 private:
  void type_error(const char* expected) const {
    diag_->error(path_, std::string("Invalid value: expected ") + expected + ", got " + value_->kind_name());
  }

  const sdk::Value* value_;
  std::string path_;
  sdk::Diagnostics* diag_;
};

}  // namespace kgw::model
