#include "sources/dir_source.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "logging/logging.h"

namespace kgw::sources {
namespace {

namespace fs = std::filesystem;
using kgw::test_support::TempDir;
using namespace std::chrono_literals;

constexpr auto kTimeout = 5s;

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// The way most editors and `kubectl`-style tools save: write a temporary file, rename it over.
void write_atomically(const std::string& path, const std::string& text) {
  const fs::path p(path);
  const std::string tmp = (p.parent_path() / ("." + p.filename().string() + ".tmp")).string();
  write(tmp, text);
  fs::rename(tmp, path);
}

std::string service(const std::string& name, const std::string& extra = "") {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\n" + extra;
}

std::vector<std::string> names_of(const std::vector<ParsedObject>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(o.object.ref.name);
  return out;
}

std::vector<std::string> strings(const std::vector<ParseError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.to_string());
  return out;
}

// Receives updates on the watcher thread and keeps the consumer's view of the source: objects
// and errors per file, as a store would.
class Collector {
 public:
  DirSource::Callback callback() {
    return [this](SourceUpdate u) {
      std::lock_guard lock(mu_);
      for (auto& [path, objects] : u.upserts) files_[path] = objects;
      for (const auto& path : u.removed) files_.erase(path);
      for (const auto& [path, errors] : u.errors) {
        if (errors.empty())
          errors_.erase(path);
        else
          errors_[path] = errors;
      }
      updates_.push_back(std::move(u));
      cv_.notify_all();
    };
  }

  struct View {
    const std::vector<SourceUpdate>& updates;
    const std::map<std::string, std::vector<ParsedObject>>& files;
    const std::map<std::string, std::vector<ParseError>>& errors;

    std::vector<std::string> names(const std::string& path) const {
      auto it = files.find(path);
      return it == files.end() ? std::vector<std::string>{} : names_of(it->second);
    }
    std::vector<std::string> errors_of(const std::string& path) const {
      auto it = errors.find(path);
      return it == errors.end() ? std::vector<std::string>{} : strings(it->second);
    }
  };

  // Waits until `pred` holds for the view; false on timeout.
  bool wait(const std::function<bool(const View&)>& pred) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kTimeout, [&] { return pred(View{updates_, files_, errors_}); });
  }

  template <typename F>
  auto with(F&& f) {
    std::lock_guard lock(mu_);
    return f(View{updates_, files_, errors_});
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SourceUpdate> updates_;
  std::map<std::string, std::vector<ParsedObject>> files_;
  std::map<std::string, std::vector<ParseError>> errors_;
};

// A started source over `paths` whose initial update has arrived.
struct Watched {
  explicit Watched(std::vector<fs::path> paths, std::chrono::milliseconds debounce = 50ms)
      : source(DirSourceOptions{std::move(paths), debounce}) {
    sdk::Status st = source.start(collector.callback());
    EXPECT_TRUE(st.is_ok()) << st.message();
    EXPECT_TRUE(collector.wait([](const auto& v) { return !v.updates.empty(); }));
  }
  size_t updates() {
    return collector.with([](const auto& v) { return v.updates.size(); });
  }

  Collector collector;
  DirSource source;  // stops before the collector goes away
};

// ---- load_once ----

