// Reads conf/kgw.toml-style files into Config, collecting every error with file, line, column and
// the dotted key, so a user fixes the file in one pass.
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <utility>

#include "config/config.h"

namespace kgw::config {
namespace {

namespace fs = std::filesystem;
using Keys = std::initializer_list<std::string_view>;

// ---- key paths and messages ----

bool is_bare_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

std::string quote_text(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
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
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string join_key(std::string_view parent, std::string_view key) {
  std::string k = is_bare_key(key) ? std::string(key) : quote_text(key);
  return parent.empty() ? k : std::string(parent) + "." + k;
}

std::string join_index(std::string_view parent, size_t i) {
  return std::string(parent) + "[" + std::to_string(i) + "]";
}

std::string type_phrase(toml::node_type t) {
  switch (t) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
  }
  return "a value";
}

std::string one_of(const std::vector<std::string_view>& allowed) {
  std::string out;
  for (auto a : allowed) out += (out.empty() ? "" : ", ") + std::string(a);
  return out;
}

// Optimal string alignment distance: a swapped pair of letters counts as one edit.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

bool before(const toml::source_position& a, const toml::source_position& b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

// A table's entries in file order (toml::table keeps them sorted by key).
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> out;
  for (const auto& [k, v] : t) out.emplace_back(&k, &v);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return before(a.first->source().begin, b.first->source().begin);
  });
  return out;
}

sdk::SourceMark mark_of(const toml::node& n) {
  const auto& src = n.source();
  return sdk::SourceMark{src.path, src.begin.line, src.begin.column};
}

// ---- plugin config tables to sdk::Value ----

