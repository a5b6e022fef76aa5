#include "translator/golden_format.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "sources/yaml_scalar.h"

namespace kgw::translator {
namespace {

namespace pb = google::protobuf;
using sdk::Value;

constexpr const char* kStatuses = "Statuses";
// Longest value quoted in a difference line; whole listeners would drown the path.
constexpr size_t kMaxValueText = 240;

// ---------------------------------------------------------------------------------------------
// Scalars

bool is_digits(std::string_view s, std::string_view allowed) {
  return !s.empty() && s.find_first_not_of(allowed) == std::string_view::npos;
}

std::string_view strip_sign(std::string_view s) { return !s.empty() && (s[0] == '+' || s[0] == '-') ? s.substr(1) : s; }

// Integers beyond 64 bits stay strings of digits: protobuf's JSON parser accepts quoted
// numbers, so nothing is lost.
Value resolve_plain(const std::string& s) { return sources::resolve_plain_scalar(s, sources::Overflow::KeepText); }

// A string that a YAML reader would type as something else when written plain: core schema
// scalars, YAML 1.1 booleans and number forms (other readers still use 1.1), empty and
// multi-line strings (yaml-cpp's literal blocks do not keep the final line break exactly).
bool needs_quotes(const std::string& s) {
  if (s.empty() || s.find('\n') != std::string::npos || s.find('\r') != std::string::npos) return true;
  if (!resolve_plain(s).is_string()) return true;
  static const std::set<std::string> yaml11 = {"y",  "Y",  "yes", "Yes", "YES", "n",   "N",   "no",
                                               "No", "NO", "on",  "On",  "ON",  "off", "Off", "OFF"};
  if (yaml11.count(s)) return true;
  // Sexagesimal, binary, underscored and other number-like forms of YAML 1.1.
  std::string_view body = strip_sign(s);
  return !body.empty() && std::isdigit(static_cast<unsigned char>(body[0])) &&
         is_digits(body, "0123456789abcdefABCDEFxXoObB._:");
}

// Shortest text that reads back as the same double, always with a '.' or exponent so that a
// reader keeps it a float.
std::string format_double(double d) {
  if (std::isnan(d)) return ".nan";
  if (std::isinf(d)) return d < 0 ? "-.inf" : ".inf";
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, ec == std::errc() ? p : buf);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

// ---------------------------------------------------------------------------------------------
// JSON: a strict reader for protobuf's own output, and a writer.

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : s_(text) {}

  std::optional<Value> parse(std::string& error) {
    auto v = value();
    skip_ws();
    if (v && pos_ != s_.size()) fail("trailing characters");
    if (!error_.empty()) {
      error = error_ + " at offset " + std::to_string(pos_);
      return std::nullopt;
    }
    return v;
  }

 private:
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }
  bool eat(char c) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  std::optional<Value> value() {
    if (++depth_ > 200) {
      fail("nesting too deep");
      return std::nullopt;
    }
    skip_ws();
    std::optional<Value> out;
    if (pos_ >= s_.size()) {
      fail("unexpected end");
    } else if (s_[pos_] == '{') {
      ++pos_;
      Value::Map map;
      if (!eat('}')) {
        do {
          skip_ws();
          auto key = string();
          if (!key || !eat(':')) {
            fail("expected a key and ':'");
            break;
          }
          auto v = value();
          if (!v) break;
          map.emplace_back(std::move(*key), std::move(*v));
        } while (eat(','));
        if (error_.empty() && !eat('}')) fail("expected ',' or '}'");
      }
      if (error_.empty()) out = Value(std::move(map));
    } else if (s_[pos_] == '[') {
      ++pos_;
      Value::List list;
      if (!eat(']')) {
        do {
          auto v = value();
          if (!v) break;
          list.push_back(std::move(*v));
        } while (eat(','));
        if (error_.empty() && !eat(']')) fail("expected ',' or ']'");
      }
      if (error_.empty()) out = Value(std::move(list));
    } else if (s_[pos_] == '"') {
      if (auto str = string()) out = Value(std::move(*str));
    } else if (literal("true")) {
      out = Value(true);
    } else if (literal("false")) {
      out = Value(false);
    } else if (literal("null")) {
      out = Value();
    } else {
      out = number();
    }
    --depth_;
    return out;
  }