TEST(DirSourceLoad, ReadsTreesInPathOrderAndSkipsWhatIsNotAManifest) {
  TempDir d{"kgw-dir-source"};
  fs::create_directories(d / "sub/deeper");
  fs::create_directories(d / ".git");
  write(d / "b.yaml", service("b1") + "---\n" + service("b2"));
  write(d / "a.yml", service("a"));
  write(d / "c.json", R"({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "c"}})");
  write(d / "sub/deeper/z.yaml", service("z"));
  write(d / "sub/x.yaml", service("x"));
  write(d / "subx.yaml", service("subx"));
  // Not manifests: other extensions, hidden files and directories, editor leftovers.
  for (const char* name : {"README.md", ".hidden.yaml", "a.yaml~", ".a.yaml.swp", "a.yaml.swp", "4913", ".#a.yaml",
                           "#a.yaml#", ".git/config.yaml"})
    write(d / name, "not: [valid");

  DirSource source(DirSourceOptions{{d.path()}});
  SourceUpdate u = source.load_once();
  EXPECT_TRUE(u.initial);
  EXPECT_TRUE(u.removed.empty());
  EXPECT_TRUE(u.errors.empty());
  std::vector<std::string> files;
  std::vector<std::pair<std::string, int64_t>> stamps;
  for (const auto& [path, objects] : u.upserts) files.push_back(path);
  EXPECT_EQ(files, (std::vector<std::string>{d / "a.yml", d / "b.yaml", d / "c.json", d / "sub/deeper/z.yaml",
                                             d / "sub/x.yaml", d / "subx.yaml"}));
  // Creation timestamps follow load order: a directory's entries by name, descending in place.
  std::map<std::string, int64_t> ts;
  for (const auto& [path, objects] : u.upserts)
    for (const auto& o : objects) ts[o.object.ref.name] = o.object.creation_timestamp;
  EXPECT_EQ(
      ts, (std::map<std::string, int64_t>{{"a", 1}, {"b1", 2}, {"b2", 3}, {"c", 4}, {"z", 5}, {"x", 6}, {"subx", 7}}));
  const auto& a = u.upserts.at(d / "a.yml").at(0);
  EXPECT_EQ(a.hash, content_hash(a.object.body));
  EXPECT_EQ(*a.object.body.mark().file, d / "a.yml");
}

TEST(DirSourceLoad, FilesNamedExplicitlyAndMissingPaths) {
  TempDir d{"kgw-dir-source"};
  write(d / "one.txt", service("one"));
  write(d / "bad.yaml", service("good") + "---\n" + "apiVersion: v1\nkind: Service\nmetadata: {}\n");
  DirSource source(DirSourceOptions{{d / "one.txt", d / "missing", d / "bad.yaml", d / "one.txt"}});
  SourceUpdate u = source.load_once();
  ASSERT_EQ(u.upserts.size(), 2u);
  EXPECT_EQ(names_of(u.upserts.at(d / "one.txt")), std::vector<std::string>{"one"});  // any extension
  // A file read for the first time contributes what parsed.
  EXPECT_EQ(names_of(u.upserts.at(d / "bad.yaml")), std::vector<std::string>{"good"});
  ASSERT_EQ(u.errors.size(), 2u);
  EXPECT_EQ(strings(u.errors.at(d / "missing")),
            std::vector<std::string>{d / "missing" + ": no such file or directory"});
  EXPECT_EQ(strings(u.errors.at(d / "bad.yaml")),
            std::vector<std::string>{d / "bad.yaml" + ":8:11: metadata.name: missing required field"});
}

TEST(DirSourceLoad, SecretsAndTheirErrorsNeverReachTheLog) {
  TempDir d{"kgw-dir-source"};
  write(d / "secret.yaml", R"(apiVersion: v1
kind: Secret
metadata: {name: s}
data:
  key: c3VwZXItc2VjcmV0LXZhbHVl
stringData:
  other: another-secret-value
---
apiVersion: v1
kind: Secret
metadata: {name: t}
stringData:
  password: "third-secret-value\q"
---
apiVersion: v1
kind: Secret
metadata: {name: u}
stringData:
  dup: fourth-secret-value
  dup: fifth-secret-value
)");
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
  auto log = logging::get("source");
  const auto level = log->level();
  log->set_level(spdlog::level::trace);
  log->sinks().push_back(sink);
  DirSource source(DirSourceOptions{{d.path()}});
  SourceUpdate u = source.load_once();
  log->sinks().pop_back();
  log->set_level(level);

  ASSERT_EQ(u.upserts.at(d / "secret.yaml").size(), 2u);
  std::string all;
  for (const auto& line : sink->last_formatted()) all += line;
  EXPECT_NE(all.find("unknown escape character"), std::string::npos) << all;
  EXPECT_NE(all.find("duplicate key"), std::string::npos) << all;
  for (const char* secret :
       {"c3VwZXI", "super-secret", "another-secret", "third-secret", "fourth-secret", "fifth-secret"})
    EXPECT_EQ(all.find(secret), std::string::npos) << secret << " leaked into: " << all;
}

