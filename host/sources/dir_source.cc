#include "sources/dir_source.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <system_error>
#include <thread>

#include "logging/logging.h"

namespace kgw::sources {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_DELETE_SELF |
                                IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;

// Whether a file found in a directory is a manifest (explicitly named files always are).
bool manifest_name(std::string_view name) {
  if (name.empty() || name[0] == '.' || name[0] == '#' || name.back() == '~') return false;  // hidden, emacs, backups
  if (name == "4913" || name.ends_with(".swp") || name.ends_with(".swx")) return false;      // vim
  return name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
}

std::string child_of(const std::string& dir, std::string_view name) {
  std::string out = dir;
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

// `path` is `dir` or below it.
bool within(const std::string& path, const std::string& dir) {
  if (path == dir) return true;
  if (path.size() <= dir.size() || path.compare(0, dir.size(), dir) != 0) return false;
  return dir.back() == '/' || path[dir.size()] == '/';
}

// "a/b/", "a/./b" -> "a/b"; "" -> ".".
std::string normalize(const fs::path& p) {
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s.empty() ? "." : s;
}

uint64_t bytes_hash(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

enum class FileType { Missing, Regular, Directory, Other };

FileType type_of(const std::string& path) {  // follows symlinks
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return FileType::Missing;
  if (S_ISREG(st.st_mode)) return FileType::Regular;
  if (S_ISDIR(st.st_mode)) return FileType::Directory;
  return FileType::Other;
}

bool is_symlink(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

}  // namespace

class DirSource::Impl {
 public:
  explicit Impl(DirSourceOptions options) : options_(std::move(options)), log_(logging::get("source")) {
    for (const auto& p : options_.paths) {
      std::string root = normalize(p);
      if (std::find(roots_.begin(), roots_.end(), root) == roots_.end()) roots_.push_back(std::move(root));
    }
  }

  ~Impl() { stop(); }

  SourceUpdate load_once() {
    if (thread_.joinable()) {
      log_->error("load_once() called on a started dir source; ignored");
      return {};
    }
    reset();
    for (const auto& root : roots_) rescan_root(root);
    SourceUpdate u = take_update();
    u.initial = true;
    log_initial(u);
    return u;
  }

  sdk::Status start(Callback callback) {
    if (thread_.joinable()) return sdk::Status::error("the dir source is already started");
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0) return sdk::Status::error(std::string("cannot start inotify: ") + std::strerror(errno));
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) {
      const int err = errno;
      close_fds();
      return sdk::Status::error(std::string("cannot create an eventfd: ") + std::strerror(err));
    }
    callback_ = std::move(callback);
    reset();
    thread_ = std::thread([this] { run(); });
    return sdk::Status::ok();
  }

  void stop() {
    if (!thread_.joinable()) return;
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
    thread_.join();
    close_fds();
    watches_.clear();
    callback_ = nullptr;
  }

 private:
  struct FileState {
    uint64_t bytes_hash = 0;
    bool have_bytes = false;
    std::vector<ParsedObject> objects;  // what was last published
    std::vector<ParseError> errors;     // current
  };

  struct Watch {
    std::string dir;    // as the tree spells it when part of one, else as the parent of a root
    bool tree = false;  // a directory of a configured tree
    std::map<std::string, std::set<std::string>> roots;  // name in this directory -> configured paths
  };

  struct Stamp {
    int64_t seconds;
    int refs;
  };

  void reset() {
    files_.clear();
    root_errors_.clear();
    stamps_.clear();
    released_.clear();
    next_stamp_ = 1;
    changed_.clear();
    removed_.clear();
    error_keys_.clear();
  }

  void close_fds() {
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    inotify_fd_ = wake_fd_ = -1;
  }

  bool watching() const { return inotify_fd_ >= 0; }
  bool is_root(const std::string& path) const { return std::find(roots_.begin(), roots_.end(), path) != roots_.end(); }

  // A configured file inside a configured tree belongs to its own root while it exists.
  bool kept_as_root(const std::string& path) const { return is_root(path) && type_of(path) == FileType::Regular; }

  // ---- scanning ----

  // A configured path, whatever it is now: a directory tree, a file, or nothing.
  void rescan_root(const std::string& root) {
    if (watching()) watch_root_parent(root);
    const FileType type = type_of(root);
    set_root_error(root, type == FileType::Missing ? "no such file or directory"
                         : type == FileType::Other ? "not a regular file or directory"
                                                   : "");
    if (type == FileType::Directory) {
      remove_file(root);  // in case it was a file before
      rescan_tree(root);
      return;
    }
    // Not a directory (any more): nothing below it exists.
    for (auto it = files_.begin(); it != files_.end();) {
      const std::string path = (it++)->first;
      if (within(path, root) && path != root && !kept_as_root(path)) remove_file(path);
    }
    unwatch_tree(root, {});
    if (type == FileType::Regular)
      read(root);
    else
      remove_file(root);
  }

  // Re-reads a directory of a tree: new files and directories are read and watched, vanished ones
  // dropped. Every file below is read again; unchanged bytes make no update.
  void rescan_tree(const std::string& dir) {
    std::set<std::string> files_seen, dirs_seen;
    if (type_of(dir) == FileType::Directory) walk(dir, files_seen, dirs_seen);
    for (auto it = files_.begin(); it != files_.end();) {
      const std::string path = (it++)->first;
      if (within(path, dir) && !files_seen.contains(path) && !kept_as_root(path)) remove_file(path);
    }
    unwatch_tree(dir, dirs_seen);
  }

  void walk(const std::string& dir, std::set<std::string>& files_seen, std::set<std::string>& dirs_seen) {
    if (watching()) watch_dir(dir, /*tree=*/true, "");
    dirs_seen.insert(dir);
    std::error_code ec;
    std::vector<std::string> names;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    if (ec) log_->warn("{}: cannot list directory: {}", dir, ec.message());
    std::sort(names.begin(), names.end());  // load order: as filepath.Walk visits
    for (const auto& name : names) {
      if (name.empty() || name[0] == '.') continue;
      const std::string path = child_of(dir, name);
      const FileType type = type_of(path);
      if (type == FileType::Directory) {
        if (!is_symlink(path)) walk(path, files_seen, dirs_seen);
      } else if (type == FileType::Regular && manifest_name(name)) {
        files_seen.insert(path);
        read(path);
      }
    }
  }

  void read(const std::string& path) {
    std::string error;
    std::optional<std::string> bytes = read_file(path, error);
    if (!bytes && type_of(path) == FileType::Missing) return remove_file(path);  // gone meanwhile
    auto [it, is_new] = files_.try_emplace(path);
    FileState& state = it->second;
    ParseResult parsed;
    if (bytes) {
      const uint64_t h = bytes_hash(*bytes);
      if (state.have_bytes && state.bytes_hash == h) return;
      state.bytes_hash = h;
      state.have_bytes = true;
      parsed = parse_manifests(*bytes, path);
      for (const auto& w : parsed.warnings) log_->warn("{}", w.to_string());
    } else {
      state.have_bytes = false;
      parsed.errors.push_back({{std::make_shared<const std::string>(path), 0, 0}, "", "cannot read file: " + error});
    }
    if (parsed.errors != state.errors) {
      for (const auto& e : parsed.errors) log_->warn("{}", e.to_string());
      if (!parsed.errors.empty() && !is_new) log_->warn("{}: keeping the objects of its last good version", path);
      if (!is_new || !parsed.errors.empty()) error_keys_.insert(path);
      state.errors = std::move(parsed.errors);
    }
    // A file that had a good version keeps it while the new one has errors.
    if (is_new || state.errors.empty()) publish(path, state, std::move(parsed.objects));
  }

  void publish(const std::string& path, FileState& state, std::vector<ParsedObject> objects) {
    for (auto& o : objects) {
      auto [it, added] = stamps_.try_emplace(o.object.ref, Stamp{0, 0});
      if (added) it->second.seconds = next_stamp_++;
      ++it->second.refs;
      o.object.creation_timestamp = it->second.seconds;
    }
    release(state.objects);
    state.objects = std::move(objects);
    changed_.insert(path);
  }

  // Unused stamps are dropped only when the update is taken, so an object that moves to another
  // file within one update keeps its stamp.
  void release(const std::vector<ParsedObject>& objects) {
    for (const auto& o : objects)
      if (auto it = stamps_.find(o.object.ref); it != stamps_.end() && --it->second.refs <= 0)
        released_.insert(it->first);
  }

  void remove_file(const std::string& path) {
    auto it = files_.find(path);
    if (it == files_.end()) return;
    release(it->second.objects);
    if (!it->second.errors.empty()) error_keys_.insert(path);
    files_.erase(it);
    changed_.erase(path);
    removed_.insert(path);
  }

  void set_root_error(const std::string& root, const std::string& message) {
    std::vector<ParseError> errors;
    if (!message.empty()) errors.push_back({{std::make_shared<const std::string>(root), 0, 0}, "", message});
    auto it = root_errors_.find(root);
    const bool had = it != root_errors_.end();
    if (!had && errors.empty()) return;
    if (had && it->second == errors) return;
    for (const auto& e : errors) log_->warn("{}", e.to_string());
    if (errors.empty())
      root_errors_.erase(it);
    else
      root_errors_[root] = errors;
    error_keys_.insert(root);
  }

  // Builds the update from what changed since the last one.
  SourceUpdate take_update() {
    SourceUpdate u;
    for (const auto& path : changed_)
      if (auto it = files_.find(path); it != files_.end()) u.upserts[path] = it->second.objects;
    for (const auto& path : removed_)
      if (!files_.contains(path)) u.removed.push_back(path);
    for (const auto& key : error_keys_) {
      std::vector<ParseError>& errors = u.errors[key];
      if (auto it = root_errors_.find(key); it != root_errors_.end()) errors = it->second;
      if (auto it = files_.find(key); it != files_.end())
        errors.insert(errors.end(), it->second.errors.begin(), it->second.errors.end());
    }
    changed_.clear();
    removed_.clear();
    error_keys_.clear();
    for (const auto& ref : released_)
      if (auto it = stamps_.find(ref); it != stamps_.end() && it->second.refs <= 0) stamps_.erase(it);
    released_.clear();
    return u;
  }

  void log_initial(const SourceUpdate& u) {
    size_t objects = 0, bad = 0;
    for (const auto& [path, list] : u.upserts) objects += list.size();
    for (const auto& [path, list] : u.errors) bad += !list.empty();
    log_->info("loaded {} objects from {} files{}", objects, u.upserts.size(),
               bad ? " (" + std::to_string(bad) + " with errors)" : std::string());
  }

  // ---- watching ----

  // The same directory reached twice (as a tree directory and as the parent of a root) is one
  // inotify watch; the tree's spelling of its path wins, since file paths are built from it.
  void watch_dir(const std::string& dir, bool tree, const std::string& root_name = {}, const std::string& root = {}) {
    const int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(), kWatchMask);
    if (wd < 0) {
      log_->warn("{}: cannot watch: {}", dir, std::strerror(errno));
      return;
    }
    Watch& w = watches_[wd];
    if (tree || w.dir.empty()) w.dir = dir;
    w.tree = w.tree || tree;
    if (!root_name.empty()) w.roots[root_name].insert(root);
  }