template <typename T>
std::string to_text(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

sdk::Value to_value(const toml::node& n) {
  sdk::Value v;
  switch (n.type()) {
    case toml::node_type::table: {
      sdk::Value::Map m;
      for (const auto& [k, child] : in_file_order(*n.as_table()))
        m.emplace_back(std::string(k->str()), to_value(*child));
      v = sdk::Value(std::move(m));
      break;
    }
    case toml::node_type::array: {
      sdk::Value::List l;
      for (const auto& child : *n.as_array()) l.push_back(to_value(child));
      v = sdk::Value(std::move(l));
      break;
    }
    case toml::node_type::string:
      v = sdk::Value(n.as_string()->get());
      break;
    case toml::node_type::integer:
      v = sdk::Value(n.as_integer()->get());
      break;
    case toml::node_type::floating_point:
      v = sdk::Value(n.as_floating_point()->get());
      break;
    case toml::node_type::boolean:
      v = sdk::Value(n.as_boolean()->get());
      break;
    // The SDK tree has no date types: dates and times reach plugins as their TOML text.
    case toml::node_type::date:
      v = sdk::Value(to_text(n.as_date()->get()));
      break;
    case toml::node_type::time:
      v = sdk::Value(to_text(n.as_time()->get()));
      break;
    case toml::node_type::date_time:
      v = sdk::Value(to_text(n.as_date_time()->get()));
      break;
    case toml::node_type::none:
      break;
  }
  v.set_mark(mark_of(n));
  return v;
}

// ---- the loader ----

class Loader {
 public:
  Loader(std::string file, fs::path base) : file_(std::move(file)), base_(std::move(base)) {}

  void error(const toml::source_region& at, std::string key, std::string message) {
    errors_.push_back({file_, at.begin.line, at.begin.column, std::move(key), std::move(message)});
  }
  bool failed() const { return !errors_.empty(); }
  std::vector<ConfigError> take_errors() {
    std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    return std::move(errors_);
  }

  fs::path resolve(const std::string& p) const {
    fs::path path(p);
    if (path.is_absolute() || base_.empty()) return path.lexically_normal();
    return (base_ / path).lexically_normal();
  }

  void read(const toml::table& root, Config& out);

 private:
  void read_server(const toml::table& t, ServerConfig& out);
  void read_log(const toml::table& t, const std::string& path, LogConfig& out);
  void read_components(const toml::table& t, const std::string& path, const std::string& prefix, LogConfig& out);
  void read_source(const toml::table& t, SourceConfig& out);
  void read_plugins(const toml::node& n, std::vector<PluginConfig>& out);
  void read_translation(const toml::table& t, TranslationSettings& out);

  std::string file_;
  fs::path base_;
  std::vector<ConfigError> errors_;
};

// Reads one table of a fixed schema: typed getters report wrong types, finish() reports keys
// outside the schema.
class TableReader {
 public:
  TableReader(Loader& loader, const toml::table& table, std::string path, Keys keys)
      : loader_(loader), table_(table), path_(std::move(path)), keys_(keys) {}

  std::string path(std::string_view key) const { return join_key(path_, key); }
  const toml::node* node(std::string_view key) const { return table_.get(key); }

  void missing(std::string_view key, const char* what = "key") {
    loader_.error(table_.source(), path(key), std::string("missing required ") + what);
  }
  void wrong_type(std::string_view key, const toml::node& n, const char* expected) {
    loader_.error(n.source(), path(key), std::string("expected ") + expected + ", got " + type_phrase(n.type()));
  }

  std::optional<std::string> string(std::string_view key, bool required = false) {
    const toml::node* n = node(key);
    if (!n) {
      if (required) missing(key);
      return std::nullopt;
    }
    if (const auto* s = n->as_string()) return s->get();
    wrong_type(key, *n, "a string");
    return std::nullopt;
  }

  // A string that must not be empty.
  std::optional<std::string> nonempty_string(std::string_view key, bool required = false) {
    auto s = string(key, required);
    if (s && s->empty()) {
      loader_.error(node(key)->source(), path(key), "must not be empty");
      return std::nullopt;
    }
    return s;
  }

  std::optional<bool> boolean(std::string_view key) {
    const toml::node* n = node(key);
    if (!n) return std::nullopt;
    if (const auto* b = n->as_boolean()) return b->get();
    wrong_type(key, *n, "a boolean");
    return std::nullopt;
  }

  std::optional<uint16_t> port(std::string_view key) {
    const toml::node* n = node(key);
    if (!n) return std::nullopt;
    const auto* i = n->as_integer();
    if (!i) {
      wrong_type(key, *n, "an integer");
      return std::nullopt;
    }
    if (i->get() < 1 || i->get() > 65535) {
      loader_.error(n->source(), path(key), "port " + std::to_string(i->get()) + " is out of range (1-65535)");
      return std::nullopt;
    }
    return static_cast<uint16_t>(i->get());
  }

  // An integer within [min, max].
  std::optional<int64_t> integer_in(std::string_view key, int64_t min, int64_t max) {
    const toml::node* n = node(key);
    if (!n) return std::nullopt;
    const auto* i = n->as_integer();
    if (!i) {
      wrong_type(key, *n, "an integer");
      return std::nullopt;
    }
    if (i->get() < min || i->get() > max) {
      loader_.error(
          n->source(), path(key),
          std::to_string(i->get()) + " is out of range (" + std::to_string(min) + "-" + std::to_string(max) + ")");
      return std::nullopt;
    }
    return i->get();
  }

  // A string from a fixed set; returns its index in `allowed`.
  std::optional<size_t> choice(std::string_view key, const std::vector<std::string_view>& allowed) {
    auto s = string(key);
    if (!s) return std::nullopt;
    return check_choice(*node(key), path(key), *s, allowed);
  }

  std::optional<size_t> check_choice(const toml::node& n, const std::string& key_path, const std::string& value,
                                     const std::vector<std::string_view>& allowed) {
    for (size_t i = 0; i < allowed.size(); ++i)
      if (allowed[i] == value) return i;
    loader_.error(n.source(), key_path,
                  "invalid value " + quote_text(value) + " (expected one of: " + one_of(allowed) + ")");
    return std::nullopt;
  }

  const toml::table* table(std::string_view key, bool required = false) {
    const toml::node* n = node(key);
    if (!n) {
      if (required) missing(key, "table");
      return nullptr;
    }
    if (const auto* t = n->as_table()) return t;
    wrong_type(key, *n, "a table");
    return nullptr;
  }

  const toml::array* array(std::string_view key, bool required = false) {
    const toml::node* n = node(key);
    if (!n) {
      if (required) missing(key);
      return nullptr;
    }
    if (const auto* a = n->as_array()) return a;
    wrong_type(key, *n, "an array");
    return nullptr;
  }

  void finish() {
    for (const auto& [k, v] : table_) {
      if (std::find(keys_.begin(), keys_.end(), k.str()) != keys_.end()) continue;
      std::string message = "unknown key";
      std::string_view best;
      // Suggest only close matches: one edit for short keys, two for longer ones.
      size_t best_distance = k.str().size() <= 4 ? 2 : 3;
      for (auto known : keys_) {
        size_t d = edit_distance(k.str(), known);
        if (d < best_distance) best_distance = d, best = known;
      }
      if (!best.empty()) message += " (did you mean " + quote_text(best) + "?)";
      loader_.error(k.source(), path(k.str()), std::move(message));
    }
  }

 private:
  Loader& loader_;
  const toml::table& table_;
  std::string path_;
  std::vector<std::string_view> keys_;
};

const std::vector<std::string_view> kLogLevels = {"trace", "debug", "info", "warn", "error", "off"};
const std::vector<std::string_view> kLogFormats = {"text", "json"};
const std::vector<std::string_view> kValidationModes = {"standard", "strict"};
const std::vector<std::string_view> kReferenceGrantModes = {"standard", "strict", "off"};
const std::vector<std::string_view> kMergeStrategies = {"ShallowMerge", "DeepMerge"};

void Loader::read(const toml::table& root, Config& out) {
  TableReader r(*this, root, "", {"server", "source", "plugins", "translation"});
  if (const auto* t = r.table("server")) read_server(*t, out.server);
  if (const auto* t = r.table("source", /*required=*/true)) read_source(*t, out.source);
  if (const auto* n = r.node("plugins")) read_plugins(*n, out.plugins);
  if (const auto* t = r.table("translation")) read_translation(*t, out.translation);
  r.finish();
}

void Loader::read_server(const toml::table& t, ServerConfig& out) {
  TableReader r(
      *this, t, "server",
      {"xds_address", "xds_port", "agentgateway", "agentgateway_xds_port", "admin_address", "admin_port", "log"});
  if (auto v = r.nonempty_string("xds_address")) out.xds_address = *v;
  if (auto v = r.port("xds_port")) out.xds_port = *v;
  if (auto v = r.boolean("agentgateway")) out.agentgateway = *v;
  if (auto v = r.port("agentgateway_xds_port")) out.agentgateway_xds_port = *v;
  if (out.agentgateway && out.agentgateway_xds_port == out.xds_port) {
    const auto* at = t.get("agentgateway_xds_port");
    error(at ? at->source() : t.source(), r.path("agentgateway_xds_port"),
          "must differ from server.xds_port (" + std::to_string(out.xds_port) + ")");
  }
  if (auto v = r.nonempty_string("admin_address")) out.admin_address = *v;
  if (auto v = r.port("admin_port")) out.admin_port = *v;
  if (const auto* log = r.table("log")) read_log(*log, r.path("log"), out.log);
  r.finish();
}

void Loader::read_log(const toml::table& t, const std::string& path, LogConfig& out) {
  TableReader r(*this, t, path, {"level", "format", "components"});
  if (auto i = r.choice("level", kLogLevels)) out.level = kLogLevels[*i];
  if (auto i = r.choice("format", kLogFormats)) out.format = kLogFormats[*i];
  if (const auto* components = r.table("components")) read_components(*components, r.path("components"), "", out);
  r.finish();
}

// Component names are dotted ("plugin.filters"); TOML turns an unquoted dotted key into nested
// tables, so those are flattened back.
void Loader::read_components(const toml::table& t, const std::string& path, const std::string& prefix, LogConfig& out) {
  TableReader c(*this, t, path, {});
  for (const auto& [k, v] : in_file_order(t)) {
    std::string name = prefix + std::string(k->str());
    if (const auto* nested = v->as_table()) {
      read_components(*nested, c.path(k->str()), name + ".", out);
    } else if (!v->is_string()) {
      c.wrong_type(k->str(), *v, "a string");
    } else if (auto i = c.check_choice(*v, c.path(k->str()), v->as_string()->get(), kLogLevels)) {
      out.components[name] = kLogLevels[*i];
    }
  }
}

void Loader::read_source(const toml::table& t, SourceConfig& out) {
  TableReader r(*this, t, "source", {"kind", "paths", "status_dir", "debounce_ms"});
  if (auto kind = r.string("kind", /*required=*/true)) {
    if (*kind == "etcd") {
      // Reserved so that files written for it fail clearly rather than as an unknown value.
      error(r.node("kind")->source(), r.path("kind"), "source kind \"etcd\" is not supported yet (only \"dir\" is)");
      return;
    }
    if (*kind != "dir") {
      error(r.node("kind")->source(), r.path("kind"), "invalid value " + quote_text(*kind) + " (expected one of: dir)");
      return;  // the other keys depend on the kind
    }
    out.kind = *kind;
  }
  if (const auto* paths = r.array("paths", /*required=*/true)) {
    if (paths->empty()) error(paths->source(), r.path("paths"), "must name at least one path");
    for (size_t i = 0; i < paths->size(); ++i) {
      const toml::node& p = *paths->get(i);
      std::string key = join_index(r.path("paths"), i);
      if (!p.is_string()) {
        error(p.source(), key, "expected a string, got " + type_phrase(p.type()));
      } else if (p.as_string()->get().empty()) {
        error(p.source(), key, "must not be empty");
      } else {
        out.paths.push_back(resolve(p.as_string()->get()));
      }
    }
  }
  if (auto dir = r.nonempty_string("status_dir")) out.status_dir = resolve(*dir);
  if (auto ms = r.integer_in("debounce_ms", 0, 10000)) out.debounce_ms = static_cast<int>(*ms);
  r.finish();
}

bool is_valid_plugin_name(std::string_view name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

void Loader::read_plugins(const toml::node& n, std::vector<PluginConfig>& out) {
  const auto* entries = n.as_array();
  if (!entries) {
    error(n.source(), "plugins", "expected an array of tables, got " + type_phrase(n.type()));
    return;
  }
  std::map<std::string, toml::source_position> seen;  // name -> where it was first given
  for (size_t i = 0; i < entries->size(); ++i) {
    const toml::node& entry = *entries->get(i);
    std::string path = join_index("plugins", i);
    const auto* t = entry.as_table();
    if (!t) {
      error(entry.source(), path, "expected a table, got " + type_phrase(entry.type()));
      continue;
    }
    PluginConfig plugin;
    plugin.mark = mark_of(*t);
    TableReader r(*this, *t, path, {"name", "path", "enabled", "required", "config"});
    if (auto name = r.string("name", /*required=*/true)) {
      const toml::node& at = *r.node("name");
      if (!is_valid_plugin_name(*name)) {
        error(at.source(), r.path("name"),
              "invalid plugin name " + quote_text(*name) +
                  " (letters, digits, '.', '_' and '-', starting with a letter or digit)");
      } else if (auto [it, inserted] = seen.emplace(*name, at.source().begin); !inserted) {
        error(at.source(), r.path("name"),
              "duplicate plugin name " + quote_text(*name) + " (first given at line " +
                  std::to_string(it->second.line) + ")");
      }
      plugin.name = *name;
    }
    if (auto p = r.nonempty_string("path")) plugin.path = resolve(*p);
    if (auto v = r.boolean("enabled")) plugin.enabled = *v;
    if (auto v = r.boolean("required")) plugin.required = *v;
    if (const auto* config = r.table("config")) {
      plugin.config = to_value(*config);
    } else {
      plugin.config = sdk::Value(sdk::Value::Map{});
      plugin.config.set_mark(plugin.mark);
    }
    r.finish();
    out.push_back(std::move(plugin));
  }
}

void Loader::read_translation(const toml::table& t, TranslationSettings& out) {
  TableReader r(*this, t, "translation",
                {"validation_mode", "reference_grant_mode", "policy_merge", "global_policy_namespace",
                 "enable_route_source_metadata", "weighted_route_precedence"});
  if (auto i = r.choice("validation_mode", kValidationModes)) out.validation_mode = static_cast<ValidationMode>(*i);
  if (auto i = r.choice("reference_grant_mode", kReferenceGrantModes))
    out.reference_grant_mode = static_cast<ReferenceGrantMode>(*i);
  if (const auto* merge = r.table("policy_merge")) {
    TableReader kinds(*this, *merge, r.path("policy_merge"), {});
    for (const auto& [kind_key, kind_node] : in_file_order(*merge)) {
      std::string kind(kind_key->str());
      const auto* fields = kind_node->as_table();
      if (!fields) {
        kinds.wrong_type(kind, *kind_node, "a table");
        continue;
      }
      TableReader f(*this, *fields, kinds.path(kind), {});
      auto& strategies = out.policy_merge[kind];
      for (const auto& [field_key, strategy] : in_file_order(*fields)) {
        std::string field(field_key->str());
        if (!strategy->is_string()) {
          f.wrong_type(field, *strategy, "a string");
          continue;
        }
        if (auto i = f.check_choice(*strategy, f.path(field), strategy->as_string()->get(), kMergeStrategies))
          strategies[field] = static_cast<MergeStrategy>(*i);
      }
    }
  }
  if (auto v = r.string("global_policy_namespace")) out.global_policy_namespace = *v;
  if (auto v = r.boolean("enable_route_source_metadata")) out.enable_route_source_metadata = *v;
  if (auto v = r.boolean("weighted_route_precedence")) out.weighted_route_precedence = *v;
  r.finish();
}

LoadResult file_error(const fs::path& file, std::string message) {
  LoadResult result;
  result.errors.push_back({file.string(), 0, 0, "", std::move(message)});
  return result;
}

// ---- `--set KEY=VALUE` ----

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Go-style literals as the reference cases write them: "interpreted", `raw`, or bare.
std::optional<std::string> unquote(std::string_view raw, std::string& error) {
  if (raw.empty() || (raw.front() != '"' && raw.front() != '`')) return std::string(raw);
  char q = raw.front();
  if (raw.size() < 2 || raw.back() != q) {
    error = "unterminated quoted value";
    return std::nullopt;
  }
  std::string_view body = raw.substr(1, raw.size() - 2);
  if (q == '`') return std::string(body);
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      out += body[i];
      continue;
    }
    if (++i == body.size()) {
      error = "unterminated quoted value";
      return std::nullopt;
    }
    switch (body[i]) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      default:
        error = std::string("unsupported escape \\") + body[i] + " in quoted value";
        return std::nullopt;
    }
  }
  return out;
}

