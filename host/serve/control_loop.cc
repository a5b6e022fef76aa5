#include "serve/control_loop.h"

#include <algorithm>
#include <exception>
#include <set>
#include <system_error>
#include <tuple>
#include <utility>

#include "agw/translate.h"
#include "logging/logging.h"
#include "serve/gateway_selection.h"
#include "translator/endpoints.h"
#include "translator/translator.h"

namespace kgw::serve {
namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Sets or clears a file's entry; returns whether it changed.
bool set_file_errors(std::map<std::string, std::vector<sources::ParseError>>& map, const std::string& file,
                     const std::vector<sources::ParseError>& errors) {
  auto it = map.find(file);
  if (errors.empty()) {
    if (it == map.end()) return false;
    map.erase(it);
    return true;
  }
  if (it != map.end() && it->second == errors) return false;
  map[file] = errors;
  return true;
}

void report(const StatusWriter::Result& result, const std::filesystem::path& dir) {
  auto log = logging::get("status");
  for (const auto& e : result.status.errors()) log->warn("{}", e.to_string());
  if (result.written || result.removed)
    log->debug("{} status file(s) written, {} removed in {}", result.written, result.removed, dir.string());
}

}  // namespace

ControlLoop::ControlLoop(ControlLoopOptions options, const plugins::ExtensionRegistry& registry)
    : options_(std::move(options)), registry_(registry), outputs_(std::make_shared<const GatewayOutputs>()) {
  if (options_.status_dir) status_writer_.emplace(*options_.status_dir, status_directories());
}

ControlLoop::~ControlLoop() { stop(); }

sdk::Status ControlLoop::start() {
  if (thread_.joinable()) return sdk::Status::error("the control loop is already started");
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {
    return sdk::Status::error(std::string("cannot start the control loop thread: ") + e.what());
  }
  return sdk::Status::ok();
}

void ControlLoop::stop() {
  if (!thread_.joinable()) return;
  queue_.close();
  thread_.join();
}

void ControlLoop::submit(sources::SourceUpdate update) { queue_.push(std::move(update)); }

sources::DirSource::Callback ControlLoop::consumer() {
  return [this](sources::SourceUpdate update) { submit(std::move(update)); };
}

std::shared_ptr<const translator::Output> ControlLoop::snapshot(const sdk::ObjectRef& gateway) const {
  std::shared_ptr<const GatewayOutputs> outputs = outputs_.load();
  auto it = outputs->find(gateway);
  return it == outputs->end() ? nullptr : it->second;
}

std::shared_ptr<const GatewayOutputs> ControlLoop::snapshots() const { return outputs_.load(); }

bool ControlLoop::wait_ready(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(ready_mu_);
  return ready_cv_.wait_for(lock, timeout, [this] { return ready_.load(); });
}

FileErrors ControlLoop::file_errors() const {
  std::lock_guard lock(errors_mu_);
  return errors_;
}

void ControlLoop::run() {
  while (auto update = queue_.take()) {
    try {
      process(std::move(*update));
    } catch (const std::exception& e) {
      // Nothing is published from a failed pass: readers keep the last good outputs.
      logging::get("serve")->error("processing an update failed: {}", e.what());
    }
    ++processed_;
  }
}

