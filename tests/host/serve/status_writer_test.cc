#include "serve/status_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/temp_dir.h"
#include "serve/status_files.h"
#include "serve/status_merge.h"
#include "translator/golden_format.h"

namespace kgw::serve {
namespace {

namespace fs = std::filesystem;
using kgw::test_support::TempDir;
const auto read = kgw::test_support::read_file;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct FileId {
  ino_t inode;
  struct timespec mtime;
  bool operator==(const FileId& o) const {
    return inode == o.inode && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec;
  }
};

FileId id_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return {st.st_ino, st.st_mtim};
}

std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out.push_back(e.path().lexically_relative(dir).string() + (e.is_directory() ? "/" : ""));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(StatusWriter, WritesOnlyWhatChangedAndRemovesStaleFiles) {
  TempDir d{"kgw-status-writer"};
  const fs::path dir = d.path() / "status";
  StatusWriter writer(dir, {"gateways", "httpRoutes"});
  auto r = writer.sync({{"gateways/default/gw.yaml", "a: 1\n"}, {"httpRoutes/default/r.yaml", "b: 1\n"}});
  EXPECT_TRUE(r.status.is_ok()) << r.status.message();
  EXPECT_EQ(r.written, 2u);
  EXPECT_EQ(read(dir / "gateways/default/gw.yaml"), "a: 1\n");
  const FileId gw = id_of(dir / "gateways/default/gw.yaml");
  const FileId route = id_of(dir / "httpRoutes/default/r.yaml");

  // Nothing changed: nothing is written, the files keep inode and mtime.
  r = writer.sync({{"gateways/default/gw.yaml", "a: 1\n"}, {"httpRoutes/default/r.yaml", "b: 1\n"}});
  EXPECT_EQ(r.written, 0u);
  EXPECT_EQ(r.removed, 0u);
  EXPECT_EQ(id_of(dir / "gateways/default/gw.yaml"), gw);
  EXPECT_EQ(id_of(dir / "httpRoutes/default/r.yaml"), route);

  // One changed: only it is replaced (a new inode: renamed into place), and no temporary is left.
  r = writer.sync({{"gateways/default/gw.yaml", "a: 1\n"}, {"httpRoutes/default/r.yaml", "b: 2\n"}});
  EXPECT_EQ(r.written, 1u);
  EXPECT_EQ(id_of(dir / "gateways/default/gw.yaml"), gw);
  EXPECT_NE(id_of(dir / "httpRoutes/default/r.yaml").inode, route.inode);
  EXPECT_EQ(read(dir / "httpRoutes/default/r.yaml"), "b: 2\n");
  EXPECT_THAT(files_under(dir), ElementsAre("gateways/", "gateways/default/", "gateways/default/gw.yaml", "httpRoutes/",
                                            "httpRoutes/default/", "httpRoutes/default/r.yaml"));

  // Gone from the wanted set: removed, with the directories it leaves empty.
  r = writer.sync({{"gateways/default/gw.yaml", "a: 1\n"}});
  EXPECT_EQ(r.removed, 1u);
  EXPECT_THAT(files_under(dir), ElementsAre("gateways/", "gateways/default/", "gateways/default/gw.yaml"));
}

TEST(StatusWriter, AReaderOfTheOldFileSeesTheOldContentWhole) {
  TempDir d{"kgw-status-writer"};
  StatusWriter writer(d.path(), {"gateways"});
  writer.sync({{"gateways/default/gw.yaml", "old: content\n"}});
  std::ifstream old_reader(d.path() / "gateways/default/gw.yaml");
  writer.sync({{"gateways/default/gw.yaml", "new: content, longer than the old\n"}});
  std::stringstream s;
  s << old_reader.rdbuf();
  EXPECT_EQ(s.str(), "old: content\n");
  EXPECT_EQ(read(d.path() / "gateways/default/gw.yaml"), "new: content, longer than the old\n");
}

TEST(StatusWriter, TakesOverWhatAPreviousRunLeft) {
  TempDir d{"kgw-status-writer"};
  fs::create_directories(d.path() / "gateways/default");
  fs::create_directories(d.path() / "mine");
  std::ofstream(d.path() / "gateways/default/kept.yaml") << "same\n";
  std::ofstream(d.path() / "gateways/default/stale.yaml") << "stale\n";
  std::ofstream(d.path() / "gateways/default/.half.yaml.tmp") << "half";
  std::ofstream(d.path() / "mine/other.yaml") << "not the writer's\n";
  const FileId kept = id_of(d.path() / "gateways/default/kept.yaml");

  StatusWriter writer(d.path(), {"gateways"});
  auto r = writer.sync({{"gateways/default/kept.yaml", "same\n"}});
  EXPECT_EQ(r.written, 0u);
  EXPECT_EQ(r.removed, 1u);
  EXPECT_EQ(id_of(d.path() / "gateways/default/kept.yaml"), kept);
  EXPECT_THAT(files_under(d.path()),
              ElementsAre("gateways/", "gateways/default/", "gateways/default/kept.yaml", "mine/", "mine/other.yaml"));
}

TEST(StatusWriter, ReportsFailuresAndRetries) {
  TempDir d{"kgw-status-writer"};
  std::ofstream(d.path() / "gateways") << "a file where a directory should be\n";
  StatusWriter writer(d.path(), {"gateways"});
  auto r = writer.sync({{"gateways/default/gw.yaml", "a: 1\n"}});
  EXPECT_FALSE(r.status.is_ok());
  EXPECT_THAT(r.status.message(), HasSubstr("gateways/default/gw.yaml"));
  fs::remove(d.path() / "gateways");
  r = writer.sync({{"gateways/default/gw.yaml", "a: 1\n"}});
  EXPECT_TRUE(r.status.is_ok()) << r.status.message();
  EXPECT_EQ(read(d.path() / "gateways/default/gw.yaml"), "a: 1\n");
}

TEST(StatusWriter, UpdatesSomeFilesAndRetriesFailures) {
  TempDir d{"kgw-status-writer"};
  StatusWriter writer(d.path(), {"gateways"});
  writer.sync({{"gateways/default/a.yaml", "a\n"}, {"gateways/default/b.yaml", "b\n"}});
  const FileId b = id_of(d.path() / "gateways/default/b.yaml");
  auto r = writer.update({{"gateways/default/a.yaml", std::nullopt},
                          {"gateways/default/b.yaml", "b\n"},
                          {"gateways/other/c.yaml", "c\n"}});
  EXPECT_TRUE(r.status.is_ok()) << r.status.message();
  EXPECT_EQ(r.written, 1u);
  EXPECT_EQ(r.removed, 1u);
  EXPECT_EQ(id_of(d.path() / "gateways/default/b.yaml"), b);
  EXPECT_THAT(files_under(d.path()), ElementsAre("gateways/", "gateways/default/", "gateways/default/b.yaml",
                                                 "gateways/other/", "gateways/other/c.yaml"));

  // A write that fails is tried again at the next update, whatever that one changes.
  std::ofstream(d.path() / "gateways/blocked") << "a file where a directory should be\n";
  r = writer.update({{"gateways/blocked/x.yaml", "x\n"}});
  EXPECT_FALSE(r.status.is_ok());
  fs::remove(d.path() / "gateways/blocked");
  r = writer.update({});
  EXPECT_TRUE(r.status.is_ok()) << r.status.message();
  EXPECT_EQ(r.written, 1u);
  EXPECT_EQ(read(d.path() / "gateways/blocked/x.yaml"), "x\n");
}

sdk::Value parent(const std::string& gateway, const std::string& reason) {
  sdk::Value ref = sdk::Value::Map{};
  ref.set("name", gateway);
  sdk::Value condition = sdk::Value::Map{};
  condition.set("type", "Accepted");
  condition.set("reason", reason);
  sdk::Value p = sdk::Value::Map{};
  p.set("parentRef", std::move(ref));
  p.set("conditions", sdk::Value::List{std::move(condition)});
  return p;
}

TEST(StatusMerge, ARouteOfTwoGatewaysGetsTheParentsOfBoth) {
  auto out1 = std::make_shared<translator::Output>();
  auto out2 = std::make_shared<translator::Output>();
  sdk::Value s1 = sdk::Value::Map{};
  s1.set("parents", sdk::Value::List{parent("gw1", "Accepted")});
  sdk::Value s2 = sdk::Value::Map{};
  s2.set("parents", sdk::Value::List{parent("gw2", "NotAllowedByListeners")});
  out1->statuses["httpRoutes"]["default/r"] = s1;
  out1->statuses["gateways"]["default/gw1"] = sdk::Value(sdk::Value::Map{});
  out2->statuses["httpRoutes"]["default/r"] = s2;
  out2->statuses["httpRoutes"]["default/only2"] = s2;
  GatewayOutputs outputs{{{"gateway.networking.k8s.io", "Gateway", "default", "gw2"}, out2},
                         {{"gateway.networking.k8s.io", "Gateway", "default", "gw1"}, out1}};
  Statuses merged = merge_statuses(outputs);
  const sdk::Value::List& parents = *merged["httpRoutes"]["default/r"].find("parents")->as_list();
  ASSERT_EQ(parents.size(), 2u);
  EXPECT_EQ(parents[0], parent("gw1", "Accepted"));  // in Gateway order
  EXPECT_EQ(parents[1], parent("gw2", "NotAllowedByListeners"));
  EXPECT_EQ(merged["httpRoutes"]["default/only2"], s2);
  EXPECT_TRUE(merged["gateways"].contains("default/gw1"));

  // The same entry from two outputs is kept once.
  out2->statuses["httpRoutes"]["default/r"] = s1;
  merged = merge_statuses(outputs);
  EXPECT_EQ(merged["httpRoutes"]["default/r"].find("parents")->as_list()->size(), 1u);
}

TEST(StatusFiles, ChangesCoverWhatTheGatewaysReportedBeforeAndNow) {
  const sdk::ObjectRef g1{"gateway.networking.k8s.io", "Gateway", "default", "gw1"};
  const sdk::ObjectRef g2{"gateway.networking.k8s.io", "Gateway", "default", "gw2"};
  auto route_status = [](const std::string& gw) {
    sdk::Value s = sdk::Value::Map{};
    s.set("parents", sdk::Value::List{parent(gw, "Accepted")});
    return s;
  };
  auto out1 = std::make_shared<translator::Output>();
  out1->statuses["gateways"]["default/gw1"] = sdk::Value(sdk::Value::Map{});
  out1->statuses["httpRoutes"]["default/r"] = route_status("gw1");
  auto out2 = std::make_shared<translator::Output>();
  out2->statuses["gateways"]["default/gw2"] = sdk::Value(sdk::Value::Map{});
  out2->statuses["httpRoutes"]["default/r"] = route_status("gw2");
  out2->statuses["httpRoutes"]["default/only2"] = route_status("gw2");
  const GatewayOutputs before{{g1, out1}, {g2, out2}};

  // gw1 translated again without the route: the route's file holds gw2's entry only; gw2's own
  // objects are not looked at.
  auto out1_new = std::make_shared<translator::Output>();
  out1_new->statuses["gateways"]["default/gw1"] = sdk::Value(sdk::Value::Map{});
  GatewayOutputs after{{g1, out1_new}, {g2, out2}};
  StatusFileChanges changes = status_file_changes(before, after, {g1});
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes.at("gateways/default/gw1.yaml"), std::optional<std::string>("{}\n"));
  EXPECT_EQ(changes.at("httpRoutes/default/r.yaml"), translator::render_yaml(route_status("gw2")));

