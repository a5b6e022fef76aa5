// Kubernetes manifests (YAML or JSON, several documents per file, `kind: List` too) parsed into
// sdk::Objects: the whole tree as an sdk::Value with source marks, plus the envelope fields
// (group, kind, namespace, name, labels, annotations, generation) taken out of it.
//
// Plain scalars are typed by the YAML 1.2 core schema (null, booleans, integers, floats; `yes`,
// `on` and friends stay strings); quoted and block scalars are always strings; mapping keys keep
// their file order. Nothing here throws: every problem is a ParseError, and the documents after a
// bad one are still read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kgw/sdk/host_api.h"
#include "kgw/sdk/object.h"
#include "kgw/sdk/status.h"
#include "kgw/sdk/value.h"

namespace kgw::sources {

// A problem in a manifest file. Messages never quote scalar values, so a bad Secret does not leak.
struct ParseError {
  sdk::SourceMark mark;  // file, and line/column when known
  std::string path;      // field path inside the document (`metadata.name`, `items[2].kind`); may be empty
  std::string message;

  // "dir/a.yaml:3:5: metadata.name: expected a string, got integer"; the position is left out when
  // unknown, the path when empty.
  std::string to_string() const;

  friend bool operator==(const ParseError& a, const ParseError& b) {
    return a.mark.line == b.mark.line && a.mark.column == b.mark.column &&
           (a.mark.file ? *a.mark.file : std::string()) == (b.mark.file ? *b.mark.file : std::string()) &&
           a.path == b.path && a.message == b.message;
  }
};

struct ParsedObject {
  sdk::Object object;  // creation_timestamp is left 0: the source that loads it sets it
  uint64_t hash = 0;   // content_hash(object.body)
};

struct ParseResult {
  std::vector<ParsedObject> objects;  // in file order; a List contributes its items in order
  std::vector<ParseError> errors;     // in file order; an object with an error is left out
  // Problems that do not stop an object: a duplicate mapping key (the later value wins, as in
  // Kubernetes' own decoders).
  std::vector<ParseError> warnings;
};

// Parses the whole text of one file. `file` names it in source marks and errors.
ParseResult parse_manifests(std::string_view text, const std::string& file);

// Reads a whole file; on failure returns nullopt and sets `error` (strerror text, e.g. "Is a
// directory").
std::optional<std::string> read_file(const std::filesystem::path& file, std::string& error);

// Reads and parses a file; a file that cannot be read gives one error without a position.
ParseResult parse_manifest_file(const std::filesystem::path& file);

// "gateway.networking.k8s.io/v1" -> "gateway.networking.k8s.io"; "v1" -> "" (the core group).
std::string_view group_of(std::string_view api_version);

// Kinds whose objects have no namespace (GatewayClass, Namespace, XMesh, and the usual Kubernetes
// cluster-scoped built-ins such as ClusterRole).
bool is_cluster_scoped(const sdk::GroupKind& gk);

// A stable 64-bit hash (FNV-1a) of a canonical rendering of the tree: map keys sorted, source
// marks ignored, every value tagged with its kind. Equal trees hash equal across runs and builds.
uint64_t content_hash(const sdk::Value& value);

// The data of a core Secret: base64 `data` decoded, `stringData` merged over it (stringData wins,
// as the API server does), `type` defaulting to "Opaque". On any problem (not a Secret, a value
// that is not valid base64, wrong types) nothing is returned and every problem is appended to
// `errors` with its field path (`data.tls.crt`); messages never contain the values.
std::optional<sdk::Secret> secret_from(const sdk::Object& object, std::vector<sdk::FieldError>& errors);

}  // namespace kgw::sources
