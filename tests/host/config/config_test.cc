#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace kgw::config {
namespace {

namespace fs = std::filesystem;

const std::string kSource = "[source]\nkind = \"dir\"\npaths = [\"manifests\"]\n";

std::vector<std::string> errors_of(std::string_view text, const fs::path& file = "test.toml") {
  LoadResult r = load_config_string(text, file);
  EXPECT_EQ(r.config.has_value(), r.errors.empty());
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.to_string());
  return out;
}

Config load_ok(std::string_view text, const fs::path& file = "test.toml") {
  LoadResult r = load_config_string(text, file);
  for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
  return r.config ? *r.config : Config{};
}

using Errors = std::vector<std::string>;

// ---- good files ----

TEST(ConfigDefault, EmbeddedDefaultLoads) {
  const fs::path root = KGW_SOURCE_DIR;
  LoadResult r = load_config_file(root / "conf/kgw.toml");
  for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
  ASSERT_TRUE(r.config);
  const Config& c = *r.config;
  EXPECT_EQ(c.file, root / "conf/kgw.toml");
  EXPECT_EQ(c.server, ServerConfig{});
  EXPECT_EQ(c.source.kind, "dir");
  ASSERT_EQ(c.source.paths.size(), 1u);
  EXPECT_EQ(c.source.paths[0], (root / "conf/examples").lexically_normal());
  EXPECT_TRUE(fs::exists(c.source.paths[0] / "gateway.yaml"));
  EXPECT_EQ(c.source.status_dir, fs::path("/tmp/kgw-status"));
  ASSERT_EQ(c.plugins.size(), 3u);
  const char* names[] = {"backend-aws", "filters", "ai-mcp-a2a"};
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(names[i]);
    EXPECT_EQ(c.plugins[i].name, names[i]);
    EXPECT_TRUE(c.plugins[i].path.empty());
    EXPECT_TRUE(c.plugins[i].enabled);
    EXPECT_FALSE(c.plugins[i].required);
    EXPECT_EQ(c.plugins[i].config, sdk::Value(sdk::Value::Map{}));
  }
  EXPECT_EQ(c.translation, TranslationSettings{});
}

TEST(ConfigGood, MinimalFileGetsDefaults) {
  Config c = load_ok(kSource, "/etc/kgw/kgw.toml");
  EXPECT_EQ(c.server.xds_address, "0.0.0.0");
  EXPECT_EQ(c.server.xds_port, 9977);
  EXPECT_EQ(c.server.admin_address, "127.0.0.1");
  EXPECT_EQ(c.server.admin_port, 9095);
  EXPECT_EQ(c.server.log, LogConfig{});
  EXPECT_EQ(c.source.paths, std::vector<fs::path>{"/etc/kgw/manifests"});
  EXPECT_FALSE(c.source.status_dir);
  EXPECT_EQ(c.source.debounce_ms, 100);
  EXPECT_TRUE(c.plugins.empty());
  EXPECT_EQ(c.translation, TranslationSettings{});
}