void ControlLoop::process(sources::SourceUpdate update) {
  auto log = logging::get("serve");
  const auto started = std::chrono::steady_clock::now();
  const bool full = !ready_.load();
  const auto source_errors = std::move(update.errors);
  // The lent object list is valid again only once it is back and up to date (exceptions).
  const bool input_was_valid = std::exchange(input_valid_, false);
  const store::ChangeSet changes = store_.apply(std::move(update));
  const std::set<std::string> error_files = update_errors(source_errors, changes);
  const std::set<sdk::ObjectRef> refreshed = take_refreshes();

  store::AffectedGateways affected;
  if (full) {
    for (const auto& gateway : store_.gateways()) affected.gateways.insert(gateway);
    affected.all = true;
  } else {
    affected = store_.affected_gateways(changes);
    // A refreshed object counts as changed into itself: its users are found as for a change.
    store::ChangeSet as_changed;
    for (const auto& ref : refreshed)
      if (const store::StoredObject* stored = store_.find(ref))
        as_changed.objects.push_back({ref, stored->object, stored->object});
    if (!as_changed.objects.empty()) {
      store::AffectedGateways users = store_.affected_gateways(as_changed);
      affected.gateways.insert(users.gateways.begin(), users.gateways.end());
      affected.all = affected.all || users.all;
    }
  }

  // Every memo hears of every change, whether its Gateway is translated this time or not.
  if (!changes.secrets.empty() || !refreshed.empty()) {
    for (auto& [gateway, memo] : memos_) memo.forget_all();
  } else if (!changes.objects.empty()) {
    std::vector<sdk::ObjectRef> changed;
    changed.reserve(changes.objects.size());
    for (const auto& change : changes.objects) changed.push_back(change.ref);
    for (auto& [gateway, memo] : memos_) memo.invalidate(changed);
  }

  const std::shared_ptr<const GatewayOutputs> before = outputs_.load();
  auto outputs = std::make_shared<GatewayOutputs>(*before);
  std::set<sdk::ObjectRef> changed;  // Gateways translated again or dropped
  size_t translated = 0, dropped = 0;
  std::optional<translator::Input> input;  // built once, only when some Gateway needs it
  double input_ms = 0, publish_ms = 0;
  // EndpointSlices alone changed: new load assignments, nothing else built again.
  auto patched =
      full || !refreshed.empty() ? std::nullopt : patch_endpoints(changes, affected.gateways, *before, input_was_valid);
  if (patched) {
    for (auto& [gateway, output] : *patched) {
      (*outputs)[gateway] = std::move(output);
      changed.insert(gateway);
    }
  }
  for (const auto& gateway : patched ? std::set<sdk::ObjectRef>{} : affected.gateways) {
    const store::StoredObject* stored = store_.find(gateway);
    if (!stored || !is_managed(*stored->object, store_)) {
      memos_.erase(gateway);
      if (outputs->erase(gateway)) {
        ++dropped;
        changed.insert(gateway);
      }
      continue;
    }
    if (!input) {
      const auto input_started = std::chrono::steady_clock::now();
      refresh_input(changes, input_was_valid);
      input = translator::Input{std::move(input_objects_), {}};
      input_ms += ms_since(input_started);
      input->find_secret = [this](std::string_view ns, std::string_view name) { return store_.find_secret(ns, name); };
    }
    try {
      (*outputs)[gateway] = std::make_shared<const translator::Output>(
          translator::translate_gateway(*input, gateway, options_.settings, registry_, &memos_[gateway]));
      ++translated;
      changed.insert(gateway);
    } catch (const std::exception& e) {
      memos_.erase(gateway);
      log->error("translating Gateway {}/{} failed: {}; its last good configuration stays", gateway.ns, gateway.name,
                 e.what());
    }
  }
  if (input) {
    input_objects_ = std::move(input->objects);  // lent, now back and up to date
    input_valid_ = true;
  } else if (patched) {
    input_valid_ = true;  // patch_endpoints brought it up to date
  } else {
    input_valid_ = input_was_valid && changes.objects.empty();  // not kept up to date otherwise
  }
  if (!changed.empty() || full) {
    const auto publish_started = std::chrono::steady_clock::now();
    if (options_.on_publish) options_.on_publish(*outputs, changed, started);
    publish_ms = ms_since(publish_started);
    outputs_.store(std::move(outputs));
  }
  std::set<std::pair<std::string, std::string>> agentgateway_touched;
  if (options_.on_agentgateway &&
      (full || !changes.objects.empty() || !changes.secrets.empty() || !refreshed.empty())) {
    if (!input_valid_) {
      // No Envoy Gateway needed the object list this time: bring it up to date for agentgateway.
      refresh_input(changes, input_was_valid);
      input_valid_ = true;
    }
    agentgateway_touched = translate_agentgateway();
  }
  if (full)
    write_all_status();
  else if (!changed.empty() || !error_files.empty() || !agentgateway_touched.empty() || proxy_dirty())
    write_status_changes(agentgateway_touched, *before, changed, error_files);

  log->debug(
      "{} object(s) and {} Secret(s) changed, {} refreshed; {} Gateway(s) affected{}, {} translated, {} with new "
      "endpoints only, {} dropped in {:.1f} ms (input {:.1f} ms, snapshots {:.1f} ms)",
      changes.objects.size(), changes.secrets.size(), refreshed.size(), affected.gateways.size(),
      affected.all ? " (all)" : "", translated, patched ? patched->size() : 0, dropped, ms_since(started), input_ms,
      publish_ms);
  if (full) {
    log->info("ready: {} Gateway(s) translated from {} object(s) in {:.1f} ms", translated, store_.size(),
              ms_since(started));
    // The callback runs before waiters are released, so whoever sees ready also sees its effects.
    if (options_.on_ready) options_.on_ready();
    {
      std::lock_guard lock(ready_mu_);
      ready_.store(true);
    }
    ready_cv_.notify_all();
    // Refreshes asked for during this first pass may have come after their plugin's hook ran.
    bool pending = false;
    {
      std::lock_guard lock(refresh_mu_);
      pending = !refresh_pending_.empty();
    }
    if (pending) submit(sources::SourceUpdate{});
  }
}

