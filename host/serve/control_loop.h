// The running heart of `kgw serve`: source updates in, per-Gateway translations and status out.
//
// On its own thread the loop takes the pending update (updates that arrived meanwhile are
// coalesced into it), applies it to the store, translates again every affected Gateway that
// kgateway's controller owns (gateway_selection.h), drops the output of Gateways that are gone or
// no longer owned, and publishes the new set of outputs by swapping a pointer: readers of
// snapshot() never wait for a translation. Then it brings the status directory up to date. The
// first update is translated in full (every Gateway); once that is published the loop is ready.
//
// Bad input never costs the last good configuration: a file that does not parse keeps its last
// good objects (the source sees to that) and its errors are kept for the status directory; a
// Gateway whose translation fails keeps its last output.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "agw/output.h"
#include "config/config.h"
#include "kgw/sdk/status.h"
#include "plugins/extension_registry.h"
#include "serve/status_files.h"
#include "serve/status_merge.h"
#include "serve/status_writer.h"
#include "serve/update_queue.h"
#include "sources/dir_source.h"
#include "store/object_store.h"
#include "translator/output.h"
#include "translator/translation_memo.h"

namespace kgw::serve {

struct ControlLoopOptions {
  config::TranslationSettings settings;
  std::optional<std::filesystem::path> status_dir;  // unset: no status files
  // Called once on the loop's thread, right after the first full translation is published.
  std::function<void()> on_ready;
  // Called on the loop's thread with each new set of outputs, before snapshot() returns it, on_ready
  // runs and the status files are written:
  // every output, the Gateways translated again or dropped, and when the change was taken up.
  std::function<void(const GatewayOutputs& outputs, const std::set<sdk::ObjectRef>& changed,
                     std::chrono::steady_clock::time_point taken)>
      on_publish;
  // Set when agentgateway proxies are served: called on the loop's thread with the agentgateway
  // translation of every object, first with the first full translation, then after each change.
  std::function<void(const agw::Output& output)> on_agentgateway;
};

class ControlLoop {
 public:
  // `registry` must outlive the loop (the plugins' hooks run on the loop's thread).
  ControlLoop(ControlLoopOptions options, const plugins::ExtensionRegistry& registry);
  ~ControlLoop();  // stops
  ControlLoop(const ControlLoop&) = delete;
  ControlLoop& operator=(const ControlLoop&) = delete;

  // Starts the loop's thread. Fails when already started or the thread cannot be created.
  sdk::Status start();
  // Stops and joins the thread; updates not yet taken are dropped. Idempotent.
  void stop();

  // Hands an update over; returns at once. Thread-safe.
  void submit(sources::SourceUpdate update);
  // A DirSource callback that submits to this loop; stop the source before the loop goes.
  sources::DirSource::Callback consumer();

  // The latest output of a Gateway, or nullptr when it is not translated. Thread-safe; a reader
  // never waits for a translation, only for the pointer copy. The output stays valid while held.
  std::shared_ptr<const translator::Output> snapshot(const sdk::ObjectRef& gateway) const;
  // Every translated Gateway's latest output.
  std::shared_ptr<const GatewayOutputs> snapshots() const;
  // Every object's status: from the Gateways' outputs, and from the agentgateway translation.
  Statuses statuses() const;

  bool ready() const { return ready_.load(); }
  // Waits until ready or the timeout passes; returns ready().
  bool wait_ready(std::chrono::milliseconds timeout) const;

  // How many updates were processed (coalesced ones count once).
  uint64_t updates_processed() const { return processed_.load(); }

  // Manifest files with errors, and their errors (parse errors and Secrets that do not decode).
  FileErrors file_errors() const;

  // Translates again, soon, every Gateway whose translation uses `object`, as if it had changed:
  // what a plugin's HostApi::refresh asks for when state outside the manifests (endpoints it
  // discovers, say) changed. Thread-safe; requests made while the loop is busy coalesce into its
  // next pass. An object the store does not hold refreshes nothing.
  void refresh(const sdk::ObjectRef& object);

  // A condition about a Gateway's proxies (the xDS server's report of a rejected configuration),
  // added to the Gateway's status conditions; nullopt takes it away. Thread-safe; the status file
  // is rewritten on the loop's thread.
  void set_proxy_condition(const sdk::ObjectRef& gateway, std::optional<sdk::Value> condition);

 private:
  void run();
  void process(sources::SourceUpdate update);
  std::set<std::string> update_errors(const FileErrors& source_errors, const store::ChangeSet& changes);
  void write_all_status();
  void write_status_changes(const std::set<std::pair<std::string, std::string>>& agentgateway_touched,
                            const GatewayOutputs& before, const std::set<sdk::ObjectRef>& gateways,
                            const std::set<std::string>& error_files);

  ControlLoopOptions options_;
  const plugins::ExtensionRegistry& registry_;
  UpdateQueue queue_;
  std::thread thread_;

  // Touched only by the loop's thread.
  store::ObjectStore store_;
  std::map<std::string, std::vector<sources::ParseError>> source_errors_;  // per file, from the source
  std::map<std::string, std::vector<sources::ParseError>> object_errors_;  // per file, from the store
  std::optional<StatusWriter> status_writer_;

  std::atomic<std::shared_ptr<const GatewayOutputs>> outputs_;
  mutable std::mutex errors_mu_;
  FileErrors errors_;

  // The store's objects in load order, kept up to date change by change and lent to each
  // translation, so a change does not copy every object.
  std::vector<sdk::Object> input_objects_;
  bool input_valid_ = false;
  // Per Envoy Gateway, what its last translation built, told of every change since.
  std::map<sdk::ObjectRef, translator::TranslationMemo> memos_;
  void refresh_input(const store::ChangeSet& changes, bool incremental);
  // The agentgateway translation of every object, handed to on_agentgateway; its statuses kept.
  // Returns the statuses that changed (section, key).
  std::set<std::pair<std::string, std::string>> translate_agentgateway();
  // Written on the loop thread only; statuses() reads it from others.
  std::atomic<std::shared_ptr<const Statuses>> agentgateway_statuses_{std::make_shared<const Statuses>()};
  // For an update of EndpointSlices alone: `gateways`' last outputs with new load assignments for
  // the slices' Services, built as the translator builds them; routes, listeners and clusters are
  // not built again. nullopt for any other update (the caller translates).
  std::optional<std::map<sdk::ObjectRef, std::shared_ptr<const translator::Output>>> patch_endpoints(
      const store::ChangeSet& changes, const std::set<sdk::ObjectRef>& gateways, const GatewayOutputs& before,
      bool input_was_valid);

  // Objects whose users are to be translated again (refresh()), taken by the next pass.
  std::mutex refresh_mu_;
  std::set<sdk::ObjectRef> refresh_pending_;
  std::set<sdk::ObjectRef> take_refreshes();

  // Proxy conditions per Gateway, and the Gateways whose status file needs them written.
  mutable std::mutex proxy_mu_;
  std::map<sdk::ObjectRef, sdk::Value> proxy_conditions_;
  std::set<sdk::ObjectRef> proxy_dirty_;
  void add_proxy_conditions(Statuses& statuses) const;
  bool proxy_dirty() const;

  std::atomic<bool> ready_{false};
  std::atomic<uint64_t> processed_{0};
  mutable std::mutex ready_mu_;
  mutable std::condition_variable ready_cv_;
};

}  // namespace kgw::serve