TEST(ConfigGood, EveryKey) {
  Config c = load_ok(R"(
[server]
xds_address = "127.0.0.1"
xds_port = 18000
admin_address = "0.0.0.0"
admin_port = 1

[server.log]
level = "debug"
format = "json"
components = { xds = "trace", plugins = "off", plugin.backend-aws = "debug", "plugin.filters" = "warn" }

[source]
kind = "dir"
paths = ["manifests", "../shared/gw.yaml", "/abs/dir"]
status_dir = "state/status"

[[plugins]]
name = "backend-aws"
path = "lib/kgw-backend-aws.so"
enabled = false
required = true
[plugins.config]
region = "eu-west-1"

[[plugins]]
name = "filters"

[translation]
validation_mode = "strict"
reference_grant_mode = "off"
global_policy_namespace = "kgateway-system"
enable_route_source_metadata = true
weighted_route_precedence = true
[translation.policy_merge]
trafficPolicy = { acl = "ShallowMerge", extProc = "DeepMerge" }
)",
                     "/etc/kgw/kgw.toml");
  EXPECT_EQ(c.server.xds_address, "127.0.0.1");
  EXPECT_EQ(c.server.xds_port, 18000);
  EXPECT_EQ(c.server.admin_address, "0.0.0.0");
  EXPECT_EQ(c.server.admin_port, 1);
  EXPECT_EQ(c.server.log.level, "debug");
  EXPECT_EQ(c.server.log.format, "json");
  EXPECT_EQ(c.server.log.components,
            (std::map<std::string, std::string>{
                {"xds", "trace"}, {"plugins", "off"}, {"plugin.backend-aws", "debug"}, {"plugin.filters", "warn"}}));

  EXPECT_EQ(c.source.kind, "dir");
  EXPECT_EQ(c.source.paths, (std::vector<fs::path>{"/etc/kgw/manifests", "/etc/shared/gw.yaml", "/abs/dir"}));
  EXPECT_EQ(c.source.status_dir, fs::path("/etc/kgw/state/status"));

  ASSERT_EQ(c.plugins.size(), 2u);
  EXPECT_EQ(c.plugins[0].name, "backend-aws");
  EXPECT_EQ(c.plugins[0].path, fs::path("/etc/kgw/lib/kgw-backend-aws.so"));
  EXPECT_FALSE(c.plugins[0].enabled);
  EXPECT_TRUE(c.plugins[0].required);
  EXPECT_EQ(c.plugins[0].config, sdk::Value(sdk::Value::Map{{"region", "eu-west-1"}}));
  EXPECT_EQ(c.plugins[0].mark.to_string(), "/etc/kgw/kgw.toml:18:1");
  EXPECT_EQ(c.plugins[1].name, "filters");
  EXPECT_TRUE(c.plugins[1].path.empty());
  EXPECT_TRUE(c.plugins[1].enabled);
  EXPECT_FALSE(c.plugins[1].required);
  EXPECT_EQ(c.plugins[1].mark.to_string(), "/etc/kgw/kgw.toml:26:1");

  TranslationSettings want;
  want.validation_mode = ValidationMode::Strict;
  want.reference_grant_mode = ReferenceGrantMode::Off;
  want.global_policy_namespace = "kgateway-system";
  want.enable_route_source_metadata = true;
  want.weighted_route_precedence = true;
  want.policy_merge["trafficPolicy"]["acl"] = MergeStrategy::ShallowMerge;
  want.policy_merge["trafficPolicy"]["extProc"] = MergeStrategy::DeepMerge;
  EXPECT_EQ(c.translation, want);
}

TEST(ConfigGood, RelativeFileNameResolvesAgainstItsDirectory) {
  Config c =
      load_ok(kSource + "status_dir = \"../run\"\n[[plugins]]\nname = \"x\"\npath = \"x.so\"\n", "conf/kgw.toml");
  EXPECT_EQ(c.source.paths, std::vector<fs::path>{"conf/manifests"});
  EXPECT_EQ(c.source.status_dir, fs::path("run"));
  EXPECT_EQ(c.plugins[0].path, fs::path("conf/x.so"));

  // A bare file name has no directory: paths stay relative to the working directory.
  Config bare = load_ok(kSource, "kgw.toml");
  EXPECT_EQ(bare.source.paths, std::vector<fs::path>{"manifests"});
}

TEST(ConfigGood, LoadsFromFile) {
  fs::path dir = fs::temp_directory_path() / ("kgw-config-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "kgw.toml") << kSource;
  LoadResult r = load_config_file(dir / "kgw.toml");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->source.paths, std::vector<fs::path>{dir / "manifests"});
  fs::remove_all(dir);
}

// ---- plugin config as sdk::Value ----

