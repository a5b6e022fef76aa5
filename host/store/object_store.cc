#include "store/object_store.h"

#include <algorithm>
#include <deque>

#include "logging/logging.h"
#include "sources/manifest_parser.h"

namespace kgw::store {
namespace {

constexpr const char* kGatewayGroup = "gateway.networking.k8s.io";

bool is_secret(const sdk::ObjectRef& ref) { return ref.group.empty() && ref.kind == "Secret"; }
bool is_gateway(const sdk::ObjectRef& ref) { return ref.group == kGatewayGroup && ref.kind == "Gateway"; }

bool writes_generation(const sdk::Object& object) {
  const sdk::Value* metadata = object.body.find("metadata");
  const sdk::Value* generation = metadata ? metadata->find("generation") : nullptr;
  return generation && !generation->is_null();
}

bool same_spec(const sdk::Object& a, const sdk::Object& b) {
  const sdk::Value* sa = a.spec();
  const sdk::Value* sb = b.spec();
  if (!sa || !sb) return !sa && !sb;
  return *sa == *sb;
}

std::string files_of(const std::vector<std::string>& files) {
  std::string out;
  for (size_t i = 0; i < files.size(); ++i) out += (i == 0 ? "" : i + 1 == files.size() ? " and " : ", ") + files[i];
  return out;
}

}  // namespace

ObjectStore::ObjectStore() = default;

ChangeSet ObjectStore::apply(sources::SourceUpdate update) {
  auto log = logging::get("store");
  ChangeSet changes;
  std::set<sdk::ObjectRef> touched;
  for (const auto& file : update.removed) {
    take_file(file, touched);
    changes.invalid[file];
  }
  for (auto& [file, parsed_objects] : update.upserts) {
    std::vector<Definition> previous = take_file(file, touched);
    const uint64_t seq = ++next_seq_;
    std::vector<sources::ParseError>& invalid = changes.invalid[file];
    std::vector<sdk::ObjectRef>& refs = files_[file];
    for (auto& parsed : parsed_objects) {
      const sdk::ObjectRef ref = parsed.object.ref;
      Definition def{file, seq, parsed.hash, nullptr, nullptr, parsed.object.body.mark()};
      if (is_secret(ref)) {
        std::vector<sdk::FieldError> errors;
        if (auto secret = sources::secret_from(parsed.object, errors)) {
          def.secret = std::make_shared<const sdk::Secret>(std::move(*secret));
        } else {
          auto good = std::find_if(previous.begin(), previous.end(),
                                   [&](const Definition& d) { return d.secret && d.secret->ref == ref; });
          const std::string outcome =
              good == previous.end() ? "the Secret is ignored" : "the Secret keeps its last good version";
          for (const auto& e : errors) {
            sources::ParseError error{def.mark, e.path,
                                      e.message + " (Secret " + ref.ns + "/" + ref.name + "; " + outcome + ")"};
            log->warn("{}", error.to_string());
            invalid.push_back(std::move(error));
          }
          if (good == previous.end()) continue;
          def.hash = good->hash;
          def.secret = good->secret;
        }
      } else {
        def.object = std::make_shared<const sdk::Object>(std::move(parsed.object));
      }
      auto& defs = definitions_[ref];
      auto same_file = std::find_if(defs.begin(), defs.end(), [&](const Definition& d) { return d.file == file; });
      if (same_file != defs.end()) {
        log->warn("{}: {} is defined more than once; the last definition wins", file, ref.to_string());
        *same_file = std::move(def);
      } else {
        defs.push_back(std::move(def));
        refs.push_back(ref);
      }
      touched.insert(ref);
    }
    if (refs.empty()) files_.erase(file);
  }
  for (const auto& ref : touched) {
    if (auto it = definitions_.find(ref); it != definitions_.end() && it->second.size() > 1) {
      std::vector<Definition*> by_seq;
      for (auto& d : it->second) by_seq.push_back(&d);
      std::sort(by_seq.begin(), by_seq.end(), [](const Definition* a, const Definition* b) { return a->seq < b->seq; });
      std::vector<std::string> files;
      for (const auto* d : by_seq) files.push_back(d->file);
      log->warn("{} is defined in {}; the definition in {} (loaded last) wins", ref.to_string(), files_of(files),
                files.back());
    }
    if (is_secret(ref))
      settle_secret(ref, changes);
    else
      settle_object(ref, changes);
  }
  return changes;
}

std::vector<ObjectStore::Definition> ObjectStore::take_file(const std::string& file,
                                                            std::set<sdk::ObjectRef>& touched) {
  std::vector<Definition> taken;
  auto fit = files_.find(file);
  if (fit == files_.end()) return taken;
  for (const auto& ref : fit->second) {
    touched.insert(ref);
    auto dit = definitions_.find(ref);
    if (dit == definitions_.end()) continue;
    auto& defs = dit->second;
    for (auto it = defs.begin(); it != defs.end();) {
      if (it->file == file) {
        taken.push_back(std::move(*it));
        it = defs.erase(it);
      } else {
        ++it;
      }
    }
    if (defs.empty()) definitions_.erase(dit);
  }
  files_.erase(fit);
  return taken;
}

// Makes the effective version of `ref` the winning definition's, recording the change if any.
void ObjectStore::settle_object(const sdk::ObjectRef& ref, ChangeSet& changes) {
  const Definition* winner = nullptr;
  if (auto dit = definitions_.find(ref); dit != definitions_.end())
    for (const auto& d : dit->second)
      if (!winner || d.seq > winner->seq) winner = &d;
  auto oit = objects_.find(ref);
  std::shared_ptr<const sdk::Object> before = oit == objects_.end() ? nullptr : oit->second.object;
  if (!winner) {
    if (!before) return;
    index(*before, -1);
    load_order_.erase({before->creation_timestamp, ref});
    objects_.erase(oit);
    changes.objects.push_back({ref, std::move(before), nullptr});
    return;
  }
  if (before && oit->second.hash == winner->hash && before->creation_timestamp == winner->object->creation_timestamp) {
    oit->second.file = winner->file;
    return;
  }
  std::shared_ptr<const sdk::Object> after = winner->object;
  if (!writes_generation(*after)) {
    int64_t generation = 1;
    if (before) generation = before->generation + (same_spec(*before, *after) ? 0 : 1);
    if (after->generation != generation) {
      auto copy = std::make_shared<sdk::Object>(*after);
      copy->generation = generation;
      after = std::move(copy);
    }
  }
  if (before) {
    index(*before, -1);
    load_order_.erase({before->creation_timestamp, ref});
  }
  index(*after, +1);
  load_order_.insert({after->creation_timestamp, ref});
  objects_[ref] = StoredObject{after, winner->hash, winner->file};
  changes.objects.push_back({ref, std::move(before), std::move(after)});
}

void ObjectStore::settle_secret(const sdk::ObjectRef& ref, ChangeSet& changes) {
  const Definition* winner = nullptr;
  if (auto dit = definitions_.find(ref); dit != definitions_.end())
    for (const auto& d : dit->second)
      if (!winner || d.seq > winner->seq) winner = &d;
  std::lock_guard lock(secrets_mu_);
  auto it = secrets_.find(ref);
  if (!winner) {
    if (it == secrets_.end()) return;
    secrets_.erase(it);
  } else if (it == secrets_.end()) {
    secrets_.emplace(ref, SecretEntry{winner->secret, winner->hash});
  } else if (it->second.hash != winner->hash) {
    it->second = SecretEntry{winner->secret, winner->hash};
  } else {
    return;
  }
  changes.secrets.push_back(ref);
}

void ObjectStore::index(const sdk::Object& object, int delta) {
  for (const auto& edge : references_of(object).edges) {
    auto& targets = edges_[edge.from];
    uint32_t& count = targets[edge.to];
    count += delta;
    if (count == 0) targets.erase(edge.to);
    if (targets.empty()) edges_.erase(edge.from);
  }
}

AffectedGateways ObjectStore::affected_gateways(const ChangeSet& changes) const {
  AffectedGateways out;
  std::set<sdk::ObjectRef> changed_gateways;
  std::set<sdk::ObjectRef> visited;
  std::deque<sdk::ObjectRef> queue;
  auto push = [&](const sdk::ObjectRef& ref) {
    if (visited.insert(ref).second) queue.push_back(ref);
  };
  for (const auto& change : changes.objects) {
    if (is_gateway(change.ref)) changed_gateways.insert(change.ref);
    // The index holds the new version's edges; the old version's upward edges are read here.
    for (const sdk::Object* version : {change.before.get(), change.after.get()}) {
      if (!version) continue;
      References refs = references_of(*version);
      out.all = out.all || refs.unsure;
      for (const auto& edge : refs.edges)
        if (edge.from == change.ref) push(edge.to);
    }
    push(change.ref);
  }
  for (const auto& ref : changes.secrets) push(ref);

  if (out.all) {
    for (const auto& g : gateways()) out.gateways.insert(g);
    out.gateways.insert(changed_gateways.begin(), changed_gateways.end());
    return out;
  }
  while (!queue.empty()) {
    const sdk::ObjectRef ref = std::move(queue.front());
    queue.pop_front();
    if (ref.kind == kAny || ref.name == kAny) {
      // A reference that names no single object stands for every object it matches.
      for (const auto& [held, stored] : objects_)
        if ((ref.kind == kAny || (held.group == ref.group && held.kind == ref.kind)) && held.ns == ref.ns &&
            (ref.name == kAny || held.name == ref.name))
          push(held);
      continue;
    }
    if (is_gateway(ref) && (objects_.contains(ref) || changed_gateways.contains(ref))) out.gateways.insert(ref);
    for (const auto& key : reference_keys(ref))
      if (auto it = edges_.find(key); it != edges_.end())
        for (const auto& [to, count] : it->second) push(to);
  }
  return out;
}

std::vector<sdk::Object> ObjectStore::all_objects() const {
  std::vector<sdk::Object> out;
  out.reserve(objects_.size());
  for (const auto& [timestamp, ref] : load_order_) out.push_back(*objects_.at(ref).object);
  return out;
}

const StoredObject* ObjectStore::find(const sdk::ObjectRef& ref) const {
  auto it = objects_.find(ref);
  return it == objects_.end() ? nullptr : &it->second;
}

std::vector<sdk::ObjectRef> ObjectStore::gateways() const {
  std::vector<sdk::ObjectRef> out;
  // Refs order by group, then kind: the Gateways are one contiguous range.
  for (auto it = objects_.lower_bound({kGatewayGroup, "Gateway", "", ""});
       it != objects_.end() && is_gateway(it->first); ++it)
    out.push_back(it->first);
  return out;
}

std::shared_ptr<const sdk::Secret> ObjectStore::find_secret(std::string_view ns, std::string_view name) const {
  std::lock_guard lock(secrets_mu_);
  auto it = secrets_.find({"", "Secret", std::string(ns), std::string(name)});
  return it == secrets_.end() ? nullptr : it->second.secret;
}

}  // namespace kgw::store