// Just enough JSON for PolicyMerge: an object of objects of strings.
class PolicyMergeParser {
 public:
  explicit PolicyMergeParser(std::string_view text) : s_(text) {}

  std::optional<std::map<std::string, std::map<std::string, MergeStrategy>>> parse(std::string& error) {
    std::map<std::string, std::map<std::string, MergeStrategy>> out;
    bool ok = object([&](const std::string& kind) {
      auto& fields = out[kind];
      if (peek() != '{') return fail(kind + ": expected an object of field -> merge strategy");
      return object([&](const std::string& field) {
        if (peek() != '"') return fail(kind + "." + field + ": expected a merge strategy string");
        auto strategy = string();
        if (!strategy) return false;
        for (size_t i = 0; i < kMergeStrategies.size(); ++i)
          if (kMergeStrategies[i] == *strategy) {
            fields[field] = static_cast<MergeStrategy>(i);
            return true;
          }
        return fail(kind + "." + field + ": invalid merge strategy " + quote_text(*strategy) +
                    " (expected one of: " + one_of(kMergeStrategies) + ")");
      });
    });
    skip_space();
    if (ok && i_ != s_.size()) ok = syntax("end of input");
    if (!ok) {
      error = error_;
      return std::nullopt;
    }
    return out;
  }