TEST(ConfigPluginValue, TypesNestingArraysOrderAndMarks) {
  Config c = load_ok(kSource + R"([[plugins]]
name = "p"
[plugins.config]
zeta = "s"
count = 42
ratio = 0.5
on = true
when = 1979-05-27T07:32:00Z
day = 1979-05-27
list = [1, "two", { three = 3 }]
auth.mode = "sts"
[plugins.config.upstreams]
beta = { region = "us-east-1", ports = [80, 443] }
alpha = {}
[[plugins.config.rules]]
match = "a"
[[plugins.config.rules]]
match = "b"
)",
                     "/etc/kgw/kgw.toml");
  ASSERT_EQ(c.plugins.size(), 1u);
  const sdk::Value& v = c.plugins[0].config;
  ASSERT_TRUE(v.is_map());

  // Keys keep the file's order, not the alphabetical order of the TOML library.
  std::vector<std::string> keys;
  for (const auto& [k, _] : *v.as_map()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"zeta", "count", "ratio", "on", "when", "day", "list", "auth", "upstreams",
                                            "rules"}));
  std::vector<std::string> upstreams;
  for (const auto& [k, _] : *v.find("upstreams")->as_map()) upstreams.push_back(k);
  EXPECT_EQ(upstreams, (std::vector<std::string>{"beta", "alpha"}));

  EXPECT_EQ(*v.find("zeta")->as_string(), "s");
  EXPECT_EQ(v.find("count")->as_int(), 42);
  EXPECT_EQ(v.find("ratio")->as_double(), 0.5);
  EXPECT_TRUE(v.find("ratio")->is_double());
  EXPECT_EQ(v.find("on")->as_bool(), true);
  EXPECT_EQ(*v.find("when")->as_string(), "1979-05-27T07:32:00Z");
  EXPECT_EQ(*v.find("day")->as_string(), "1979-05-27");
  EXPECT_EQ(*v.find("list"), sdk::Value(sdk::Value::List{1, "two", sdk::Value(sdk::Value::Map{{"three", 3}})}));
  EXPECT_EQ(*v.find("auth"), sdk::Value(sdk::Value::Map{{"mode", "sts"}}));
  EXPECT_EQ(*v.find("upstreams")->find("beta"),
            sdk::Value(sdk::Value::Map{{"region", "us-east-1"}, {"ports", sdk::Value(sdk::Value::List{80, 443})}}));
  EXPECT_EQ(*v.find("upstreams")->find("alpha"), sdk::Value(sdk::Value::Map{}));
  EXPECT_EQ(*v.find("rules"), sdk::Value(sdk::Value::List{
                                  sdk::Value(sdk::Value::Map{{"match", "a"}}),
                                  sdk::Value(sdk::Value::Map{{"match", "b"}}),
                              }));

  // Marks: tables at their header, values at the value, list items at the item.
  EXPECT_EQ(v.mark().to_string(), "/etc/kgw/kgw.toml:6:1");
  EXPECT_EQ(v.find("zeta")->mark().to_string(), "/etc/kgw/kgw.toml:7:8");
  EXPECT_EQ(v.find("count")->mark().to_string(), "/etc/kgw/kgw.toml:8:9");
  EXPECT_EQ((*v.find("list")->as_list())[1].mark().to_string(), "/etc/kgw/kgw.toml:13:12");
  EXPECT_EQ((*v.find("list")->as_list())[2].find("three")->mark().to_string(), "/etc/kgw/kgw.toml:13:29");
  EXPECT_EQ(v.find("auth")->find("mode")->mark().to_string(), "/etc/kgw/kgw.toml:14:13");
  EXPECT_EQ(v.find("upstreams")->mark().to_string(), "/etc/kgw/kgw.toml:15:1");
  EXPECT_EQ(v.find("upstreams")->find("beta")->find("ports")->mark().to_string(), "/etc/kgw/kgw.toml:16:40");
  EXPECT_EQ((*v.find("rules")->as_list())[1].mark().to_string(), "/etc/kgw/kgw.toml:20:1");
  EXPECT_EQ((*v.find("rules")->as_list())[1].find("match")->mark().to_string(), "/etc/kgw/kgw.toml:21:9");
  // Every node of one file shares the file name.
  EXPECT_EQ(v.mark().file, v.find("zeta")->mark().file);
}

TEST(ConfigPluginValue, AbsentConfigIsAnEmptyTableMarkedAtTheEntry) {
  Config c = load_ok(kSource + "\n[[plugins]]\nname = \"p\"\n");
  EXPECT_EQ(c.plugins[0].config, sdk::Value(sdk::Value::Map{}));
  EXPECT_TRUE(c.plugins[0].config.is_map());
  EXPECT_EQ(c.plugins[0].config.mark().to_string(), "test.toml:5:1");
  EXPECT_EQ(c.plugins[0].mark.to_string(), "test.toml:5:1");
}

TEST(ConfigLocate, FindsTheNearestNode) {
  Config c = load_ok(kSource + R"([[plugins]]
name = "p"
[plugins.config]
region = "eu-west-1"
upstreams = [
  { name = "a", port = 80 },
  { name = "b", port = 81 },
]
headers = { "x-api-key" = "k", "a.b" = 1 }
)");
  const sdk::Value& v = c.plugins[0].config;
  EXPECT_EQ(locate(v, "").to_string(), "test.toml:6:1");
  EXPECT_EQ(locate(v, "region").to_string(), "test.toml:7:10");
  EXPECT_EQ(locate(v, "upstreams").to_string(), "test.toml:8:13");
  EXPECT_EQ(locate(v, "upstreams[1]").to_string(), "test.toml:10:3");
  EXPECT_EQ(locate(v, "upstreams[1].port").to_string(), "test.toml:10:24");
  EXPECT_EQ(locate(v, "headers[\"x-api-key\"]").to_string(), "test.toml:12:27");
  EXPECT_EQ(locate(v, "headers.\"a.b\"").to_string(), "test.toml:12:40");
  EXPECT_EQ(locate(v, "headers[\"a.b\"]").to_string(), "test.toml:12:40");
  // What the path does not reach is reported at the deepest node it does.
  EXPECT_EQ(locate(v, "upstreams[1].tls.sni").to_string(), "test.toml:10:3");
  EXPECT_EQ(locate(v, "upstreams[7].port").to_string(), "test.toml:8:13");
  EXPECT_EQ(locate(v, "upstreams[x]").to_string(), "test.toml:8:13");
  EXPECT_EQ(locate(v, "region.deeper").to_string(), "test.toml:7:10");
  EXPECT_EQ(locate(v, "nope").to_string(), "test.toml:6:1");
  EXPECT_EQ(locate(v, "upstreams[").to_string(), "test.toml:8:13");
  // A tree without marks yields an empty mark.
  EXPECT_EQ(locate(sdk::Value(sdk::Value::Map{{"a", 1}}), "a").to_string(), "<input>");
}

