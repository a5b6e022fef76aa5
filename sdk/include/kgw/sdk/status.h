// Errors as values. Nothing throws across the plugin boundary: every entry point returns a Status
// or fills a Diagnostics, and the SDK's registration barrier turns a stray exception into one.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace kgw::sdk {

// One problem found in an input, with where it is: a field path such as
// `spec.rules[0].matches[1].path.value` (empty when the problem is the whole object).
struct FieldError {
  std::string path;
  std::string message;

  std::string to_string() const { return path.empty() ? message : path + ": " + message; }
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

class Status {
 public:
  Status() = default;
  static Status ok() { return {}; }
  static Status error(std::string message, std::string path = {}) {
    Status s;
    s.errors_.push_back({std::move(path), std::move(message)});
    return s;
  }
  static Status from(std::vector<FieldError> errors) {
    Status s;
    s.errors_ = std::move(errors);
    return s;
  }

  bool is_ok() const { return errors_.empty(); }
  explicit operator bool() const { return is_ok(); }
  const std::vector<FieldError>& errors() const { return errors_; }

  // All errors, one per line.
  std::string message() const {
    std::string out;
    for (const auto& e : errors_) {
      if (!out.empty()) out += "\n";
      out += e.to_string();
    }
    return out;
  }

 private:
  std::vector<FieldError> errors_;
};

// Collects every error of one object so the user can fix it in one pass.
class Diagnostics {
 public:
  void error(std::string path, std::string message) { errors_.push_back({std::move(path), std::move(message)}); }
  void warning(std::string path, std::string message) { warnings_.push_back({std::move(path), std::move(message)}); }

  bool has_errors() const { return !errors_.empty(); }
  const std::vector<FieldError>& errors() const { return errors_; }
  const std::vector<FieldError>& warnings() const { return warnings_; }
  Status status() const { return Status::from(errors_); }

 private:
  std::vector<FieldError> errors_;
  std::vector<FieldError> warnings_;
};

}  // namespace kgw::sdk