// ---- watching ----

TEST(DirSourceWatch, InitialLoadThenAnEdit) {
  TempDir d{"kgw-dir-source"};
  write(d / "a.yaml", service("keep") + "---\n" + service("old"));
  Watched w({d.path()});
  w.collector.with([&](const auto& v) {
    EXPECT_TRUE(v.updates[0].initial);
    EXPECT_EQ(v.names(d / "a.yaml"), (std::vector<std::string>{"keep", "old"}));
  });

  write(d / "a.yaml", service("keep") + "---\n" + service("new"));
  ASSERT_TRUE(w.collector.wait([&](const auto& v) { return v.names(d / "a.yaml").back() == "new"; }));
  w.collector.with([&](const auto& v) {
    const SourceUpdate& u = v.updates.back();
    EXPECT_FALSE(u.initial);
    EXPECT_EQ(u.upserts.size(), 1u);
    EXPECT_TRUE(u.removed.empty());
    EXPECT_TRUE(u.errors.empty());
    // The object that stayed keeps its creation timestamp; the new one comes after the others.
    const auto& objects = v.files.at(d / "a.yaml");
    EXPECT_EQ(objects[0].object.creation_timestamp, 1);
    EXPECT_EQ(objects[1].object.creation_timestamp, 3);
  });
}

TEST(DirSourceWatch, AtomicRenameOver) {
  TempDir d{"kgw-dir-source"};
  write(d / "a.yaml", service("v1"));
  Watched w({d.path()});
  write_atomically(d / "a.yaml", service("v2"));
  ASSERT_TRUE(w.collector.wait([&](const auto& v) { return v.names(d / "a.yaml") == std::vector<std::string>{"v2"}; }));
  w.collector.with([&](const auto& v) {
    EXPECT_EQ(v.updates.size(), 2u);
    const SourceUpdate& u = v.updates.back();
    EXPECT_EQ(u.upserts.size(), 1u);  // the temporary file never shows
    EXPECT_TRUE(u.removed.empty());
    EXPECT_TRUE(v.errors.empty());
  });
}

TEST(DirSourceWatch, ExplicitFileReplacedByRename) {
  TempDir d{"kgw-dir-source"};
  write(d / "only.yaml", service("v1"));
  write(d / "other.yaml", service("not-configured"));
  Watched w({d / "only.yaml"});
  write_atomically(d / "only.yaml", service("v2"));
  write(d / "other.yaml", service("still-not-configured"));
  ASSERT_TRUE(
      w.collector.wait([&](const auto& v) { return v.names(d / "only.yaml") == std::vector<std::string>{"v2"}; }));
  w.collector.with([&](const auto& v) { EXPECT_EQ(v.files.size(), 1u); });
}

TEST(DirSourceWatch, Deletion) {
  TempDir d{"kgw-dir-source"};
  write(d / "a.yaml", service("a"));
  write(d / "b.yaml", service("b"));
  Watched w({d.path()});
  fs::remove(d / "a.yaml");
  ASSERT_TRUE(w.collector.wait([&](const auto& v) { return !v.files.contains(d / "a.yaml"); }));
  w.collector.with([&](const auto& v) {
    const SourceUpdate& u = v.updates.back();
    EXPECT_EQ(u.removed, std::vector<std::string>{d / "a.yaml"});
    EXPECT_TRUE(u.upserts.empty());
    EXPECT_EQ(v.names(d / "b.yaml"), std::vector<std::string>{"b"});
  });
}