  std::optional<Value> number() {
    size_t start = pos_;
    bool is_float = false;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        is_float = true;
      } else if (!std::isdigit(static_cast<unsigned char>(c))) {
        break;
      }
      ++pos_;
    }
    std::string_view text = s_.substr(start, pos_ - start);
    if (text.empty() || text == "-") {
      fail("unexpected character");
      return std::nullopt;
    }
    if (!is_float) {
      int64_t i = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
      if (ec == std::errc() && p == text.data() + text.size()) return Value(i);
      return Value(std::string(text));  // beyond 64 bits: keep the digits
    }
    double d = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec != std::errc() || p != text.data() + text.size()) {
      fail("bad number");
      return std::nullopt;
    }
    return Value(d);
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::optional<uint32_t> hex4() {
    if (pos_ + 4 > s_.size()) return std::nullopt;
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, v, 16);
    if (ec != std::errc() || p != s_.data() + pos_ + 4) return std::nullopt;
    pos_ += 4;
    return v;
  }

  std::optional<std::string> string() {
    if (pos_ >= s_.size() || s_[pos_] != '"') {
      fail("expected a string");
      return std::nullopt;
    }
    ++pos_;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          auto cp = hex4();
          if (!cp) {
            fail("bad \\u escape");
            return std::nullopt;
          }
          if (*cp >= 0xD800 && *cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            auto low = hex4();
            if (!low || *low < 0xDC00 || *low > 0xDFFF) {
              fail("bad surrogate pair");
              return std::nullopt;
            }
            *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
          }
          append_utf8(out, *cp);
          break;
        }
        default:
          fail("bad escape");
          return std::nullopt;
      }
    }
    if (pos_ >= s_.size()) {
      fail("unterminated string");
      return std::nullopt;
    }
    ++pos_;
    return out;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::string error_;
};

void write_json_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// Map entries in key order (sorted) or as given.
std::vector<const std::pair<std::string, Value>*> entries(const Value::Map& map, bool sorted) {
  std::vector<const std::pair<std::string, Value>*> out;
  out.reserve(map.size());
  for (const auto& e : map) out.push_back(&e);
  if (sorted) std::stable_sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->first < b->first; });
  return out;
}