// ---- bad files: each gives exactly these errors ----

TEST(ConfigErrors, SyntaxErrorNamesThePosition) {
  EXPECT_EQ(errors_of("[server]\nxds_port = \n"),
            Errors{"test.toml:2:12: Error while parsing key-value pair: expected value, saw '\\n'"});
  EXPECT_EQ(errors_of("[server\n"), Errors{"test.toml:1:8: Error while parsing table header: expected ']', saw '\\n'"});
  EXPECT_EQ(errors_of("a = 1\na = 2\n"),
            Errors{"test.toml:2:5: Error while parsing key-value pair: cannot redefine existing integer 'a'"});
}

TEST(ConfigErrors, UnknownKeys) {
  EXPECT_EQ(errors_of(kSource + "status_directory = \"x\"\n[server]\nxds_prot = 1\nfoo = 2\n"
                                "[server.log]\nlvl = \"info\"\n[extra]\n\"a.b\" = 1\n"),
            (Errors{
                "test.toml:4:1: source.status_directory: unknown key",
                "test.toml:6:1: server.xds_prot: unknown key (did you mean \"xds_port\"?)",
                "test.toml:7:1: server.foo: unknown key",
                "test.toml:9:1: server.log.lvl: unknown key",
                "test.toml:10:2: extra: unknown key",
            }));
  EXPECT_EQ(errors_of("\"odd key\" = 1\n" + kSource + "[[plugins]]\nname = \"p\"\nenable = false\n"),
            (Errors{
                "test.toml:1:1: \"odd key\": unknown key",
                "test.toml:7:1: plugins[0].enable: unknown key (did you mean \"enabled\"?)",
            }));
  EXPECT_EQ(errors_of(kSource + "[translation]\nvalidation = \"strict\"\n"),
            Errors{"test.toml:5:1: translation.validation: unknown key"});
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_EQ(errors_of(kSource + R"(
[server]
xds_address = 1
xds_port = "9977"
admin_port = 9095.0
log = "debug"
[[plugins]]
name = ["p"]
path = 1
enabled = "yes"
required = 0
config = "none"
[translation]
validation_mode = true
policy_merge = { trafficPolicy = "DeepMerge", listenerPolicy = { x = 1 } }
global_policy_namespace = 7
enable_route_source_metadata = "true"
)"),
            (Errors{
                "test.toml:6:15: server.xds_address: expected a string, got an integer",
                "test.toml:7:12: server.xds_port: expected an integer, got a string",
                "test.toml:8:14: server.admin_port: expected an integer, got a float",
                "test.toml:9:7: server.log: expected a table, got a string",
                "test.toml:11:8: plugins[0].name: expected a string, got an array",
                "test.toml:12:8: plugins[0].path: expected a string, got an integer",
                "test.toml:13:11: plugins[0].enabled: expected a boolean, got a string",
                "test.toml:14:12: plugins[0].required: expected a boolean, got an integer",
                "test.toml:15:10: plugins[0].config: expected a table, got a string",
                "test.toml:17:19: translation.validation_mode: expected a string, got a boolean",
                "test.toml:18:34: translation.policy_merge.trafficPolicy: expected a table, got a "
                "string",
                "test.toml:18:70: translation.policy_merge.listenerPolicy.x: expected a string, got "
                "an integer",
                "test.toml:19:27: translation.global_policy_namespace: expected a string, got an "
                "integer",
                "test.toml:20:32: translation.enable_route_source_metadata: expected a boolean, "
                "got a string",
            }));
  EXPECT_EQ(errors_of("server = 1\nsource = [1]\ntranslation = 1979-05-27\n"),
            (Errors{
                "test.toml:1:10: server: expected a table, got an integer",
                "test.toml:2:10: source: expected a table, got an array",
                "test.toml:3:15: translation: expected a table, got a date",
            }));
  EXPECT_EQ(errors_of(kSource + "[server.log]\ncomponents = [\"xds\"]\n"),
            Errors{"test.toml:5:14: server.log.components: expected a table, got an array"});
  EXPECT_EQ(errors_of(kSource + "[server.log.components]\nxds = 1\n"),
            Errors{"test.toml:5:7: server.log.components.xds: expected a string, got an integer"});
  EXPECT_EQ(errors_of(kSource + "[server.log.components]\nplugin.filters = [\"debug\"]\n"),
            Errors{"test.toml:5:18: server.log.components.plugin.filters: expected a string, got an array"});
}

