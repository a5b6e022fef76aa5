// The `dir` source: manifests from files and directory trees, read once or watched with inotify.
//
// Which files: every path given that names a file (whatever its extension), and under every
// directory given, recursively, the files ending in .yaml, .yml or .json, except hidden ones (and
// hidden directories) and editor leftovers (`foo~`, `#foo#`, `*.swp`, `*.swx`, vim's `4913`).
// Symlinks to files are followed (Kubernetes ConfigMap mounts are made of them); symlinks to
// directories are not, so a link cycle cannot trap the walk.
//
// What a file contributes: the objects of parse_manifests(). When a file that was read before
// fails to parse (an editor's half-written save, a typo), it keeps its previous objects and only
// its errors change; the next good version replaces them. A file never read before contributes
// the objects that did parse. Editors that save by writing a temporary file and renaming it over
// the original are seen as one change of the original.
//
// Creation timestamps: objects are numbered in load order (files in path order, documents in
// file order), 1, 2, 3, ... seconds after the epoch, as the reference cases load them. An object
// keeps its timestamp while any file defines it; one that disappears and comes back is new.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kgw/sdk/status.h"
#include "sources/manifest_parser.h"

namespace kgw::sources {

// One change set, keyed by file path (the configured path joined with the file's path below it,
// lexically normalised: the same string the objects' source marks carry).
struct SourceUpdate {
  // Files whose objects changed, each with its complete current list (file order). The receiver
  // replaces everything it had from that file; an empty list means the file now defines nothing.
  std::map<std::string, std::vector<ParsedObject>> upserts;
  // Files that are gone (deleted, renamed away, no longer under a configured path): drop every
  // object they defined. A file is never both here and in `upserts`.
  std::vector<std::string> removed;
  // Files whose errors changed, each with its complete current list. An empty list means the
  // file is good again (or gone). A configured path that does not exist is reported here too.
  std::map<std::string, std::vector<ParseError>> errors;
  // True for the update that carries the initial load (always delivered, even when empty).
  bool initial = false;

  bool empty() const { return upserts.empty() && removed.empty() && errors.empty(); }
};

struct DirSourceOptions {
  std::vector<std::filesystem::path> paths;  // files and directories
  // Quiet time after the last event before an update goes out, so a burst of events (an editor
  // saving, `cp -r`, `git checkout`) makes one update.
  std::chrono::milliseconds debounce{100};
  // Longest a steady stream of events can hold an update back.
  std::chrono::milliseconds max_delay{2000};
};

class DirSource {
 public:
  // Called on the watcher thread, one update at a time; it may block (the next events wait) but
  // must not call stop().
  using Callback = std::function<void(SourceUpdate)>;

  explicit DirSource(DirSourceOptions options);
  ~DirSource();  // stops
  DirSource(const DirSource&) = delete;
  DirSource& operator=(const DirSource&) = delete;

  // Reads everything, without watching: every file in `upserts` (even when empty), every file with
  // errors in `errors`, `initial` set. For `kgw translate` and tests. Not while started.
  SourceUpdate load_once();

  // Starts the watcher thread: it sets up the watches, then reads everything and delivers it as
  // the initial update, then delivers one update per debounced burst of changes. Fails (and
  // starts nothing) when inotify is unavailable or the source is already started.
  sdk::Status start(Callback callback);

  // Stops and joins the watcher thread; no callback runs after it returns. Idempotent.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kgw::sources