// `indent` < 0: compact.
void write_json(std::string& out, const Value& v, bool sorted, int indent, int level = 0) {
  auto newline = [&](int lvl) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent * lvl), ' ');
  };
  switch (v.kind()) {
    case Value::Kind::Null:
      out += "null";
      break;
    case Value::Kind::Bool:
      out += *v.as_bool() ? "true" : "false";
      break;
    case Value::Kind::Int:
      out += std::to_string(*v.as_int());
      break;
    case Value::Kind::Double: {
      double d = *v.as_double();
      // JSON has no infinities or NaN; protobuf's JSON mapping spells them as strings.
      if (std::isnan(d))
        out += "\"NaN\"";
      else if (std::isinf(d))
        out += d < 0 ? "\"-Infinity\"" : "\"Infinity\"";
      else
        out += format_double(d);
      break;
    }
    case Value::Kind::String:
      write_json_string(out, *v.as_string());
      break;
    case Value::Kind::List: {
      const auto& list = *v.as_list();
      out += '[';
      for (size_t i = 0; i < list.size(); ++i) {
        if (i) out += ',';
        newline(level + 1);
        write_json(out, list[i], sorted, indent, level + 1);
      }
      if (!list.empty()) newline(level);
      out += ']';
      break;
    }
    case Value::Kind::Map: {
      auto es = entries(*v.as_map(), sorted);
      out += '{';
      for (size_t i = 0; i < es.size(); ++i) {
        if (i) out += ',';
        newline(level + 1);
        write_json_string(out, es[i]->first);
        out += indent < 0 ? ":" : ": ";
        write_json(out, es[i]->second, sorted, indent, level + 1);
      }
      if (!es.empty()) newline(level);
      out += '}';
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// YAML

void emit_scalar_string(YAML::Emitter& out, const std::string& s) {
  if (needs_quotes(s))
    out << YAML::DoubleQuoted << s;
  else
    out << s;
}

void emit_yaml(YAML::Emitter& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Null:
      out << YAML::Null;
      break;
    case Value::Kind::Bool:
      out << *v.as_bool();
      break;
    case Value::Kind::Int:
      out << *v.as_int();
      break;
    case Value::Kind::Double:
      out << format_double(*v.as_double());
      break;
    case Value::Kind::String:
      emit_scalar_string(out, *v.as_string());
      break;
    case Value::Kind::List:
      // Empty collections in flow style: `ads: {}` as the reference goldens write it.
      if (v.as_list()->empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        break;
      }
      out << YAML::BeginSeq;
      for (const auto& item : *v.as_list()) emit_yaml(out, item);
      out << YAML::EndSeq;
      break;
    case Value::Kind::Map:
      if (v.as_map()->empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        break;
      }
      out << YAML::BeginMap;
      for (const auto* e : entries(*v.as_map(), true)) {
        out << YAML::Key;
        emit_scalar_string(out, e->first);
        out << YAML::Value;
        emit_yaml(out, e->second);
      }
      out << YAML::EndMap;
      break;
  }
}

// A yaml-cpp node as a Value: quoted and block scalars are strings, plain ones typed by the core
// schema. Keys that are not scalars are reported.
std::optional<Value> node_to_value(const YAML::Node& node, std::string& error, const std::string& path) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return Value();
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      if (tag == "?") return resolve_plain(node.Scalar());
      if (tag == "tag:yaml.org,2002:null") return Value();
      if (tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float")
        return resolve_plain(node.Scalar());
      return Value(node.Scalar());  // "!" (quoted, block) and !!str
    }
    case YAML::NodeType::Sequence: {
      Value::List list;
      size_t i = 0;
      for (const auto& item : node) {
        auto v = node_to_value(item, error, path + "[" + std::to_string(i++) + "]");
        if (!v) return std::nullopt;
        list.push_back(std::move(*v));
      }
      return Value(std::move(list));
    }
    case YAML::NodeType::Map: {
      Value::Map map;
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          error = (path.empty() ? "" : path + ": ") + "line " + std::to_string(kv.first.Mark().line + 1) +
                  ": mapping key is not a scalar";
          return std::nullopt;
        }
        std::string key = kv.first.Scalar();
        auto v = node_to_value(kv.second, error, path.empty() ? key : path + "." + key);
        if (!v) return std::nullopt;
        map.emplace_back(std::move(key), std::move(*v));
      }
      return Value(std::move(map));
    }
  }
  return Value();
}

// ---------------------------------------------------------------------------------------------
// Resources

pb::util::JsonPrintOptions print_options() {
  pb::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  options.always_print_primitive_fields = false;
  options.add_whitespace = false;
  return options;
}

std::optional<std::string> to_json(const pb::Message& message, std::string& error) {
  std::string json;
  auto status = pb::util::MessageToJsonString(message, &json, print_options());
  if (!status.ok()) {
    error = std::string(status.message());
    return std::nullopt;
  }
  return json;
}

Value message_to_value(const pb::Message& message, const std::string& name) {
  std::string error;
  if (auto json = to_json(message, error)) {
    if (auto v = JsonReader(*json).parse(error)) return *v;
  }
  // Only a message holding an Any of a type missing from the pool gets here: show it, do not drop it.
  Value::Map map;
  map.emplace_back("name", Value(name));
  map.emplace_back("renderError", Value(error));
  return Value(std::move(map));
}

