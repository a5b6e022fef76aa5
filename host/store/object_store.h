// The objects a source currently defines, applied from its SourceUpdates, and which Gateways a
// change affects.
//
// Identity and overrides: an object is identified by group, kind, namespace and name. Each file's
// objects are replaced as a whole by its upsert. When several files define the same object, the
// definition from the file loaded last wins (files within one update are loaded in path order;
// a file's later document wins over its earlier one) and a warning names both files; when the
// winning file drops it, the next most recently loaded definition takes over.
//
// Generation: `metadata.generation` when the manifest writes it; otherwise 1 when the object
// first appears, incremented whenever its `spec` changes, as the API server does.
//
// Secrets (core `Secret`) are held apart: decoded once into sdk::Secret, never returned by
// all_objects() or find(), never logged, reachable only through find_secret(). A Secret that
// fails to decode keeps the last good version its file defined, and its errors (field paths,
// never values) are reported in ChangeSet::invalid.
//
// Which Gateways a change affects (affected_gateways), from the edges of references.h:
//  - every changed Gateway (added, modified or removed);
//  - every Gateway reachable from a changed object by following edges (a route to the Gateways its
//    parentRefs name, a Service or Secret to the routes, policies or Gateways that reference it,
//    and so on transitively), using the edges of both the old and the new version of the changed
//    object, so a route that moves from Gateway A to B affects both;
//  - every Gateway when a changed object (old or new version) is `unsure` in the sense of
//    references.h: a kind the store cannot relate, a ReferenceGrant, a Namespace, a label selector.
// Only Gateways that exist now or were among the changed objects are returned.
//
// Not thread-safe, except find_secret(): one thread applies updates and reads the store.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kgw/sdk/host_api.h"
#include "kgw/sdk/object.h"
#include "sources/dir_source.h"
#include "store/references.h"

namespace kgw::store {

// One object as the store holds it.
struct StoredObject {
  std::shared_ptr<const sdk::Object> object;  // immutable; creation timestamp and generation set
  uint64_t hash = 0;                          // content hash of the manifest
  std::string file;                           // the file whose definition is in effect
};

// One object whose effective version changed. `before` is null for an added object, `after` for a
// removed one.
struct Change {
  sdk::ObjectRef ref;
  std::shared_ptr<const sdk::Object> before;
  std::shared_ptr<const sdk::Object> after;
};

struct ChangeSet {
  std::vector<Change> objects;          // sorted by ref
  std::vector<sdk::ObjectRef> secrets;  // Secrets added, changed or removed; sorted
  // Per file of the update (upserted or removed), its current object-level errors (a Secret that
  // does not decode); an empty list when it has none.
  std::map<std::string, std::vector<sources::ParseError>> invalid;

  bool empty() const { return objects.empty() && secrets.empty(); }
};

struct AffectedGateways {
  std::set<sdk::ObjectRef> gateways;
  bool all = false;  // an unsure change: every Gateway is in `gateways`
};

class ObjectStore {
 public:
  ObjectStore();
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // Applies one update: removed files first, then upserted files in path order. `update.errors`
  // is not read (parse errors are the caller's to report).
  ChangeSet apply(sources::SourceUpdate update);

  AffectedGateways affected_gateways(const ChangeSet& changes) const;

  // Every object but Secrets, in load order (creation timestamp, then ref).
  std::vector<sdk::Object> all_objects() const;

  const StoredObject* find(const sdk::ObjectRef& ref) const;  // nullptr when absent (and for Secrets)
  std::vector<sdk::ObjectRef> gateways() const;               // every Gateway, sorted
  size_t size() const { return objects_.size(); }             // objects held, Secrets excluded

  // The Secret `ns/name`, or nullptr. Thread-safe; the returned version stays valid while held.
  std::shared_ptr<const sdk::Secret> find_secret(std::string_view ns, std::string_view name) const;

 private:
  // One file's definition of an object.
  struct Definition {
    std::string file;
    uint64_t seq = 0;  // when the file was loaded; the highest wins
    uint64_t hash = 0;
    std::shared_ptr<const sdk::Object> object;  // not for Secrets
    std::shared_ptr<const sdk::Secret> secret;  // Secrets only
    sdk::SourceMark mark;                       // where the document starts
  };
  struct SecretEntry {
    std::shared_ptr<const sdk::Secret> secret;
    uint64_t hash = 0;
  };

  std::vector<Definition> take_file(const std::string& file, std::set<sdk::ObjectRef>& touched);
  void settle_object(const sdk::ObjectRef& ref, ChangeSet& changes);
  void settle_secret(const sdk::ObjectRef& ref, ChangeSet& changes);
  void index(const sdk::Object& object, int delta);

  uint64_t next_seq_ = 0;
  std::map<std::string, std::vector<sdk::ObjectRef>> files_;  // file -> refs it defines
  std::map<sdk::ObjectRef, std::vector<Definition>> definitions_;
  std::map<sdk::ObjectRef, StoredObject> objects_;
  std::set<std::pair<int64_t, sdk::ObjectRef>> load_order_;
  std::map<sdk::ObjectRef, std::map<sdk::ObjectRef, uint32_t>> edges_;  // from -> to -> declarers

  mutable std::mutex secrets_mu_;
  std::map<sdk::ObjectRef, SecretEntry> secrets_;
};

}  // namespace kgw::store