  // Watching the parent sees a configured file replaced by rename, and a configured directory
  // deleted and created again.
  void watch_root_parent(const std::string& root) {
    fs::path p(root);
    if (p.filename() == "." || p.filename() == "..") p = fs::absolute(p).lexically_normal();
    const std::string name = p.filename().string();
    if (name.empty()) return;  // "/"
    watch_dir(normalize(p.parent_path()), /*tree=*/false, name, root);
  }

  void unwatch_tree(const std::string& dir, const std::set<std::string>& keep) {
    for (auto it = watches_.begin(); it != watches_.end();) {
      Watch& w = it->second;
      if (w.tree && within(w.dir, dir) && !keep.contains(w.dir)) {
        w.tree = false;
        if (w.roots.empty()) {
          ::inotify_rm_watch(inotify_fd_, it->first);
          it = watches_.erase(it);
          continue;
        }
      }
      ++it;
    }
  }

  struct Pending {
    bool full = false;
    std::set<std::string> roots, dirs, files;
    bool any() const { return full || !roots.empty() || !dirs.empty() || !files.empty(); }
  };

  void on_event(const inotify_event& ev, Pending& pending) {
    if (ev.mask & IN_Q_OVERFLOW) {
      log_->warn("inotify queue overflowed; reading everything again");
      pending.full = true;
      return;
    }
    auto it = watches_.find(ev.wd);
    if (it == watches_.end()) return;
    Watch& w = it->second;
    if (ev.mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
      if (w.tree) pending.dirs.insert(w.dir);
      for (const auto& [name, roots] : w.roots) pending.roots.insert(roots.begin(), roots.end());
      if (ev.mask & IN_IGNORED) watches_.erase(it);  // the kernel dropped it: the directory is gone
      return;
    }
    if (ev.len == 0) return;
    const std::string name = ev.name;
    const std::string path = child_of(w.dir, name);
    if (auto r = w.roots.find(name); r != w.roots.end()) pending.roots.insert(r->second.begin(), r->second.end());
    if (!w.tree) return;
    if (name[0] == '.') {
      // Kubernetes volume updates swap a hidden `..data` symlink: everything here may have changed.
      if ((ev.mask & (IN_CREATE | IN_MOVED_TO)) && is_symlink(path)) pending.dirs.insert(w.dir);
      return;
    }
    if (ev.mask & IN_ISDIR) {
      pending.dirs.insert(path);
    } else if (manifest_name(name)) {
      // A plain IN_CREATE is followed by IN_CLOSE_WRITE once the file is written; a symlink is not.
      if (!(ev.mask & IN_CREATE) || is_symlink(path)) pending.files.insert(path);
    }
  }