  // gw2 dropped: its files go, the route keeps gw1's entry.
  after = {{g1, out1}};
  changes = status_file_changes(before, after, {g2});
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes.at("gateways/default/gw2.yaml"), std::nullopt);
  EXPECT_EQ(changes.at("httpRoutes/default/only2.yaml"), std::nullopt);
  EXPECT_EQ(changes.at("httpRoutes/default/r.yaml"), translator::render_yaml(route_status("gw1")));
}

TEST(StatusFiles, LaysOutObjectsAndErrors) {
  Statuses statuses;
  statuses["httpRoutes"]["default/r"] = sdk::Value(sdk::Value::Map{});
  statuses["policies"]["TrafficPolicy/ns/tp"] = sdk::Value(sdk::Value::Map{});
  FileErrors errors;
  errors["/m/my_routes.yaml"] = {{{nullptr, 3, 5}, "spec.rules", "expected a sequence"}};
  errors["/m/good.yaml"] = {};
  auto files = status_files(statuses, errors);
  std::vector<std::string> paths;
  for (const auto& [path, content] : files) paths.push_back(path);
  EXPECT_THAT(paths, ElementsAre("_errors/~m~my_routes.yaml.yaml", "httpRoutes/default/r.yaml",
                                 "policies/TrafficPolicy/ns/tp.yaml"));
  EXPECT_EQ(files["_errors/~m~my_routes.yaml.yaml"],
            "errors:\n  - column: 5\n    line: 3\n    message: expected a sequence\n    path: spec.rules\n"
            "file: /m/my_routes.yaml\n");
  EXPECT_EQ(escape_component(".."), "%2E%2E");
  EXPECT_EQ(escape_component(""), "_");
  EXPECT_EQ(escape_component("a b/c~"), "a%20b~c%7E");
  EXPECT_EQ(escape_component(std::string(300, 'x')).size(), 16u + 1u + 160u);
}

}  // namespace
}  // namespace kgw::serve
