#include "sources/manifest_parser.h"

#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>
#include <unordered_map>

#include "sources/yaml_scalar.h"

namespace kgw::sources {
namespace {

using sdk::Value;

// Kubernetes objects are shallow; anything deeper is a cyclic alias (`&a [*a]`) or an attack.
constexpr int kMaxDepth = 256;

const char* yaml_kind_name(Value::Kind k) {
  switch (k) {
    case Value::Kind::Null:
      return "null";
    case Value::Kind::Bool:
      return "boolean";
    case Value::Kind::Int:
      return "integer";
    case Value::Kind::Double:
      return "float";
    case Value::Kind::String:
      return "string";
    case Value::Kind::List:
      return "sequence";
    case Value::Kind::Map:
      return "mapping";
  }
  return "?";
}

std::string join(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

// yaml-cpp quotes a character of the offending scalar in a few messages; a Secret's stringData
// could be that scalar, so only the fixed part of such a message is kept.
std::string safe_yaml_message(const std::string& msg) {
  for (const char* prefix : {YAML::ErrorMsg::INVALID_ESCAPE, YAML::ErrorMsg::INVALID_UNICODE}) {
    std::string_view p = prefix;
    if (msg.compare(0, p.size(), p) == 0) {
      while (!p.empty() && (p.back() == ' ' || p.back() == ':')) p.remove_suffix(1);
      return std::string(p);
    }
  }
  return msg;
}

class Converter {
 public:
  Converter(std::shared_ptr<const std::string> file, uint32_t line_offset, size_t node_budget,
            std::vector<ParseError>& errors, std::vector<ParseError>& warnings)
      : file_(std::move(file)), line_offset_(line_offset), budget_(node_budget), errors_(errors), warnings_(warnings) {}

  sdk::SourceMark mark(const YAML::Mark& m) const {
    sdk::SourceMark out{file_, 0, 0};
    if (m.line >= 0) {
      out.line = line_offset_ + static_cast<uint32_t>(m.line) + 1;
      out.column = static_cast<uint32_t>(std::max(m.column, 0)) + 1;
    }
    return out;
  }

  // False when the node could not be converted; errors are recorded. A non-scalar key is
  // reported and skipped; a depth or size overrun stops the document at once. `path` is a scratch
  // buffer holding the node's field path; it is restored before returning.
  bool convert(const YAML::Node& n, std::string& path, int depth, Value& out) {
    if (aborted_) return false;
    if (depth > kMaxDepth) return abort(n, path, "nesting is too deep (a recursive alias?)");
    if (budget_ == 0) return abort(n, path, "document is too large once its aliases are expanded");
    --budget_;
    const size_t path_size = path.size();
    bool ok = true;
    switch (n.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out = Value();
        break;
      case YAML::NodeType::Scalar:
        out = scalar(n);
        break;
      case YAML::NodeType::Sequence: {
        Value::List list;
        list.reserve(n.size());
        size_t i = 0;
        for (const auto& child : n) {
          path += '[';
          path += std::to_string(i++);
          path += ']';
          list.emplace_back();
          ok = convert(child, path, depth + 1, list.back()) && ok;
          path.resize(path_size);
          if (aborted_) return false;
        }
        out = Value(std::move(list));
        break;
      }
      case YAML::NodeType::Map: {
        Value::Map map;
        map.reserve(n.size());
        std::vector<uint32_t> key_lines;  // parallel to `map`, for duplicate keys
        key_lines.reserve(n.size());
        std::unordered_map<std::string_view, size_t> index;
        for (const auto& kv : n) {
          const YAML::Node& k = kv.first;
          std::string key;
          if (k.IsScalar()) {
            key = k.Scalar();
          } else if (!k.IsNull()) {
            errors_.push_back({mark(k.Mark()), path, "mapping keys must be scalars"});
            ok = false;
            continue;
          }
          const sdk::SourceMark key_mark = mark(k.Mark());
          if (!path.empty()) path += '.';
          path += key;
          // Most mappings are small: a linear search there, an index for the big ones (a large
          // ConfigMap). Keys never move: `map` was reserved for every entry.
          Value::Map::iterator dup = map.end();
          if (n.size() <= 32) {
            dup = std::find_if(map.begin(), map.end(), [&](const auto& e) { return e.first == key; });
          } else if (auto it = index.find(key); it != index.end()) {
            dup = map.begin() + static_cast<std::ptrdiff_t>(it->second);
          }
          Value* slot;
          if (dup == map.end()) {
            map.emplace_back(std::move(key), Value());
            key_lines.push_back(key_mark.line);
            if (n.size() > 32) index.emplace(map.back().first, map.size() - 1);
            slot = &map.back().second;
          } else {
            // Kubernetes' decoders keep the last value without complaint (a reference case relies
            // on it); so do we, with a warning.
            slot = &dup->second;
            *slot = Value();
            warnings_.push_back({key_mark, path,
                                 "duplicate key, the later value wins (first defined at line " +
                                     std::to_string(key_lines[static_cast<size_t>(dup - map.begin())]) + ")"});
          }
          ok = convert(kv.second, path, depth + 1, *slot) && ok;
          path.resize(path_size);
          if (aborted_) return false;
        }
        out = Value(std::move(map));
        break;
      }
    }
    out.set_mark(mark(n.Mark()));
    return ok;
  }

 private:
  static Value scalar(const YAML::Node& n) {
    const std::string& tag = n.Tag();
    // "!" marks a quoted or block scalar: always a string, as is an explicit !!str.
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return Value(n.Scalar());
    return resolve_plain_scalar(n.Scalar(), Overflow::Approximate);
  }

  bool abort(const YAML::Node& n, const std::string& path, std::string message) {
    errors_.push_back({mark(n.Mark()), path, std::move(message)});
    aborted_ = true;
    return false;
  }

  std::shared_ptr<const std::string> file_;
  uint32_t line_offset_;
  size_t budget_;
  std::vector<ParseError>& errors_;
  std::vector<ParseError>& warnings_;
  bool aborted_ = false;
};

// A required, non-empty string field of `parent`.
std::optional<std::string> required_string(const Value& parent, std::string_view key, const std::string& path,
                                           std::vector<ParseError>& errors) {
  const Value* v = parent.find(key);
  if (!v || v->is_null()) {
    errors.push_back({parent.mark(), path, "missing required field"});
    return std::nullopt;
  }
  const std::string* s = v->as_string();
  if (!s) {
    errors.push_back({v->mark(), path, std::string("expected a string, got ") + yaml_kind_name(v->kind())});
    return std::nullopt;
  }
  if (s->empty()) {
    errors.push_back({v->mark(), path, "must not be empty"});
    return std::nullopt;
  }
  return *s;
}

void string_map(const Value* v, const std::string& path, std::map<std::string, std::string>& out,
                std::vector<ParseError>& errors) {
  if (!v || v->is_null()) return;
  const Value::Map* m = v->as_map();
  if (!m) {
    errors.push_back({v->mark(), path, std::string("expected a mapping, got ") + yaml_kind_name(v->kind())});
    return;
  }
  for (const auto& [k, val] : *m) {
    if (const std::string* s = val.as_string()) {
      out[k] = *s;
    } else {
      errors.push_back(
          {val.mark(), join(path, k), std::string("expected a string, got ") + yaml_kind_name(val.kind())});
    }
  }
}

void make_objects(Value body, const std::string& prefix, int depth, ParseResult& result);

// Reads the envelope of one manifest; appends the object, or its errors.
void make_object(Value body, const std::string& prefix, int depth, ParseResult& result) {
  auto& errors = result.errors;
  if (!body.is_map()) {
    errors.push_back(
        {body.mark(), prefix, std::string("a manifest must be a mapping, got ") + yaml_kind_name(body.kind())});
    return;
  }
  const size_t errors_before = errors.size();
  auto p = [&](std::string_view field) { return join(prefix, field); };

  std::optional<std::string> api_version = required_string(body, "apiVersion", p("apiVersion"), errors);
  if (api_version) {
    const size_t slash = api_version->find('/');
    const bool bad = slash == 0 || slash + 1 == api_version->size() ||
                     (slash != std::string::npos && api_version->find('/', slash + 1) != std::string::npos);
    if (bad) {
      errors.push_back({body.find("apiVersion")->mark(), p("apiVersion"), "must be VERSION or GROUP/VERSION"});
      api_version.reset();
    }
  }
  std::optional<std::string> kind = required_string(body, "kind", p("kind"), errors);

  // `kind: List` (what `kubectl get -o yaml` writes) only carries items.
  if (api_version && kind && *kind == "List" && group_of(*api_version).empty()) {
    const Value* items = body.find("items");
    if (!items || items->is_null()) return;
    return make_objects(std::move(body), prefix, depth, result);
  }

  sdk::Object obj;
  const Value* metadata = body.find("metadata");
  std::string name, ns;
  if (!metadata || metadata->is_null()) {
    errors.push_back({body.mark(), p("metadata.name"), "missing required field"});
  } else if (!metadata->is_map()) {
    errors.push_back(
        {metadata->mark(), p("metadata"), std::string("expected a mapping, got ") + yaml_kind_name(metadata->kind())});
  } else {
    if (auto n = required_string(*metadata, "name", p("metadata.name"), errors)) name = *n;
    if (const Value* v = metadata->find("namespace"); v && !v->is_null()) {
      if (const std::string* s = v->as_string()) {
        ns = *s;
      } else {
        errors.push_back(
            {v->mark(), p("metadata.namespace"), std::string("expected a string, got ") + yaml_kind_name(v->kind())});
      }
    }
    string_map(metadata->find("labels"), p("metadata.labels"), obj.labels, errors);
    string_map(metadata->find("annotations"), p("metadata.annotations"), obj.annotations, errors);
    obj.generation = 1;
    if (const Value* v = metadata->find("generation"); v && !v->is_null()) {
      if (auto g = v->as_int()) {
        if (*g < 0)
          errors.push_back({v->mark(), p("metadata.generation"), "must not be negative"});
        else
          obj.generation = *g;
      } else {
        errors.push_back({v->mark(), p("metadata.generation"),
                          std::string("expected an integer, got ") + yaml_kind_name(v->kind())});
      }
    }
  }
  if (errors.size() != errors_before) return;

  obj.ref.group = std::string(group_of(*api_version));
  obj.ref.kind = *kind;
  obj.ref.name = std::move(name);
  if (!is_cluster_scoped({obj.ref.group, obj.ref.kind})) obj.ref.ns = ns.empty() ? "default" : std::move(ns);
  obj.api_version = std::move(*api_version);
  obj.body = std::move(body);
  const uint64_t hash = content_hash(obj.body);
  result.objects.push_back({std::move(obj), hash});
}

// The items of a List, each read as a manifest of its own.
void make_objects(Value body, const std::string& prefix, int depth, ParseResult& result) {
  Value::Map* m = body.as_map();
  auto it = std::find_if(m->begin(), m->end(), [](const auto& e) { return e.first == "items"; });
  Value& items = it->second;
  const std::string items_path = join(prefix, "items");
  if (!items.is_list()) {
    result.errors.push_back(
        {items.mark(), items_path, std::string("expected a sequence, got ") + yaml_kind_name(items.kind())});
    return;
  }
  if (depth >= 8) {
    result.errors.push_back({items.mark(), items_path, "Lists are nested too deeply"});
    return;
  }
  size_t i = 0;
  for (Value& item : *items.as_list())
    make_object(std::move(item), items_path + "[" + std::to_string(i++) + "]", depth + 1, result);
}

bool is_marker_line(std::string_view line, std::string_view marker) {
  if (line.substr(0, 3) != marker) return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r' || line[3] == '\n';
}

struct Chunk {
  std::string_view text;
  uint32_t first_line;  // 0-based line of the file where the chunk starts
};

// Cuts the stream at each `---` line so that a syntax error costs one document, not the file.
// A line starting with `---` always begins a document (YAML forbids it inside scalars), so the cut
// never lands inside one. Directives (`%YAML`) just before a marker travel with their document.
std::vector<Chunk> split_documents(std::string_view text) {
  std::vector<size_t> line_starts;
  for (size_t pos = 0; pos < text.size();) {
    line_starts.push_back(pos);
    size_t nl = text.find('\n', pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  auto line_at = [&](size_t i) {
    size_t begin = line_starts[i];
    size_t end = i + 1 < line_starts.size() ? line_starts[i + 1] : text.size();
    return text.substr(begin, end - begin);
  };
  std::vector<Chunk> chunks;
  size_t chunk_line = 0;
  for (size_t i = 0; i < line_starts.size(); ++i) {
    if (i == 0 || !is_marker_line(line_at(i), "---")) continue;
    size_t start = i;
    for (size_t j = i; j > chunk_line;) {
      std::string_view prev = line_at(--j);
      if (!prev.empty() && prev[0] == '%') {
        start = j;
      } else if (!(prev.find_first_not_of(" \t\r\n") == std::string_view::npos || prev[0] == '#')) {
        break;
      }
    }
    if (start > chunk_line) {
      chunks.push_back({text.substr(line_starts[chunk_line], line_starts[start] - line_starts[chunk_line]),
                        static_cast<uint32_t>(chunk_line)});
      chunk_line = start;
    }
  }
  if (!line_starts.empty()) chunks.push_back({text.substr(line_starts[chunk_line]), static_cast<uint32_t>(chunk_line)});
  return chunks;
}

class Hasher {
 public:
  void bytes(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      h_ ^= p[i];
      h_ *= 0x100000001b3ULL;
    }
  }
  void tag(char t) { bytes(&t, 1); }
  void u64(uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));  // byte order fixed
    bytes(b, 8);
  }
  void str(std::string_view s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  void value(const Value& v) {
    switch (v.kind()) {
      case Value::Kind::Null:
        tag('n');
        break;
      case Value::Kind::Bool:
        tag(*v.as_bool() ? 't' : 'f');
        break;
      case Value::Kind::Int:
        tag('i');
        u64(static_cast<uint64_t>(*v.as_int()));
        break;
      case Value::Kind::Double: {
        double d = *v.as_double();
        if (d == 0) d = 0;                                                // -0.0 and 0.0 alike
        if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();  // one NaN
        tag('d');
        u64(std::bit_cast<uint64_t>(d));
        break;
      }
      case Value::Kind::String:
        tag('s');
        str(*v.as_string());
        break;
      case Value::Kind::List:
        tag('l');
        u64(v.as_list()->size());
        for (const Value& e : *v.as_list()) value(e);
        break;
      case Value::Kind::Map: {
        const Value::Map& m = *v.as_map();
        std::vector<const std::pair<std::string, Value>*> sorted;
        sorted.reserve(m.size());
        for (const auto& e : m) sorted.push_back(&e);
        std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
        tag('m');
        u64(sorted.size());
        for (const auto* e : sorted) {
          str(e->first);
          value(e->second);
        }
        break;
      }
    }
  }
  uint64_t result() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

// Go's base64.StdEncoding, as the API server decodes Secret data: padding required, CR and LF
// ignored. Errors give offsets only, never content.
std::optional<std::string> decode_base64(std::string_view in, std::string& error) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t acc = 0;
  int have = 0;     // sextets in the current quantum
  int padding = 0;  // '=' seen in the current quantum
  size_t quantum_start = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '\r' || c == '\n') continue;
    if (have + padding == 0) quantum_start = i;
    if (c == '=') {
      if (have < 2) {
        error = "invalid base64: misplaced padding at offset " + std::to_string(i);
        return std::nullopt;
      }
      ++padding;
      if (have + padding == 4) {
        if (have == 2 && padding == 2) out.push_back(static_cast<char>(acc >> 4));
        if (have == 3) {
          out.push_back(static_cast<char>(acc >> 10));
          out.push_back(static_cast<char>((acc >> 2) & 0xff));
        }
        // Anything but line breaks after the padding is an error.
        for (size_t j = i + 1; j < in.size(); ++j)
          if (in[j] != '\r' && in[j] != '\n') {
            error = "invalid base64: data after padding at offset " + std::to_string(j);
            return std::nullopt;
          }
        return out;
      }
      continue;
    }
    const int s = sextet(c);
    if (s < 0 || padding > 0) {
      error =
          (s < 0 ? "invalid base64: illegal character at offset " : "invalid base64: misplaced padding at offset ") +
          std::to_string(i);
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(s);
    if (++have == 4) {
      out.push_back(static_cast<char>(acc >> 16));
      out.push_back(static_cast<char>((acc >> 8) & 0xff));
      out.push_back(static_cast<char>(acc & 0xff));
      acc = 0;
      have = 0;
    }
  }
  if (have + padding != 0) {
    error = "invalid base64: truncated at offset " + std::to_string(quantum_start) +
            " (the length must be a multiple of 4)";
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::string ParseError::to_string() const {
  std::string s = mark.to_string();
  s += ": ";
  if (!path.empty()) s += path + ": ";
  return s + message;
}

std::string_view group_of(std::string_view api_version) {
  const size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
}

bool is_cluster_scoped(const sdk::GroupKind& gk) {
  static const std::set<sdk::GroupKind> kinds = {
      {"gateway.networking.k8s.io", "GatewayClass"},
      {"gateway.networking.x-k8s.io", "XMesh"},
      {"", "Namespace"},
      {"", "Node"},
      {"", "PersistentVolume"},
      {"apiextensions.k8s.io", "CustomResourceDefinition"},
      {"rbac.authorization.k8s.io", "ClusterRole"},
      {"rbac.authorization.k8s.io", "ClusterRoleBinding"},
      {"admissionregistration.k8s.io", "ValidatingWebhookConfiguration"},
      {"admissionregistration.k8s.io", "MutatingWebhookConfiguration"},
      {"admissionregistration.k8s.io", "ValidatingAdmissionPolicy"},
      {"admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"},
      {"storage.k8s.io", "StorageClass"},
      {"scheduling.k8s.io", "PriorityClass"},
      {"networking.k8s.io", "IngressClass"},
  };
  return kinds.contains(gk);
}

uint64_t content_hash(const sdk::Value& value) {
  Hasher h;
  h.value(value);
  return h.result();
}

ParseResult parse_manifests(std::string_view text, const std::string& file) {
  ParseResult result;
  auto file_name = std::make_shared<const std::string>(file);
  for (const Chunk& chunk : split_documents(text)) {
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAll(std::string(chunk.text));
    } catch (const YAML::Exception& e) {
      Converter c(file_name, chunk.first_line, 0, result.errors, result.warnings);
      result.errors.push_back({c.mark(e.mark), "", safe_yaml_message(e.msg)});
      continue;
    } catch (const std::exception& e) {
      result.errors.push_back({{file_name, chunk.first_line + 1, 1}, "", std::string("cannot parse: ") + e.what()});
      continue;
    }
    for (const YAML::Node& doc : docs) {
      if (!doc.IsDefined() || doc.IsNull()) continue;  // empty document
      // Without aliases a document has at most about two nodes per byte; the margin only
      // stops alias bombs.
      Converter c(file_name, chunk.first_line, 4 * chunk.text.size() + 1024, result.errors, result.warnings);
      Value body;
      try {
        std::string path;
        if (!c.convert(doc, path, 0, body)) continue;
      } catch (const std::exception& e) {
        result.errors.push_back({c.mark(doc.Mark()), "", std::string("cannot read document: ") + e.what()});
        continue;
      }
      make_object(std::move(body), "", 0, result);
    }
  }
  return result;
}

std::optional<std::string> read_file(const std::filesystem::path& file, std::string& error) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      error = std::strerror(errno);  // EISDIR for a directory
      ::close(fd);
      return std::nullopt;
    }
  }
  ::close(fd);
  return out;
}