const std::string& name_of(const envoy::config::endpoint::v3::ClusterLoadAssignment& m) { return m.cluster_name(); }
template <typename M>
const std::string& name_of(const M& m) {
  return m.name();
}

template <typename Resources>
void add_resources(Value& doc, const char* key, const Resources& resources) {
  if (resources.empty()) return;
  Value::List list;
  list.reserve(resources.size());
  for (const auto& r : resources) list.push_back(message_to_value(r, name_of(r)));
  doc.set(key, Value(std::move(list)));
}

Value document(const Output& output) {
  Value doc{Value::Map{}};
  add_resources(doc, "Clusters", output.clusters.get());
  add_resources(doc, "Endpoints", output.endpoints.get());
  add_resources(doc, "ExtraClusters", output.extra_clusters.get());
  add_resources(doc, "Listeners", output.listeners.get());
  add_resources(doc, "Routes", output.routes.get());
  Value statuses{Value::Map{}};
  for (const auto& [section, objects] : output.statuses) {
    if (objects.empty()) continue;
    Value::Map by_key;
    for (const auto& [key, status] : objects) by_key.emplace_back(key, status);
    statuses.set(section, Value(std::move(by_key)));
  }
  if (!statuses.as_map()->empty()) doc.set(kStatuses, std::move(statuses));
  return doc;
}