TEST(DirSourceWatch, HalfWrittenFileKeepsItsObjectsUntilItIsGoodAgain) {
  TempDir d{"kgw-dir-source"};
  write(d / "a.yaml", service("a1") + "---\n" + service("a2"));
  Watched w({d.path()});

  write(d / "a.yaml", service("a1") + "---\napiVersion: v1\nkind: Service\nmetadata: {name: a2");
  ASSERT_TRUE(w.collector.wait([&](const auto& v) { return v.errors.contains(d / "a.yaml"); }));
  w.collector.with([&](const auto& v) {
    const SourceUpdate& u = v.updates.back();
    EXPECT_TRUE(u.upserts.empty());  // the previous objects stay
    EXPECT_EQ(v.names(d / "a.yaml"), (std::vector<std::string>{"a1", "a2"}));
    EXPECT_EQ(v.errors_of(d / "a.yaml"), std::vector<std::string>{d / "a.yaml" + ":8:1: end of map flow not found"});
  });

  write(d / "a.yaml", service("a1") + "---\n" + service("a2") + "---\n" + service("a3"));
  ASSERT_TRUE(w.collector.wait([&](const auto& v) { return v.names(d / "a.yaml").size() == 3; }));
  w.collector.with([&](const auto& v) {
    const SourceUpdate& u = v.updates.back();
    ASSERT_TRUE(u.errors.contains(d / "a.yaml"));
    EXPECT_TRUE(u.errors.at(d / "a.yaml").empty());  // good again
    EXPECT_TRUE(v.errors.empty());
    const auto& objects = v.files.at(d / "a.yaml");
    EXPECT_EQ(objects[1].object.creation_timestamp, 2);  // kept through the bad version
  });
}

TEST(DirSourceWatch, NewSubdirectoriesAreReadAndWatched) {
  TempDir d{"kgw-dir-source"};
  write(d / "a.yaml", service("a"));
  Watched w({d.path()});

  fs::create_directories(d / "sub/deeper");
  write(d / "sub/deeper/x.yaml", service("x"));
  ASSERT_TRUE(w.collector.wait([&](const auto& v) { return v.names(d / "sub/deeper/x.yaml").size() == 1; }));

  // The new directories are watched too.
  write(d / "sub/deeper/x.yaml", service("x2"));
  write(d / "sub/y.yaml", service("y"));
  ASSERT_TRUE(w.collector.wait([&](const auto& v) {
    return v.names(d / "sub/deeper/x.yaml") == std::vector<std::string>{"x2"} && v.files.contains(d / "sub/y.yaml");
  }));

  // A directory moved away takes its files with it.
  fs::rename(d / "sub", d / ".sub-moved-away");
  ASSERT_TRUE(w.collector.wait([&](const auto& v) { return v.files.size() == 1; }));
  EXPECT_TRUE(w.collector.with([&](const auto& v) { return v.files.contains(d / "a.yaml"); }));

  // ... and moved back, brings them again.
  fs::rename(d / ".sub-moved-away", d / "sub2");
  ASSERT_TRUE(w.collector.wait([&](const auto& v) { return v.files.size() == 3; }));
  EXPECT_TRUE(w.collector.with([&](const auto& v) { return v.files.contains(d / "sub2/deeper/x.yaml"); }));
}

TEST(DirSourceWatch, ConfiguredDirectoryDeletedAndCreatedAgain) {
  TempDir d{"kgw-dir-source"};
  fs::create_directories(d / "m");
  write(d / "m/a.yaml", service("a"));
  Watched w({d / "m"});
  fs::remove_all(d / "m");
  ASSERT_TRUE(w.collector.wait([&](const auto& v) { return v.files.empty() && v.errors.contains(d / "m"); }));
  EXPECT_EQ(w.collector.with([&](const auto& v) { return v.errors_of(d / "m"); }),
            std::vector<std::string>{d / "m" + ": no such file or directory"});
  fs::create_directories(d / "m");
  write(d / "m/b.yaml", service("b"));
  ASSERT_TRUE(w.collector.wait([&](const auto& v) { return v.files.contains(d / "m/b.yaml") && v.errors.empty(); }));
}