void ControlLoop::refresh(const sdk::ObjectRef& object) {
  bool wake = false;
  {
    std::lock_guard lock(refresh_mu_);
    refresh_pending_.insert(object);
    // Before the first pass is done it takes every Gateway anyway; the pass wakes the loop again
    // if refreshes arrived meanwhile (ready_ is set before it looks, under this lock).
    wake = ready_.load();
  }
  if (wake) submit(sources::SourceUpdate{});
}

std::set<sdk::ObjectRef> ControlLoop::take_refreshes() {
  std::lock_guard lock(refresh_mu_);
  return std::exchange(refresh_pending_, {});
}

// Folds the update's file errors into the loop's; returns the files whose errors changed.
std::set<std::string> ControlLoop::update_errors(const FileErrors& source_errors, const store::ChangeSet& changes) {
  auto log = logging::get("serve");
  std::set<std::string> files;
  for (const auto& [file, errors] : source_errors)
    if (set_file_errors(source_errors_, file, errors)) files.insert(file);
  for (const auto& [file, errors] : changes.invalid)
    if (set_file_errors(object_errors_, file, errors)) files.insert(file);
  if (files.empty()) return files;
  std::lock_guard lock(errors_mu_);
  for (const auto& file : files) {
    std::vector<sources::ParseError> all;
    if (auto it = source_errors_.find(file); it != source_errors_.end()) all = it->second;
    if (auto it = object_errors_.find(file); it != object_errors_.end())
      all.insert(all.end(), it->second.begin(), it->second.end());
    // The source and the store log each error with its position; here only the outcome.
    if (all.empty()) {
      if (errors_.erase(file)) log->info("{}: no errors any more", file);
    } else {
      errors_[file] = std::move(all);
    }
  }
  return files;
}

std::optional<std::map<sdk::ObjectRef, std::shared_ptr<const translator::Output>>> ControlLoop::patch_endpoints(
    const store::ChangeSet& changes, const std::set<sdk::ObjectRef>& gateways, const GatewayOutputs& before,
    bool input_was_valid) {
  constexpr const char* kServiceLabel = translator::kServiceNameLabel;
  if (changes.objects.empty() || !changes.secrets.empty()) return std::nullopt;
  std::set<std::pair<std::string, std::string>> services;  // namespace, name
  for (const auto& change : changes.objects) {
    if (change.ref.group != "discovery.k8s.io" || change.ref.kind != "EndpointSlice") return std::nullopt;
    for (const auto* object : {change.before.get(), change.after.get()}) {
      if (!object) continue;
      auto label = object->labels.find(kServiceLabel);
      if (label == object->labels.end()) return std::nullopt;
      services.emplace(change.ref.ns, label->second);
    }
  }
  for (const auto& gateway : gateways)
    if (!before.contains(gateway)) return std::nullopt;  // a Gateway without output: translate it

  refresh_input(changes, input_was_valid);
  std::vector<envoy::config::endpoint::v3::ClusterLoadAssignment> assignments;
  for (const auto& [ns, name] : services) {
    const store::StoredObject* stored = store_.find({"", "Service", ns, name});
    if (!stored) continue;  // no Service: no cluster uses these endpoints
    for (auto& cla : translator::service_endpoints(*stored->object, input_objects_))
      assignments.push_back(std::move(cla));
  }

  std::map<sdk::ObjectRef, std::shared_ptr<const translator::Output>> out;
  for (const auto& gateway : gateways)
    out[gateway] =
        std::make_shared<const translator::Output>(translator::with_endpoints(*before.at(gateway), assignments));
  return out;
}