ParseResult parse_manifest_file(const std::filesystem::path& file) {
  std::string error;
  std::optional<std::string> text = read_file(file, error);
  if (!text) {
    ParseResult r;
    r.errors.push_back({{std::make_shared<const std::string>(file.string()), 0, 0}, "", "cannot read file: " + error});
    return r;
  }
  return parse_manifests(*text, file.string());
}

std::optional<sdk::Secret> secret_from(const sdk::Object& object, std::vector<sdk::FieldError>& errors) {
  if (!object.ref.group.empty() || object.ref.kind != "Secret") {
    errors.push_back({"kind", "not a core Secret"});
    return std::nullopt;
  }
  const size_t errors_before = errors.size();
  sdk::Secret secret;
  secret.ref = object.ref;
  secret.type = "Opaque";
  if (const Value* t = object.body.find("type"); t && !t->is_null()) {
    if (const std::string* s = t->as_string())
      secret.type = *s;
    else
      errors.push_back({"type", std::string("expected a string, got ") + yaml_kind_name(t->kind())});
  }
  auto each_entry = [&](const char* field, auto&& take) {
    const Value* v = object.body.find(field);
    if (!v || v->is_null()) return;
    const Value::Map* m = v->as_map();
    if (!m) {
      errors.push_back({field, std::string("expected a mapping, got ") + yaml_kind_name(v->kind())});
      return;
    }
    for (const auto& [key, val] : *m) {
      const std::string path = std::string(field) + "." + key;
      if (val.is_null()) {
        take(key, path, std::string_view());
      } else if (const std::string* s = val.as_string()) {
        take(key, path, std::string_view(*s));
      } else {
        errors.push_back({path, std::string("expected a string, got ") + yaml_kind_name(val.kind())});
      }
    }
  };
  each_entry("data", [&](const std::string& key, const std::string& path, std::string_view encoded) {
    std::string error;
    if (auto decoded = decode_base64(encoded, error))
      secret.data[key] = std::move(*decoded);
    else
      errors.push_back({path, std::move(error)});
  });
  each_entry("stringData", [&](const std::string& key, const std::string&, std::string_view plain) {
    secret.data[key] = std::string(plain);
  });
  if (errors.size() != errors_before) return std::nullopt;
  return secret;
}

}  // namespace kgw::sources