TEST(ConfigErrors, MissingRequiredKeys) {
  EXPECT_EQ(errors_of(""), Errors{"test.toml:1:1: source: missing required table"});
  EXPECT_EQ(errors_of("# comment\n\n[source]\nstatus_dir = \"s\"\n"),
            (Errors{
                "test.toml:3:1: source.kind: missing required key",
                "test.toml:3:1: source.paths: missing required key",
            }));
  EXPECT_EQ(errors_of(kSource + "[[plugins]]\nname = \"a\"\n[[plugins]]\nenabled = true\n"),
            Errors{"test.toml:6:1: plugins[1].name: missing required key"});
}

TEST(ConfigErrors, PortsOutOfRange) {
  EXPECT_EQ(errors_of(kSource + "[server]\nxds_port = 70000\nadmin_port = 0\n"),
            (Errors{
                "test.toml:5:12: server.xds_port: port 70000 is out of range (1-65535)",
                "test.toml:6:14: server.admin_port: port 0 is out of range (1-65535)",
            }));
  EXPECT_EQ(errors_of(kSource + "[server]\nxds_port = -1\n"),
            Errors{"test.toml:5:12: server.xds_port: port -1 is out of range (1-65535)"});
}

TEST(ConfigErrors, DebounceOutOfRangeOrNotAnInteger) {
  EXPECT_EQ(load_ok(kSource + "debounce_ms = 5\n", "/etc/kgw/kgw.toml").source.debounce_ms, 5);
  EXPECT_EQ(errors_of(kSource + "debounce_ms = -5\n"),
            Errors{"test.toml:4:15: source.debounce_ms: -5 is out of range (0-10000)"});
  EXPECT_EQ(errors_of(kSource + "debounce_ms = \"fast\"\n"),
            Errors{"test.toml:4:15: source.debounce_ms: expected an integer, got a string"});
}

TEST(ConfigErrors, InvalidEnumValues) {
  EXPECT_EQ(errors_of(kSource + R"([server.log]
level = "verbose"
format = "xml"
components = { xds = "loud", plugins = "debug" }
[translation]
validation_mode = "Strict"
reference_grant_mode = "lenient"
[translation.policy_merge.trafficPolicy]
acl = "Merge"
extProc = "DeepMerge"
)"),
            (Errors{
                "test.toml:5:9: server.log.level: invalid value \"verbose\" (expected one of: trace, "
                "debug, info, warn, error, off)",
                "test.toml:6:10: server.log.format: invalid value \"xml\" (expected one of: text, json)",
                "test.toml:7:22: server.log.components.xds: invalid value \"loud\" (expected one of: "
                "trace, debug, info, warn, error, off)",
                "test.toml:9:19: translation.validation_mode: invalid value \"Strict\" (expected one "
                "of: standard, strict)",
                "test.toml:10:24: translation.reference_grant_mode: invalid value \"lenient\" (expected "
                "one of: standard, strict, off)",
                "test.toml:12:7: translation.policy_merge.trafficPolicy.acl: invalid value \"Merge\" "
                "(expected one of: ShallowMerge, DeepMerge)",
            }));
}

TEST(ConfigErrors, SourceKinds) {
  EXPECT_EQ(errors_of("[source]\nkind = \"etcd\"\nendpoints = [\"http://127.0.0.1:2379\"]\n"),
            Errors{"test.toml:2:8: source.kind: source kind \"etcd\" is not supported yet (only "
                   "\"dir\" is)"});
  EXPECT_EQ(errors_of("[source]\nkind = \"kubernetes\"\n"),
            Errors{"test.toml:2:8: source.kind: invalid value \"kubernetes\" (expected one of: "
                   "dir)"});
}

TEST(ConfigErrors, SourcePaths) {
  EXPECT_EQ(errors_of("[source]\nkind = \"dir\"\npaths = []\n"),
            Errors{"test.toml:3:9: source.paths: must name at least one path"});
  EXPECT_EQ(errors_of("[source]\nkind = \"dir\"\npaths = \"manifests\"\n"),
            Errors{"test.toml:3:9: source.paths: expected an array, got a string"});
  EXPECT_EQ(errors_of("[source]\nkind = \"dir\"\npaths = [\"a\", 2, \"\"]\nstatus_dir = \"\"\n"),
            (Errors{
                "test.toml:3:15: source.paths[1]: expected a string, got an integer",
                "test.toml:3:18: source.paths[2]: must not be empty",
                "test.toml:4:14: source.status_dir: must not be empty",
            }));
}