 private:
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  char peek() {
    skip_space();
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  bool syntax(std::string_view expected) {
    std::string saw = i_ < s_.size() ? "'" + std::string(1, s_[i_]) + "'" : "end of input";
    return fail("invalid JSON at offset " + std::to_string(i_) + ": expected " + std::string(expected) + ", saw " +
                saw);
  }
  bool expect(char c) {
    if (peek() != c) return syntax(std::string("'") + c + "'");
    ++i_;
    return true;
  }

  // Calls member(key) with the position at the member's value; member consumes the value.
  template <typename F>
  bool object(F member) {
    if (!expect('{')) return false;
    if (peek() == '}') return ++i_, true;
    while (true) {
      if (peek() != '"') return syntax("'\"'");
      auto key = string();
      if (!key || !expect(':') || !member(*key)) return false;
      if (peek() == ',') {
        ++i_;
        continue;
      }
      return expect('}');
    }
  }

  std::optional<std::string> string() {
    ++i_;  // the opening quote, checked by the caller
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ == s_.size()) break;
      switch (char e = s_[i_++]) {
        case '"':
        case '\\':
        case '/':
          out += e;
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
        default:  // \u escapes have no use in policy kinds and field names
          --i_;
          syntax("a simple escape");
          return std::nullopt;
      }
    }
    if (i_ == s_.size()) {
      syntax("'\"'");
      return std::nullopt;
    }
    ++i_;
    return out;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string error_;
};

