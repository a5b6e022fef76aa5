// A parsed configuration tree: what a plugin receives for its TOML `[plugins.config]` table and
// for the spec of a Kubernetes object it owns. Each node remembers where it came from, so errors a
// plugin reports by field path can be shown with file, line and column.
//
// Values are plain data, copied or moved freely; a `const Value&` handed to a plugin is valid for
// the duration of the call that received it, unless the call's documentation says otherwise.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace kgw::sdk {

struct SourceMark {
  std::shared_ptr<const std::string> file;  // shared by every node of one file; may be null
  uint32_t line = 0;                        // 1-based; 0 when unknown
  uint32_t column = 0;                      // 1-based; 0 when unknown

  std::string to_string() const {
    std::string s = file ? *file : std::string("<input>");
    if (line) s += ":" + std::to_string(line) + ":" + std::to_string(column);
    return s;
  }
};

class Value {
 public:
  using List = std::vector<Value>;
  // Keys keep their source order: output and error reports follow the file.
  using Map = std::vector<std::pair<std::string, Value>>;
  enum class Kind { Null, Bool, Int, Double, String, List, Map };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : data_(b) {}
  Value(int i) : data_(int64_t{i}) {}
  Value(int64_t i) : data_(i) {}
  Value(double d) : data_(d) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(List l) : data_(std::move(l)) {}
  Value(Map m) : data_(std::move(m)) {}

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_null() const { return kind() == Kind::Null; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_int() const { return kind() == Kind::Int; }
  bool is_double() const { return kind() == Kind::Double; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return kind() == Kind::String; }
  bool is_list() const { return kind() == Kind::List; }
  bool is_map() const { return kind() == Kind::Map; }

  // Typed access: nullopt / nullptr when the value has another kind.
  std::optional<bool> as_bool() const { return is_bool() ? std::optional(std::get<bool>(data_)) : std::nullopt; }
  std::optional<int64_t> as_int() const { return is_int() ? std::optional(std::get<int64_t>(data_)) : std::nullopt; }
  std::optional<double> as_double() const {
    if (is_double()) return std::get<double>(data_);
    if (is_int()) return static_cast<double>(std::get<int64_t>(data_));
    return std::nullopt;
  }
  const std::string* as_string() const { return std::get_if<std::string>(&data_); }
  const List* as_list() const { return std::get_if<List>(&data_); }
  const Map* as_map() const { return std::get_if<Map>(&data_); }
  List* as_list() { return std::get_if<List>(&data_); }
  Map* as_map() { return std::get_if<Map>(&data_); }

  // Map lookup; nullptr when absent or when this is not a map.
  const Value* find(std::string_view key) const {
    if (const Map* m = as_map())
      for (const auto& [k, v] : *m)
        if (k == key) return &v;
    return nullptr;
  }
  // Inserts or replaces a map entry (turns a null value into a map).
  Value& set(std::string key, Value v) {
    if (is_null()) data_ = Map{};
    Map& m = std::get<Map>(data_);
    for (auto& [k, existing] : m)
      if (k == key) return existing = std::move(v);
    m.emplace_back(std::move(key), std::move(v));
    return m.back().second;
  }

  static const char* kind_name(Kind k) {
    switch (k) {
      case Kind::Null:
        return "null";
      case Kind::Bool:
        return "boolean";
      case Kind::Int:
        return "integer";
      case Kind::Double:
        return "float";
      case Kind::String:
        return "string";
      case Kind::List:
        return "array";
      case Kind::Map:
        return "table";
    }
    return "?";
  }
  const char* kind_name() const { return kind_name(kind()); }

  const SourceMark& mark() const { return mark_; }
  void set_mark(SourceMark m) { mark_ = std::move(m); }

  // Structural equality; source marks are ignored.
  friend bool operator==(const Value& a, const Value& b) { return a.data_ == b.data_; }

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, List, Map> data_;
  SourceMark mark_;
};

}  // namespace kgw::sdk