TEST(ConfigErrors, Plugins) {
  EXPECT_EQ(errors_of(kSource + "[plugins]\nname = \"x\"\n"),
            Errors{"test.toml:4:1: plugins: expected an array of tables, got a table"});
  EXPECT_EQ(errors_of("plugins = [\"filters\"]\n" + kSource),
            Errors{"test.toml:1:12: plugins[0]: expected a table, got a string"});
  EXPECT_EQ(errors_of(kSource + R"([[plugins]]
name = "filters"
[[plugins]]
name = "ai-mcp-a2a"
[[plugins]]
name = "filters"
enabled = false
[[plugins]]
name = "../evil"
[[plugins]]
name = ""
path = ""
)"),
            (Errors{
                "test.toml:9:8: plugins[2].name: duplicate plugin name \"filters\" (first given "
                "at line 5)",
                "test.toml:12:8: plugins[3].name: invalid plugin name \"../evil\" (letters, "
                "digits, '.', '_' and '-', starting with a letter or digit)",
                "test.toml:14:8: plugins[4].name: invalid plugin name \"\" (letters, digits, '.', "
                "'_' and '-', starting with a letter or digit)",
                "test.toml:15:8: plugins[4].path: must not be empty",
            }));
}

TEST(ConfigErrors, EmptyAddresses) {
  EXPECT_EQ(errors_of(kSource + "[server]\nxds_address = \"\"\nadmin_address = \"\"\n"),
            (Errors{
                "test.toml:5:15: server.xds_address: must not be empty",
                "test.toml:6:17: server.admin_address: must not be empty",
            }));
}

TEST(ConfigErrors, AllErrorsInFileOrder) {
  // Sections are checked in a fixed order; the report still follows the file.
  EXPECT_EQ(errors_of(R"([translation]
weighted_route_precedence = 1
[[plugins]]
nam = "x"
[source]
kind = "dir"
paths = [1]
[server]
xds_port = 0
)"),
            (Errors{
                "test.toml:2:29: translation.weighted_route_precedence: expected a boolean, got "
                "an integer",
                "test.toml:3:1: plugins[0].name: missing required key",
                "test.toml:4:1: plugins[0].nam: unknown key (did you mean \"name\"?)",
                "test.toml:7:10: source.paths[0]: expected a string, got an integer",
                "test.toml:9:12: server.xds_port: port 0 is out of range (1-65535)",
            }));
}

TEST(ConfigErrors, FileCannotBeRead) {
  LoadResult r = load_config_file("/nonexistent/kgw.toml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.errors[0].to_string(), "/nonexistent/kgw.toml: cannot read the file: No such file or directory");

  r = load_config_file(fs::temp_directory_path());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), fs::temp_directory_path().string() + ": cannot read the file: it is a directory");
}

TEST(ConfigErrors, ToStringLeavesOutWhatIsUnknown) {
  EXPECT_EQ((ConfigError{"f.toml", 3, 7, "server.xds_port", "m"}).to_string(), "f.toml:3:7: server.xds_port: m");
  EXPECT_EQ((ConfigError{"f.toml", 3, 7, "", "m"}).to_string(), "f.toml:3:7: m");
  EXPECT_EQ((ConfigError{"f.toml", 0, 0, "", "m"}).to_string(), "f.toml: m");
  EXPECT_EQ((ConfigError{"f.toml", 0, 0, "k", "m"}).to_string(), "f.toml: k: m");
}

// ---- `--set KEY=VALUE` ----

TranslationSettings set_ok(std::string_view assignment) {
  TranslationSettings s;
  sdk::Status st = apply_setting(s, assignment);
  EXPECT_TRUE(st.is_ok()) << assignment << ": " << st.message();
  return s;
}

std::string set_error(std::string_view assignment) {
  TranslationSettings s;
  s.global_policy_namespace = "unchanged";
  sdk::Status st = apply_setting(s, assignment);
  TranslationSettings want;
  want.global_policy_namespace = "unchanged";
  EXPECT_EQ(s, want) << "a failed setting must leave the settings as they were";
  return st.message();
}