struct EnumSpelling {
  std::string_view toml;  // as in the TOML file
  std::string_view go;    // as the reference cases write it, after "apisettings."
};
const EnumSpelling kValidationSpellings[] = {{"standard", "ValidationStandard"}, {"strict", "ValidationStrict"}};
const EnumSpelling kReferenceGrantSpellings[] = {
    {"standard", "ReferenceGrantStandard"}, {"strict", "ReferenceGrantStrict"}, {"off", "ReferenceGrantOff"}};

template <size_t N>
std::optional<size_t> parse_enum(std::string_view value, const EnumSpelling (&spellings)[N], std::string& error) {
  std::string_view name = value;
  if (name.starts_with("apisettings.")) name.remove_prefix(std::string_view("apisettings.").size());
  for (size_t i = 0; i < N; ++i)
    if (name == spellings[i].go || value == spellings[i].toml) return i;
  error = "invalid value " + quote_text(value) + " (expected one of: ";
  for (size_t i = 0; i < N; ++i) error += (i ? ", apisettings." : "apisettings.") + std::string(spellings[i].go);
  error += ")";
  return std::nullopt;
}

std::optional<bool> parse_bool(std::string_view value, std::string& error) {
  if (value == "true") return true;
  if (value == "false") return false;
  error = "invalid value " + quote_text(value) + " (expected true or false)";
  return std::nullopt;
}