  // Applies pending events against what is on disk now.
  void apply(Pending& pending) {
    if (pending.full) {
      for (const auto& root : roots_) rescan_root(root);
    } else {
      for (const auto& root : pending.roots) rescan_root(root);
      for (const auto& dir : pending.dirs) {
        if (is_root(dir)) {
          rescan_root(dir);
        } else if (std::any_of(roots_.begin(), roots_.end(), [&](const auto& r) { return within(dir, r); })) {
          rescan_tree(dir);
        }
      }
      for (const auto& file : pending.files) {
        const FileType type = type_of(file);
        if (type == FileType::Regular)
          read(file);
        else if (type == FileType::Missing)
          remove_file(file);
      }
    }
    pending = Pending{};
  }

  void deliver(SourceUpdate u) {
    if (!u.initial && u.empty()) return;
    if (!u.initial)
      log_->debug("update: {} files changed, {} removed, {} with new errors", u.upserts.size(), u.removed.size(),
                  u.errors.size());
    try {
      callback_(std::move(u));
    } catch (const std::exception& e) {
      log_->error("the source's consumer failed: {}", e.what());
    } catch (...) {
      log_->error("the source's consumer failed");
    }
  }

  void run() {
    try {
      for (const auto& root : roots_) rescan_root(root);
      SourceUpdate initial = take_update();
      initial.initial = true;
      log_initial(initial);
      deliver(std::move(initial));
      loop();
    } catch (const std::exception& e) {
      log_->error("the dir source stopped: {}", e.what());
    }
  }

