// Reading a spec (an AgentgatewayBackend's, an AgentgatewayPolicy's): a node of the tree with its
// field path, so that each wrongly typed field is reported once with where it is; and the
// durations and quantities its fields hold.
#pragma once

#include <kgw/sdk/status.h>
#include <kgw/sdk/value.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace google::protobuf {
class Duration;
}

namespace kgw::agw_backend {

// A Go duration ("30s", "1m30s", "500ms", "-1h") into `out`; false when it does not parse.
bool parse_duration(const std::string& text, google::protobuf::Duration& out);
// A Kubernetes quantity ("16Ki", "5Mi", 1000) in bytes.
std::optional<uint64_t> parse_quantity(const sdk::Value& v);

class Node {
 public:
  Node(const sdk::Value* value, std::string path, sdk::Diagnostics& diag)
      : value_(value), path_(std::move(path)), diag_(&diag) {}

  // Whether the field is present (and not null).
  explicit operator bool() const { return value_ && !value_->is_null(); }
  const std::string& path() const { return path_; }
  sdk::Diagnostics& diag() const { return *diag_; }
  const sdk::Value* value() const { return value_; }

  Node operator[](std::string_view key) const {
    return Node(value_ ? value_->find(key) : nullptr, path_ + "." + std::string(key), *diag_);
  }

  // The items of a list; a present field of another type is reported.
  std::vector<Node> items() const;
  // The entries of a map; a present field of another type is reported.
  std::vector<std::pair<std::string, Node>> entries() const;

  std::optional<std::string> string() const;
  std::string string_or(std::string fallback) const { return string().value_or(std::move(fallback)); }
  std::optional<int64_t> integer() const;
  std::optional<bool> boolean() const;
  // An integer within [min, max].
  std::optional<int64_t> integer_in(int64_t min, int64_t max) const;
  // A byte count: an integer or a Kubernetes quantity ("16Ki", "5M") within [min, max].
  std::optional<uint64_t> quantity_in(uint64_t min, uint64_t max) const;
  std::vector<std::string> strings() const;

  // An error about this field: the message names the field, since the Accepted condition shows
  // messages only.
  void invalid(const std::string& message) const { diag_->error(path_, path_ + ": " + message); }
  // An error whose message stands on its own (a missing Secret, say), kept with this field's path.
  void error(std::string message) const { diag_->error(path_, std::move(message)); }
  void warning(std::string message) const { diag_->warning(path_, std::move(message)); }

 private:
  const sdk::Value* value_;
  std::string path_;
  sdk::Diagnostics* diag_;
};

}  // namespace kgw::agw_backend