namespace {

// agentgateway's statuses in the status directory's sections: Gateways and routes with kgateway's,
// every other kind (AgentgatewayBackend, AgentgatewayPolicy, ...) under policies/<Kind>.
Statuses sections_of(std::vector<agw::ObjectStatus>&& statuses) {
  static const std::map<std::string, std::string> kSections = {
      {"Gateway", "gateways"},     {"ListenerSet", "listenerSets"}, {"XListenerSet", "listenerSets"},
      {"HTTPRoute", "httpRoutes"}, {"GRPCRoute", "grpcRoutes"},     {"TCPRoute", "tcpRoutes"},
      {"TLSRoute", "tlsRoutes"}};
  Statuses out;
  for (auto& s : statuses) {
    const std::string key = s.object.ns.empty() ? s.object.name : s.object.ns + "/" + s.object.name;
    auto section = kSections.find(s.object.kind);
    if (section != kSections.end())
      out[section->second][key] = std::move(s.status);
    else
      out["policies"][s.object.kind + "/" + key] = std::move(s.status);
  }
  return out;
}

}  // namespace

std::set<std::pair<std::string, std::string>> ControlLoop::translate_agentgateway() {
  // agentgateway's Backends and Addresses are global, so every change translates all of it.
  const auto started = std::chrono::steady_clock::now();
  std::set<std::pair<std::string, std::string>> touched;
  try {
    agw::Output output = agw::translate(input_objects_, registry_, [this](std::string_view ns, std::string_view name) {
      return store_.find_secret(ns, name);
    });
    options_.on_agentgateway(output);
    const size_t resources = output.resources.size(), addresses = output.addresses.size();
    auto statuses = std::make_shared<const Statuses>(sections_of(std::move(output.statuses)));
    // What changed: statuses new or different, and those gone.
    const std::shared_ptr<const Statuses> before = agentgateway_statuses_.load();
    auto find = [](const Statuses& in, const std::string& section, const std::string& key) -> const sdk::Value* {
      auto s = in.find(section);
      if (s == in.end()) return nullptr;
      auto k = s->second.find(key);
      return k == s->second.end() ? nullptr : &k->second;
    };
    for (const auto& [section, objects] : *statuses)
      for (const auto& [key, status] : objects)
        if (const sdk::Value* was = find(*before, section, key); !was || !(*was == status))
          touched.emplace(section, key);
    for (const auto& [section, objects] : *before)
      for (const auto& [key, status] : objects)
        if (!find(*statuses, section, key)) touched.emplace(section, key);
    agentgateway_statuses_.store(std::move(statuses));
    logging::get("serve")->debug("agentgateway: {} resource(s), {} address(es) in {:.1f} ms", resources, addresses,
                                 ms_since(started));
  } catch (const std::exception& e) {
    logging::get("serve")->error("agentgateway translation failed: {}; the last good configuration stays", e.what());
  }
  return touched;
}

Statuses ControlLoop::statuses() const {
  Statuses out = merge_statuses(*outputs_.load());
  merge_statuses(out, *agentgateway_statuses_.load());
  return out;
}

void ControlLoop::refresh_input(const store::ChangeSet& changes, bool incremental) {
  auto position = [this](const sdk::Object& object) {
    return std::lower_bound(input_objects_.begin(), input_objects_.end(), object, [](const auto& a, const auto& b) {
      return std::tie(a.creation_timestamp, a.ref) < std::tie(b.creation_timestamp, b.ref);
    });
  };
  if (incremental) {
    // Objects changed in place keep their place in load order; anything else rebuilds the list.
    for (const auto& change : changes.objects) {
      if (!change.before || !change.after || change.before->creation_timestamp != change.after->creation_timestamp) {
        incremental = false;
        break;
      }
      auto it = position(*change.before);
      if (it == input_objects_.end() || it->ref != change.ref) {
        incremental = false;
        break;
      }
      *it = *change.after;
    }
  }
  if (!incremental) input_objects_ = store_.all_objects();
}