  void loop() {
    alignas(inotify_event) char buf[64 * 1024];
    Pending pending;
    std::optional<Clock::time_point> first, last;
    for (;;) {
      int timeout = -1;
      if (pending.any()) {
        const auto deadline = std::min(*last + options_.debounce, *first + options_.max_delay);
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        timeout = static_cast<int>(std::max<int64_t>(left + 1, 0));
      }
      pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
      const int n = ::poll(fds, 2, timeout);
      if (n < 0 && errno != EINTR) {
        log_->error("poll failed: {}", std::strerror(errno));
        return;
      }
      if (fds[0].revents & POLLIN) return;
      if (fds[1].revents & POLLIN) {
        const bool had = pending.any();
        for (;;) {
          const ssize_t len = ::read(inotify_fd_, buf, sizeof buf);
          if (len <= 0) break;
          for (ssize_t off = 0; off < len;) {
            const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
            on_event(*ev, pending);
            off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
          }
        }
        if (pending.any()) {
          const auto now = Clock::now();
          if (!had) first = now;
          last = now;
        }
      }
      if (pending.any() && Clock::now() >= std::min(*last + options_.debounce, *first + options_.max_delay)) {
        apply(pending);
        deliver(take_update());
      }
    }
  }

  DirSourceOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<std::string> roots_;  // normalised, in configured order

  std::map<std::string, FileState> files_;
  std::map<std::string, std::vector<ParseError>> root_errors_;
  std::map<sdk::ObjectRef, Stamp> stamps_;
  std::set<sdk::ObjectRef> released_;  // stamps left unused since the last update: dropped when taken
  int64_t next_stamp_ = 1;
  // Since the last update.
  std::set<std::string> changed_, removed_, error_keys_;

  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::map<int, Watch> watches_;
  Callback callback_;
  std::thread thread_;
};

DirSource::DirSource(DirSourceOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
DirSource::~DirSource() = default;

SourceUpdate DirSource::load_once() { return impl_->load_once(); }
sdk::Status DirSource::start(Callback callback) { return impl_->start(std::move(callback)); }
void DirSource::stop() { impl_->stop(); }

}  // namespace kgw::sources