TEST(SetSetting, EveryFormTheReferenceCasesUse) {
  TranslationSettings want;

  want = {};
  want.validation_mode = ValidationMode::Strict;
  EXPECT_EQ(set_ok("ValidationMode=apisettings.ValidationStrict"), want);
  want = {};
  EXPECT_EQ(set_ok("ValidationMode=apisettings.ValidationStandard"), want);

  want = {};
  want.global_policy_namespace = "kgateway-system";
  EXPECT_EQ(set_ok("GlobalPolicyNamespace=\"kgateway-system\""), want);

  want = {};
  want.policy_merge["trafficPolicy"]["extProc"] = MergeStrategy::DeepMerge;
  EXPECT_EQ(set_ok(R"(PolicyMerge=`{"trafficPolicy":{"extProc":"DeepMerge"}}`)"), want);
  want = {};
  want.policy_merge["trafficPolicy"]["acl"] = MergeStrategy::ShallowMerge;
  EXPECT_EQ(set_ok(R"(PolicyMerge=`{"trafficPolicy":{"acl":"ShallowMerge"}}`)"), want);

  want = {};
  want.reference_grant_mode = ReferenceGrantMode::Off;
  EXPECT_EQ(set_ok("ReferenceGrantMode=apisettings.ReferenceGrantOff"), want);
  want.reference_grant_mode = ReferenceGrantMode::Strict;
  EXPECT_EQ(set_ok("ReferenceGrantMode=apisettings.ReferenceGrantStrict"), want);
  want.reference_grant_mode = ReferenceGrantMode::Standard;
  EXPECT_EQ(set_ok("ReferenceGrantMode=apisettings.ReferenceGrantStandard"), want);

  want = {};
  want.enable_route_source_metadata = true;
  EXPECT_EQ(set_ok("EnableRouteSourceMetadata=true"), want);

  want = {};
  want.weighted_route_precedence = true;
  EXPECT_EQ(set_ok("WeightedRoutePrecedence=true"), want);
}