template <typename Resources>
void parse_resources(const YAML::Node& node, const std::string& section, const char* name_key, Resources& out,
                     std::vector<std::string>& errors) {
  using M = typename Resources::value_type;
  if (node.IsNull()) return;
  if (!node.IsSequence()) {
    errors.push_back(section + ": expected a list, line " + std::to_string(node.Mark().line + 1));
    return;
  }
  size_t index = 0;
  for (const auto& item : node) {
    std::string label = section + "[#" + std::to_string(index++) + "]";
    std::string error;
    auto value = node_to_value(item, error, "");
    if (value) {
      if (const Value* name = value->find(name_key); name && name->as_string())
        label = section + "[" + *name->as_string() + "]";
      if (!value->is_map()) error = "expected a mapping, line " + std::to_string(item.Mark().line + 1);
    }
    if (!error.empty()) {
      errors.push_back(label + ": " + error);
      continue;
    }
    std::string json;
    write_json(json, *value, false, -1);
    M message;
    pb::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    auto status = pb::util::JsonStringToMessage(json, &message, options);
    if (!status.ok()) {
      errors.push_back(label + ": " + std::string(status.message()));
      continue;
    }
    out.push_back(std::move(message));
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison of messages

std::string truncate(std::string s) {
  if (s.size() > kMaxValueText) {
    s.resize(kMaxValueText);
    s += "...";
  }
  return s;
}

std::string message_text(const pb::Message& m) {
  std::string error;
  if (auto json = to_json(m, error)) return truncate(*json);
  return truncate(m.ShortDebugString());
}

// Writes each difference MessageDifferencer finds as one line. Reports arrive in post-order: a
// message field that differs is reported after its own differences, so it is written only when
// none of them was (an Any whose types differ, which the differencer cannot descend into).
class LineReporter : public pb::util::MessageDifferencer::Reporter {
 public:
  using Path = std::vector<pb::util::MessageDifferencer::SpecificField>;

  LineReporter(std::string prefix, std::vector<std::string>& lines) : prefix_(std::move(prefix)), lines_(lines) {}

  void ReportAdded(const pb::Message&, const pb::Message& actual, const Path& path) override {
    emit("unexpected", path_text(path, false), value_text(actual, path.back(), false));
  }
  void ReportDeleted(const pb::Message& expected, const pb::Message&, const Path& path) override {
    emit("missing", path_text(path, true), value_text(expected, path.back(), true));
  }
  void ReportModified(const pb::Message& expected, const pb::Message& actual, const Path& path) override {
    std::string where = path_text(path, true);
    const auto* field = path.back().field;
    if (field && field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && under(last_path_, where)) return;
    emit("modified", where, value_text(expected, path.back(), true) + " -> " + value_text(actual, path.back(), false));
  }

 private:
  static bool under(const std::string& inner, const std::string& outer) {
    if (inner.size() < outer.size() || inner.compare(0, outer.size(), outer) != 0) return false;
    return inner.size() == outer.size() || inner[outer.size()] == '.' || inner[outer.size()] == '[';
  }

  void emit(const char* what, const std::string& path, const std::string& value) {
    last_path_ = path;
    lines_.push_back(prefix_ + ": " + what + ": " + path + ": " + value);
  }

  static std::string map_key(const pb::Message* entry) {
    if (!entry) return "?";
    const auto* key = entry->GetDescriptor()->map_key();
    std::string text;
    pb::TextFormat::PrintFieldValueToString(*entry, key, -1, &text);
    return text;
  }

  static std::string path_text(const Path& path, bool left) {
    std::string out;
    for (const auto& f : path) {
      if (!f.field) {
        if (!out.empty()) out += '.';
        out += std::to_string(f.unknown_field_number);
        continue;
      }
      // A map entry's value: the key in brackets already names it.
      if (f.field->containing_type()->options().map_entry() && f.field->name() == "value") continue;
      if (!out.empty()) out += '.';
      out += f.field->name();
      if (f.field->is_map()) {
        out += "[" +
               map_key(left ? (f.map_entry1 ? f.map_entry1 : f.map_entry2)
                            : (f.map_entry2 ? f.map_entry2 : f.map_entry1)) +
               "]";
      } else if (f.field->is_repeated()) {
        int index = left ? (f.index >= 0 ? f.index : f.new_index) : (f.new_index >= 0 ? f.new_index : f.index);
        out += "[" + std::to_string(index) + "]";
      }
    }
    return out;
  }

  static std::string value_text(const pb::Message& m, const pb::util::MessageDifferencer::SpecificField& f, bool left) {
    const auto* field = f.field;
    if (!field) return "(unknown field)";
    const auto* reflection = m.GetReflection();
    if (field->is_map()) {
      const pb::Message* entry = left ? f.map_entry1 : f.map_entry2;
      if (!entry) return "(none)";
      const auto* value_field = entry->GetDescriptor()->map_value();
      if (value_field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE)
        return message_text(entry->GetReflection()->GetMessage(*entry, value_field));
      std::string text;
      pb::TextFormat::PrintFieldValueToString(*entry, value_field, -1, &text);
      return truncate(text);
    }
    int index = -1;
    if (field->is_repeated()) {
      index = left ? (f.index >= 0 ? f.index : f.new_index) : (f.new_index >= 0 ? f.new_index : f.index);
      if (index < 0 || index >= reflection->FieldSize(m, field)) return "(none)";
    }
    if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE)
      return message_text(index >= 0 ? reflection->GetRepeatedMessage(m, field, index)
                                     : reflection->GetMessage(m, field));
    std::string text;
    pb::TextFormat::PrintFieldValueToString(m, field, index, &text);
    return truncate(text);
  }

  std::string prefix_;
  std::vector<std::string>& lines_;
  std::string last_path_;
};

template <typename Resources>
void compare_resources(const char* section, const Resources& actual, const Resources& expected,
                       std::vector<std::string>& lines) {
  using M = typename Resources::value_type;
  std::map<std::string, const M*> by_name_actual, by_name_expected;
  for (const auto& m : actual)
    if (!by_name_actual.emplace(name_of(m), &m).second)
      lines.push_back(std::string(section) + "[" + name_of(m) + "]: produced more than once");
  for (const auto& m : expected)
    if (!by_name_expected.emplace(name_of(m), &m).second)
      lines.push_back(std::string(section) + "[" + name_of(m) + "]: expected more than once");
  std::set<std::string> names;
  for (const auto& [n, _] : by_name_actual) names.insert(n);
  for (const auto& [n, _] : by_name_expected) names.insert(n);
  for (const auto& name : names) {
    std::string prefix = std::string(section) + "[" + name + "]";
    auto a = by_name_actual.find(name);
    auto e = by_name_expected.find(name);
    if (a == by_name_actual.end()) {
      lines.push_back(prefix + ": missing");
      continue;
    }
    if (e == by_name_expected.end()) {
      lines.push_back(prefix + ": unexpected");
      continue;
    }
    pb::util::MessageDifferencer differencer;
    differencer.set_message_field_comparison(pb::util::MessageDifferencer::EQUAL);
    differencer.set_repeated_field_comparison(pb::util::MessageDifferencer::AS_LIST);
    size_t before = lines.size();
    LineReporter reporter(prefix, lines);
    differencer.ReportDifferencesTo(&reporter);
    bool equal = differencer.Compare(*e->second, *a->second);
    if (!equal && lines.size() == before) lines.push_back(prefix + ": modified (no detail available)");
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison of statuses

std::string value_text(const Value& v) {
  std::string out;
  write_json(out, v, false, -1);
  return truncate(out);
}

bool is_empty(const Value* v) {
  if (!v || v->is_null()) return true;
  if (const auto* l = v->as_list()) return l->empty();
  if (const auto* m = v->as_map()) return m->empty();
  return false;
}

void compare_values(const Value* expected, const Value* actual, const std::string& prefix, const std::string& path,
                    std::vector<std::string>& lines) {
  auto line = [&](const std::string& what) { lines.push_back(prefix + ": " + what); };
  if (is_empty(expected) && is_empty(actual)) return;
  if (!actual || actual->is_null()) {
    line("missing: " + path + ": " + value_text(*expected));
    return;
  }
  if (!expected || expected->is_null()) {
    line("unexpected: " + path + ": " + value_text(*actual));
    return;
  }
  if (expected->is_map() && actual->is_map()) {
    std::vector<std::string> keys;
    for (const auto& [k, _] : *expected->as_map()) keys.push_back(k);
    for (const auto& [k, _] : *actual->as_map())
      if (!expected->find(k)) keys.push_back(k);
    for (const auto& k : keys) {
      if (k == "lastTransitionTime") continue;
      compare_values(expected->find(k), actual->find(k), prefix, path.empty() ? k : path + "." + k, lines);
    }
    return;
  }
  if (expected->is_list() && actual->is_list()) {
    const auto& e = *expected->as_list();
    const auto& a = *actual->as_list();
    for (size_t i = 0; i < std::max(e.size(), a.size()); ++i) {
      std::string at = path + "[" + std::to_string(i) + "]";
      if (i >= a.size())
        line("missing: " + at + ": " + value_text(e[i]));
      else if (i >= e.size())
        line("unexpected: " + at + ": " + value_text(a[i]));
      else
        compare_values(&e[i], &a[i], prefix, at, lines);
    }
    return;
  }
  bool equal = expected->is_number() && actual->is_number() ? *expected->as_double() == *actual->as_double()
                                                            : *expected == *actual;
  if (!equal)
    line("modified: " + (path.empty() ? std::string("(whole status)") : path) + ": " + value_text(*expected) + " -> " +
         value_text(*actual));
}

void compare_statuses(const Output& actual, const Output& expected, std::vector<std::string>& lines) {
  std::set<std::string> sections;
  for (const auto& [s, _] : actual.statuses) sections.insert(s);
  for (const auto& [s, _] : expected.statuses) sections.insert(s);
  static const std::map<std::string, SharedStatus> none;
  for (const auto& section : sections) {
    auto a_it = actual.statuses.find(section);
    auto e_it = expected.statuses.find(section);
    const auto& a = a_it == actual.statuses.end() ? none : a_it->second.get();
    const auto& e = e_it == expected.statuses.end() ? none : e_it->second.get();
    std::set<std::string> keys;
    for (const auto& [k, _] : a) keys.insert(k);
    for (const auto& [k, _] : e) keys.insert(k);
    for (const auto& key : keys) {
      std::string prefix = std::string(kStatuses) + "." + section + "[" + key + "]";
      auto ak = a.find(key);
      auto ek = e.find(key);
      if (ak == a.end())
        lines.push_back(prefix + ": missing");
      else if (ek == e.end())
        lines.push_back(prefix + ": unexpected");
      else
        compare_values(&ek->second.get(), &ak->second.get(), prefix, "", lines);
    }
  }
}

}  // namespace

std::string render_golden(const Output& output, Format format) {
  Value doc = document(output);
  if (format == Format::Json) {
    std::string out;
    write_json(out, doc, true, 2);
    out += '\n';
    return out;
  }
  return render_yaml(doc);
}

std::string render_yaml(const sdk::Value& value) {
  YAML::Emitter out;
  out.SetNullFormat(YAML::LowerNull);
  out.SetBoolFormat(YAML::TrueFalseBool);
  out.SetIndent(2);
  emit_yaml(out, value);
  std::string text = out.good() ? out.c_str() : "# rendering failed: " + out.GetLastError();
  text += '\n';
  return text;
}

Output parse_golden(std::string_view text, std::vector<std::string>& errors) {
  Output output;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    errors.push_back("line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1) +
                     ": " + e.msg);
    return output;
  }
  if (root.IsNull()) return output;
  if (!root.IsMap()) {
    errors.push_back("expected a mapping at the top level");
    return output;
  }
  for (const auto& kv : root) {
    std::string key = kv.first.Scalar();
    const YAML::Node& node = kv.second;
    if (key == "Clusters") {
      parse_resources(node, key, "name", output.clusters.mutate(), errors);
    } else if (key == "ExtraClusters") {
      parse_resources(node, key, "name", output.extra_clusters.mutate(), errors);
    } else if (key == "Listeners") {
      parse_resources(node, key, "name", output.listeners.mutate(), errors);
    } else if (key == "Routes") {
      parse_resources(node, key, "name", output.routes.mutate(), errors);
    } else if (key == "Endpoints") {
      parse_resources(node, key, "clusterName", output.endpoints.mutate(), errors);
    } else if (key == kStatuses) {
      if (node.IsNull()) continue;
      if (!node.IsMap()) {
        errors.push_back("Statuses: expected a mapping");
        continue;
      }
      for (const auto& section : node) {
        std::string name = section.first.Scalar();
        if (section.second.IsNull()) continue;
        if (!section.second.IsMap()) {
          errors.push_back("Statuses." + name + ": expected a mapping");
          continue;
        }
        auto& objects = output.statuses[name];
        for (const auto& object : section.second) {
          std::string error;
          std::string object_key = object.first.Scalar();
          auto value = node_to_value(object.second, error, "");
          if (!value)
            errors.push_back("Statuses." + name + "[" + object_key + "]: " + error);
          else
            objects[object_key] = std::move(*value);
        }
      }
    } else if (key == "Secrets") {
      // Output has no place for SDS secrets yet: say so rather than let a case pass without them.
      if (!node.IsNull() && node.size() > 0) errors.push_back("Secrets: not supported yet");
    } else {
      errors.push_back("unknown top-level key '" + key + "'");
    }
  }
  return output;
}

std::vector<std::string> compare_golden(const Output& actual, const Output& expected) {
  std::vector<std::string> lines;
  compare_resources("Clusters", actual.clusters.get(), expected.clusters.get(), lines);
  compare_resources("Endpoints", actual.endpoints.get(), expected.endpoints.get(), lines);
  compare_resources("ExtraClusters", actual.extra_clusters.get(), expected.extra_clusters.get(), lines);
  compare_resources("Listeners", actual.listeners.get(), expected.listeners.get(), lines);
  compare_resources("Routes", actual.routes.get(), expected.routes.get(), lines);
  compare_statuses(actual, expected, lines);
  return lines;
}

}  // namespace kgw::translator
