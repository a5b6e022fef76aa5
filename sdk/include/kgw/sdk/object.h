// Kubernetes-style objects and status conditions as plugins see them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "kgw/sdk/value.h"

namespace kgw::sdk {

struct GroupKind {
  std::string group;  // "" for the core API group
  std::string kind;

  std::string to_string() const { return group.empty() ? kind : kind + "." + group; }
  friend auto operator<=>(const GroupKind&, const GroupKind&) = default;
};

struct ObjectRef {
  std::string group;
  std::string kind;
  std::string ns;  // "" for cluster-scoped objects
  std::string name;

  std::string to_string() const { return kind + "/" + (ns.empty() ? name : ns + "/" + name); }
  friend auto operator<=>(const ObjectRef&, const ObjectRef&) = default;
};

// A parsed object. `body` is the whole manifest tree (apiVersion, kind, metadata, spec, ...),
// with source marks, so a plugin reads its own kinds without the host knowing their schema.
struct Object {
  ObjectRef ref;
  std::string api_version;
  int64_t generation = 0;
  // Creation time in seconds; ties are broken by `ref` ordering. Used for precedence rules.
  int64_t creation_timestamp = 0;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  Value body;

  const Value* spec() const { return body.find("spec"); }
};

// A status condition as the Gateway API defines it (metav1.Condition without timestamps).
struct Condition {
  enum class Status { True, False, Unknown };
  std::string type;
  Status status = Status::Unknown;
  std::string reason;
  std::string message;
  int64_t observed_generation = 0;

  friend bool operator==(const Condition&, const Condition&) = default;
};

}  // namespace kgw::sdk