TEST(SetSetting, OtherSpellings) {
  TranslationSettings want;
  want.validation_mode = ValidationMode::Strict;
  EXPECT_EQ(set_ok("validation_mode=strict"), want);
  EXPECT_EQ(set_ok("ValidationMode=ValidationStrict"), want);
  EXPECT_EQ(set_ok(" ValidationMode = \"apisettings.ValidationStrict\" "), want);

  want = {};
  want.global_policy_namespace = "ns";
  EXPECT_EQ(set_ok("global_policy_namespace=ns"), want);
  EXPECT_EQ(set_ok("GlobalPolicyNamespace=`ns`"), want);
  want.global_policy_namespace = "a\"b\\c";
  EXPECT_EQ(set_ok(R"(GlobalPolicyNamespace="a\"b\\c")"), want);
  EXPECT_EQ(set_ok("GlobalPolicyNamespace="), TranslationSettings{});

  want = {};
  want.policy_merge["trafficPolicy"]["acl"] = MergeStrategy::DeepMerge;
  want.policy_merge["trafficPolicy"]["extAuth"] = MergeStrategy::ShallowMerge;
  want.policy_merge["listenerPolicy"] = {};
  EXPECT_EQ(
      set_ok(
          R"(policy_merge={ "trafficPolicy" : { "acl" : "DeepMerge", "extAuth":"ShallowMerge" }, "listenerPolicy": {} })"),
      want);

  // Applying settings one after another accumulates them; PolicyMerge replaces the whole map.
  TranslationSettings s;
  ASSERT_TRUE(apply_setting(s, R"(PolicyMerge=`{"trafficPolicy":{"acl":"DeepMerge"}}`)"));
  ASSERT_TRUE(apply_setting(s, "EnableRouteSourceMetadata=true"));
  ASSERT_TRUE(apply_setting(s, R"(PolicyMerge=`{"trafficPolicy":{"extProc":"DeepMerge"}}`)"));
  want = {};
  want.enable_route_source_metadata = true;
  want.policy_merge["trafficPolicy"]["extProc"] = MergeStrategy::DeepMerge;
  EXPECT_EQ(s, want);
}

TEST(SetSetting, Errors) {
  EXPECT_EQ(set_error("ValidationMode"), "expected KEY=VALUE, got \"ValidationMode\"");
  EXPECT_EQ(set_error("Validation=strict"),
            "Validation: unknown setting (known: ValidationMode, ReferenceGrantMode, PolicyMerge, "
            "GlobalPolicyNamespace, EnableRouteSourceMetadata, WeightedRoutePrecedence)");
  EXPECT_EQ(set_error("ValidationMode=apisettings.ValidationLoose"),
            "ValidationMode: invalid value \"apisettings.ValidationLoose\" (expected one of: "
            "apisettings.ValidationStandard, apisettings.ValidationStrict)");
  EXPECT_EQ(set_error("ReferenceGrantMode=apisettings.ValidationStrict"),
            "ReferenceGrantMode: invalid value \"apisettings.ValidationStrict\" (expected one of: "
            "apisettings.ReferenceGrantStandard, apisettings.ReferenceGrantStrict, "
            "apisettings.ReferenceGrantOff)");
  EXPECT_EQ(set_error("EnableRouteSourceMetadata=yes"),
            "EnableRouteSourceMetadata: invalid value \"yes\" (expected true or false)");
  EXPECT_EQ(set_error("WeightedRoutePrecedence=True"),
            "WeightedRoutePrecedence: invalid value \"True\" (expected true or false)");
  EXPECT_EQ(set_error("GlobalPolicyNamespace=\"kgateway-system"), "GlobalPolicyNamespace: unterminated quoted value");
  EXPECT_EQ(set_error("GlobalPolicyNamespace=`kgateway-system"), "GlobalPolicyNamespace: unterminated quoted value");
  EXPECT_EQ(set_error(R"(GlobalPolicyNamespace="a\qb")"),
            "GlobalPolicyNamespace: unsupported escape \\q in quoted value");
}

TEST(SetSetting, PolicyMergeErrors) {
  EXPECT_EQ(set_error("PolicyMerge=`trafficPolicy`"), "PolicyMerge: invalid JSON at offset 0: expected '{', saw 't'");
  EXPECT_EQ(set_error(R"(PolicyMerge=`{"trafficPolicy":{"acl":"ShallowMerge"}`)"),
            "PolicyMerge: invalid JSON at offset 39: expected '}', saw end of input");
  EXPECT_EQ(set_error(R"(PolicyMerge=`{"trafficPolicy":{"acl":"ShallowMerge"}}}`)"),
            "PolicyMerge: invalid JSON at offset 40: expected end of input, saw '}'");
  EXPECT_EQ(set_error(R"(PolicyMerge=`{"trafficPolicy" {}}`)"),
            "PolicyMerge: invalid JSON at offset 17: expected ':', saw '{'");
  EXPECT_EQ(set_error(R"(PolicyMerge=`{trafficPolicy: {}}`)"),
            "PolicyMerge: invalid JSON at offset 1: expected '\"', saw 't'");
  EXPECT_EQ(set_error(R"(PolicyMerge=`{"trafficPolicy":{"acl":"Shallow`)"),
            "PolicyMerge: invalid JSON at offset 32: expected '\"', saw end of input");
  EXPECT_EQ(set_error(R"(PolicyMerge=`{"trafficPolicy":"DeepMerge"}`)"),
            "PolicyMerge: trafficPolicy: expected an object of field -> merge strategy");
  EXPECT_EQ(set_error(R"(PolicyMerge=`{"trafficPolicy":{"acl":true}}`)"),
            "PolicyMerge: trafficPolicy.acl: expected a merge strategy string");
  EXPECT_EQ(set_error(R"(PolicyMerge=`{"trafficPolicy":{"acl":"Merge"}}`)"),
            "PolicyMerge: trafficPolicy.acl: invalid merge strategy \"Merge\" (expected one of: "
            "ShallowMerge, DeepMerge)");
  EXPECT_EQ(set_error(R"(PolicyMerge=`{"trafficPolicy":{"ext\u0041uth":"DeepMerge"}}`)"),
            "PolicyMerge: invalid JSON at offset 23: expected a simple escape, saw 'u'");
}

TEST(SetSetting, EnumNames) {
  EXPECT_STREQ(to_string(ValidationMode::Standard), "standard");
  EXPECT_STREQ(to_string(ValidationMode::Strict), "strict");
  EXPECT_STREQ(to_string(ReferenceGrantMode::Standard), "standard");
  EXPECT_STREQ(to_string(ReferenceGrantMode::Strict), "strict");
  EXPECT_STREQ(to_string(ReferenceGrantMode::Off), "off");
  EXPECT_STREQ(to_string(MergeStrategy::ShallowMerge), "ShallowMerge");
  EXPECT_STREQ(to_string(MergeStrategy::DeepMerge), "DeepMerge");
}

TEST(ConfigAgentgateway, OffByDefaultOnItsOwnPort) {
  Config c = load_ok(kSource);
  EXPECT_FALSE(c.server.agentgateway);
  EXPECT_EQ(c.server.agentgateway_xds_port, 9978);
  Config on = load_ok("[server]\nagentgateway = true\nagentgateway_xds_port = 19978\n" + kSource);
  EXPECT_TRUE(on.server.agentgateway);
  EXPECT_EQ(on.server.agentgateway_xds_port, 19978);
}

TEST(ConfigAgentgateway, BadValuesNameTheKey) {
  EXPECT_EQ(errors_of("[server]\nagentgateway = \"yes\"\nagentgateway_xds_port = 0\n" + kSource),
            (Errors{
                "test.toml:2:16: server.agentgateway: expected a boolean, got a string",
                "test.toml:3:25: server.agentgateway_xds_port: port 0 is out of range (1-65535)",
            }));
  EXPECT_EQ(errors_of("[server]\nagentgateway = true\nagentgateway_xds_port = 9977\n" + kSource),
            Errors{"test.toml:3:25: server.agentgateway_xds_port: must differ from server.xds_port (9977)"});
}

}  // namespace
}  // namespace kgw::config