void ControlLoop::set_proxy_condition(const sdk::ObjectRef& gateway, std::optional<sdk::Value> condition) {
  {
    std::lock_guard lock(proxy_mu_);
    if (condition)
      proxy_conditions_[gateway] = std::move(*condition);
    else if (!proxy_conditions_.erase(gateway))
      return;
    proxy_dirty_.insert(gateway);
  }
  submit(sources::SourceUpdate{});  // wakes the loop, which writes the status
}

bool ControlLoop::proxy_dirty() const {
  std::lock_guard lock(proxy_mu_);
  return !proxy_dirty_.empty();
}

// Appends each Gateway's proxy condition to its translated status conditions.
void ControlLoop::add_proxy_conditions(Statuses& statuses) const {
  std::lock_guard lock(proxy_mu_);
  auto gateways = statuses.find("gateways");
  if (gateways == statuses.end()) return;
  for (const auto& [gateway, condition] : proxy_conditions_) {
    auto it = gateways->second.find(gateway.ns + "/" + gateway.name);
    if (it == gateways->second.end() || !it->second.is_map()) continue;
    const sdk::Value* existing = it->second.find("conditions");
    sdk::Value::List conditions = existing && existing->is_list() ? *existing->as_list() : sdk::Value::List{};
    conditions.push_back(condition);
    it->second.set("conditions", std::move(conditions));
  }
}

void ControlLoop::write_all_status() {
  if (!status_writer_) return;
  {
    std::lock_guard lock(proxy_mu_);
    proxy_dirty_.clear();
  }
  Statuses statuses = merge_statuses(*outputs_.load());
  merge_statuses(statuses, *agentgateway_statuses_.load());
  add_proxy_conditions(statuses);
  const auto files = status_files(statuses, file_errors());
  report(status_writer_->sync(files), status_writer_->dir());
}

// Rewrites only what this update can have changed: the objects the re-translated or dropped
// Gateways reported on, and the error files of the files whose errors changed.
void ControlLoop::write_status_changes(const std::set<std::pair<std::string, std::string>>& agentgateway_touched,
                                       const GatewayOutputs& before, const std::set<sdk::ObjectRef>& gateways,
                                       const std::set<std::string>& error_files) {
  if (!status_writer_) return;
  StatusFileChanges changes =
      status_file_changes(before, *outputs_.load(), gateways, *agentgateway_statuses_.load(), agentgateway_touched);
  // Gateways with a proxy condition, or whose condition changed, get their file anew.
  std::set<sdk::ObjectRef> with_conditions;
  {
    std::lock_guard lock(proxy_mu_);
    with_conditions.swap(proxy_dirty_);
    for (const auto& gateway : gateways)
      if (proxy_conditions_.contains(gateway)) with_conditions.insert(gateway);
  }
  const auto outputs = outputs_.load();
  for (const auto& gateway : with_conditions) {
    const std::string key = gateway.ns + "/" + gateway.name;
    auto merged = merged_status(*outputs, "gateways", key);
    // An agentgateway Gateway's status comes from the agentgateway translation.
    const auto agw_statuses = agentgateway_statuses_.load();
    if (auto agw = agw_statuses->find("gateways"); agw != agw_statuses->end())
      if (auto it = agw->second.find(key); it != agw->second.end()) {
        if (merged)
          merge_status(*merged, it->second);
        else
          merged = it->second;
      }
    if (!merged) continue;
    Statuses one{{"gateways", {{key, std::move(*merged)}}}};
    add_proxy_conditions(one);
    for (auto& [path, content] : status_files(one, {})) changes[path] = std::move(content);
  }
  const FileErrors errors = file_errors();
  for (const auto& file : error_files) {
    auto it = errors.find(file);
    changes[errors_path(file)] = it == errors.end() ? std::nullopt : std::optional(render_errors(file, it->second));
  }
  report(status_writer_->update(changes), status_writer_->dir());
}

}  // namespace kgw::serve