enum class Setting {
  ValidationMode,
  ReferenceGrantMode,
  PolicyMerge,
  GlobalPolicyNamespace,
  EnableRouteSourceMetadata,
  WeightedRoutePrecedence,
};
struct SettingName {
  std::string_view name;      // as `--set` and the reference cases write it
  std::string_view toml_key;  // in [translation]
  Setting setting;
};
const SettingName kSettings[] = {
    {"ValidationMode", "validation_mode", Setting::ValidationMode},
    {"ReferenceGrantMode", "reference_grant_mode", Setting::ReferenceGrantMode},
    {"PolicyMerge", "policy_merge", Setting::PolicyMerge},
    {"GlobalPolicyNamespace", "global_policy_namespace", Setting::GlobalPolicyNamespace},
    {"EnableRouteSourceMetadata", "enable_route_source_metadata", Setting::EnableRouteSourceMetadata},
    {"WeightedRoutePrecedence", "weighted_route_precedence", Setting::WeightedRoutePrecedence},
};

}  // namespace

const char* to_string(ValidationMode mode) { return kValidationModes[static_cast<size_t>(mode)].data(); }
const char* to_string(ReferenceGrantMode mode) { return kReferenceGrantModes[static_cast<size_t>(mode)].data(); }
const char* to_string(MergeStrategy strategy) { return kMergeStrategies[static_cast<size_t>(strategy)].data(); }