TEST(DirSourceWatch, BurstOfWritesMakesOneUpdate) {
  TempDir d{"kgw-dir-source"};
  write(d / "a.yaml", service("v0"));
  Watched w({d.path()}, 400ms);
  for (int i = 1; i <= 20; ++i) write(d / "a.yaml", service("v" + std::to_string(i)));
  write(d / "b.yaml", service("b"));
  ASSERT_TRUE(w.collector.wait([&](const auto& v) {
    return v.names(d / "a.yaml") == std::vector<std::string>{"v20"} && v.files.contains(d / "b.yaml");
  }));
  EXPECT_EQ(w.updates(), 2u);  // the initial one and one for the burst
}

TEST(DirSourceWatch, EditorTemporaryFilesAreIgnored) {
  TempDir d{"kgw-dir-source"};
  write(d / "a.yaml", service("a"));
  Watched w({d.path()});
  for (const char* name : {"a.yaml~", ".a.yaml.swp", "4913", "#a.yaml#", ".#a.yaml", "notes.txt", ".hidden.yaml"})
    write(d / name, "broken: [");
  fs::create_directories(d / ".cache");
  write(d / ".cache/x.yaml", service("hidden"));
  write(d / "sentinel.yaml", service("sentinel"));
  ASSERT_TRUE(w.collector.wait([&](const auto& v) { return v.files.contains(d / "sentinel.yaml"); }));
  w.collector.with([&](const auto& v) {
    for (const auto& u : v.updates) {
      for (const auto& [path, objects] : u.upserts)
        EXPECT_TRUE(path == d / "a.yaml" || path == d / "sentinel.yaml") << path;
      EXPECT_TRUE(u.removed.empty());
      EXPECT_TRUE(u.errors.empty());
    }
  });
}

// Kubernetes mounts a ConfigMap as symlinks into a hidden `..data` link that it swaps on update.
TEST(DirSourceWatch, KubernetesVolumeSymlinkSwap) {
  TempDir d{"kgw-dir-source"};
  fs::create_directories(d / "..2024_01");
  write(d / "..2024_01/a.yaml", service("v1"));
  fs::create_directory_symlink("..2024_01", d / "..data");
  fs::create_symlink("..data/a.yaml", d / "a.yaml");
  Watched w({d.path()});
  EXPECT_EQ(w.collector.with([&](const auto& v) { return v.names(d / "a.yaml"); }), std::vector<std::string>{"v1"});

  fs::create_directories(d / "..2024_02");
  write(d / "..2024_02/a.yaml", service("v2"));
  fs::create_directory_symlink("..2024_02", d / "..data_tmp");
  fs::rename(d / "..data_tmp", d / "..data");
  fs::remove_all(d / "..2024_01");
  ASSERT_TRUE(w.collector.wait([&](const auto& v) { return v.names(d / "a.yaml") == std::vector<std::string>{"v2"}; }));
}

TEST(DirSourceWatch, StopIsIdempotentAndStartTwiceFails) {
  TempDir d{"kgw-dir-source"};
  write(d / "a.yaml", service("a"));
  Collector c;
  DirSource source(DirSourceOptions{{d.path()}});
  ASSERT_TRUE(source.start(c.callback()).is_ok());
  EXPECT_FALSE(source.start(c.callback()).is_ok());
  ASSERT_TRUE(c.wait([](const auto& v) { return !v.updates.empty(); }));
  source.stop();
  source.stop();
  // A stopped source can be started again and begins with a fresh initial load.
  ASSERT_TRUE(source.start(c.callback()).is_ok());
  ASSERT_TRUE(c.wait([](const auto& v) { return v.updates.size() == 2; }));
  EXPECT_TRUE(c.with([](const auto& v) { return v.updates[1].initial; }));
}

}  // namespace
}  // namespace kgw::sources