sdk::Status apply_setting(TranslationSettings& settings, std::string_view assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string_view::npos) return sdk::Status::error("expected KEY=VALUE, got " + quote_text(assignment));
  std::string_view key = trim(assignment.substr(0, eq));
  const SettingName* setting = nullptr;
  for (const auto& s : kSettings)
    if (key == s.name || key == s.toml_key) setting = &s;
  if (!setting) {
    std::string known;
    for (const auto& s : kSettings) known += (known.empty() ? "" : ", ") + std::string(s.name);
    return sdk::Status::error("unknown setting (known: " + known + ")", std::string(key));
  }
  std::string error;
  auto value = unquote(trim(assignment.substr(eq + 1)), error);
  if (value) {
    switch (setting->setting) {
      case Setting::ValidationMode:
        if (auto i = parse_enum(*value, kValidationSpellings, error))
          settings.validation_mode = static_cast<ValidationMode>(*i);
        break;
      case Setting::ReferenceGrantMode:
        if (auto i = parse_enum(*value, kReferenceGrantSpellings, error))
          settings.reference_grant_mode = static_cast<ReferenceGrantMode>(*i);
        break;
      case Setting::PolicyMerge:
        if (auto merge = PolicyMergeParser(*value).parse(error)) settings.policy_merge = *merge;
        break;
      case Setting::GlobalPolicyNamespace:
        settings.global_policy_namespace = *value;
        break;
      case Setting::EnableRouteSourceMetadata:
        if (auto b = parse_bool(*value, error)) settings.enable_route_source_metadata = *b;
        break;
      case Setting::WeightedRoutePrecedence:
        if (auto b = parse_bool(*value, error)) settings.weighted_route_precedence = *b;
        break;
    }
  }
  if (!error.empty()) return sdk::Status::error(std::move(error), std::string(setting->name));
  return sdk::Status::ok();
}

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

LoadResult load_config_string(std::string_view text, const fs::path& file) {
  std::string name = file.string();
  toml::table root;
#if TOML_EXCEPTIONS
  try {
    root = toml::parse(text, std::string(name));
  } catch (const toml::parse_error& e) {
    LoadResult result;
    result.errors.push_back({name, e.source().begin.line, e.source().begin.column, "", std::string(e.description())});
    return result;
  }
#else
  toml::parse_result parsed = toml::parse(text, std::string(name));
  if (!parsed) {
    const auto& e = parsed.error();
    LoadResult result;
    result.errors.push_back({name, e.source().begin.line, e.source().begin.column, "", std::string(e.description())});
    return result;
  }
  root = std::move(parsed).table();
#endif

  Loader loader(name, file.parent_path());
  Config config;
  config.file = file;
  loader.read(root, config);
  LoadResult result;
  if (loader.failed())
    result.errors = loader.take_errors();
  else
    result.config = std::move(config);
  return result;
}

LoadResult load_config_file(const fs::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) return file_error(file, "cannot read the file: it is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) return file_error(file, std::string("cannot read the file: ") + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return file_error(file, std::string("cannot read the file: ") + std::strerror(errno));
  return load_config_string(text, file);
}

sdk::SourceMark locate(const sdk::Value& root, std::string_view path) {
  const sdk::Value* node = &root;
  sdk::SourceMark best = root.mark();
  size_t i = 0;
  auto descend = [&](const sdk::Value* next) {
    node = next;
    if (node && node->mark().line) best = node->mark();
    return node != nullptr;
  };
  while (i < path.size()) {
    if (path[i] == '.') ++i;
    if (i < path.size() && path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string_view::npos) break;
      std::string_view inside = path.substr(i + 1, close - i - 1);
      i = close + 1;
      if (inside.size() >= 2 && inside.front() == '"' && inside.back() == '"') {
        if (!descend(node->find(inside.substr(1, inside.size() - 2)))) break;
        continue;
      }
      const auto* list = node->as_list();
      size_t index = 0;
      bool digits = !inside.empty();
      for (char c : inside) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
          digits = false;
        else
          index = index * 10 + static_cast<size_t>(c - '0');
      }
      if (!list || !digits || index >= list->size() || !descend(&(*list)[index])) break;
      continue;
    }
    std::string key;
    if (i < path.size() && path[i] == '"') {
      size_t close = path.find('"', i + 1);
      if (close == std::string_view::npos) break;
      key = path.substr(i + 1, close - i - 1);
      i = close + 1;
    } else {
      size_t end = path.find_first_of(".[", i);
      if (end == std::string_view::npos) end = path.size();
      key = path.substr(i, end - i);
      i = end;
    }
    if (key.empty() || !descend(node->find(key))) break;
  }
  return best;
}

}  // namespace kgw::config
