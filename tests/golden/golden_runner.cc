// Runs every reference case of ../shared/conformance/kgateway/cases.json through the translator
// and compares the result with the expected output semantically (translator/golden_format.h).
//
// tests/golden/expected_pass.txt is a ratchet: a listed case that fails fails the run; an unlisted
// case that fails is reported (as skipped) but does not; an unlisted case that passes is reported
// as newly passing, to be added to the list. The summary printed at the end gives per-theme counts
// and, last, the total as "N passed, M failed". Set KGW_GOLDEN_DIFF=1 to print every difference
// of the failing cases. Without the reference cases the run is skipped, except under CI=true.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "builtin/builtin_extensions.h"
#include "common/loaded_plugins.h"
#include "config/config.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"
#include "sources/load.h"
#include "translator/golden_format.h"
#include "translator/translator.h"

namespace kgw::golden {
namespace {

namespace fs = std::filesystem;

const fs::path kReferenceDir = fs::path(KGW_SOURCE_DIR) / ".." / "shared" / "conformance" / "kgateway";
const fs::path kExpectedPassFile = fs::path(KGW_SOURCE_DIR) / "tests" / "golden" / "expected_pass.txt";
// Difference lines shown in a listed case's failure message; KGW_GOLDEN_DIFF=1 prints all.
constexpr size_t kShownLines = 20;

bool env_is(const char* name, const char* value) {
  const char* v = std::getenv(name);
  return v && std::string(v) == value;
}

struct Case {
  std::string theme, name, input, output, gateway, settings;
  std::string test_name;  // a GoogleTest-safe rendering of key()

  // The key in expected_pass.txt: (theme, name) is unique in cases.json, output files are not.
  std::string key() const { return theme + "/" + name; }
};

struct CaseList {
  std::vector<Case> cases;
  std::string error;  // set when the cases cannot be read
  bool absent = false;
};

std::string identifier(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (word)
      out += c;
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "case" : out;
}

// cases.json is JSON, which yaml-cpp reads as YAML.
CaseList read_cases() {
  CaseList list;
  const fs::path file = kReferenceDir / "cases.json";
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    list.absent = true;
    list.error = "reference cases not found: " + file.lexically_normal().string();
    return list;
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    list.error = file.string() + ": " + e.what();
    return list;
  }
  if (!root.IsSequence()) {
    list.error = file.string() + ": expected a list of cases";
    return list;
  }
  std::set<std::string> keys, names;
  size_t index = 0;
  for (const auto& node : root) {
    Case c;
    std::string* fields[] = {&c.theme, &c.name, &c.input, &c.output, &c.gateway, &c.settings};
    const char* keys_of[] = {"theme", "name", "input", "output", "gateway", "settings"};
    for (size_t i = 0; i < 6; ++i) {
      const YAML::Node field = node.IsMap() ? node[keys_of[i]] : YAML::Node();
      if (!field.IsScalar()) {
        list.error = file.string() + ": case " + std::to_string(index) + ": '" + keys_of[i] + "' is missing";
        return list;
      }
      *fields[i] = field.Scalar();
    }
    if (!keys.insert(c.key()).second) {
      list.error = file.string() + ": case " + std::to_string(index) + ": duplicate " + c.key();
      return list;
    }
    c.test_name = identifier(c.key());
    for (int n = 2; !names.insert(c.test_name).second; ++n) c.test_name = identifier(c.key()) + "_" + std::to_string(n);
    list.cases.push_back(std::move(c));
    ++index;
  }
  return list;
}

const CaseList& cases() {
  static const CaseList list = read_cases();
  return list;
}

struct ExpectedPass {
  std::set<std::string> keys;
  std::vector<std::string> errors;  // unreadable file, duplicates
};

const ExpectedPass& expected_pass() {
  static const ExpectedPass expected = [] {
    ExpectedPass out;
    std::ifstream in(kExpectedPassFile);
    if (!in) {
      out.errors.push_back("cannot read " + kExpectedPassFile.string());
      return out;
    }
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      if (!out.keys.insert(line).second)
        out.errors.push_back(kExpectedPassFile.filename().string() + ":" + std::to_string(n) + ": duplicate " + line);
    }
    return out;
  }();
  return expected;
}

// ---- running one case ----

std::optional<std::string> read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// kgateway's test harness registers a test-only backend type whose plugin contributes this cluster
// to every output; the reference goldens contain it, so the runner adds it to what kgw produced.
void add_test_backend_cluster(translator::Output& out) {
  const std::string name = "test-backend-plugin_default_example-svc_80";
  for (const auto& c : out.clusters)
    if (c.name() == name) return;
  envoy::config::cluster::v3::Cluster cluster;
  cluster.set_name(name);
  cluster.mutable_connect_timeout()->set_seconds(5);
  auto at = std::lower_bound(out.clusters.begin(), out.clusters.end(), name,
                             [](const auto& c, const std::string& n) { return c.name() < n; });
  out.clusters.insert(at, std::move(cluster));
}

// The built-in extensions and the project's plugins, loaded from their .so files as `kgw serve`
// loads them; built once, since translation only reads the registry.
const test_support::LoadedPlugins& extensions() {
  static const auto& loaded = test_support::load_plugins({KGW_FILTERS_PLUGIN, KGW_BACKEND_AWS_PLUGIN}, true);
  return loaded;
}

// Problems of the case itself (load, settings, expected output) and the differences; empty: pass.
std::vector<std::string> run_case(const Case& c) {
  std::vector<std::string> lines;
  try {
    sources::LoadedObjects loaded = sources::load_manifest_paths({kReferenceDir / "inputs" / c.input});
    for (const auto& e : loaded.errors) lines.push_back("input: " + e);

    config::TranslationSettings settings;
    if (!c.settings.empty()) {
      sdk::Status status = config::apply_setting(settings, c.settings);
      if (!status) lines.push_back("settings '" + c.settings + "': " + status.message());
    }
    size_t slash = c.gateway.find('/');
    sdk::ObjectRef gateway{"gateway.networking.k8s.io", "Gateway", c.gateway.substr(0, slash),
                           slash == std::string::npos ? "" : c.gateway.substr(slash + 1)};

    const test_support::LoadedPlugins& ext = extensions();
    for (const auto& e : ext.errors) lines.push_back("plugin: " + e);
    translator::Output actual =
        translator::translate_gateway(translator::Input{std::move(loaded.objects)}, gateway, settings, ext.registry);
    add_test_backend_cluster(actual);
    // Endpoints are kgw's addition to the format; the reference outputs have none to compare with.
    actual.endpoints.clear();

    const fs::path expected_file = kReferenceDir / "outputs" / c.output;
    auto text = read_text(expected_file);
    if (!text) {
      lines.push_back("cannot read " + expected_file.string());
      return lines;
    }
    std::vector<std::string> errors;
    translator::Output expected = translator::parse_golden(*text, errors);
    for (const auto& e : errors) lines.push_back("expected output: " + e);
    for (auto& d : translator::compare_golden(actual, expected)) lines.push_back(std::move(d));
  } catch (const std::exception& e) {
    lines.push_back(std::string("exception: ") + e.what());
  }
  return lines;
}

// ---- summary ----

struct Tally {
  std::map<std::string, std::pair<int, int>> by_theme;  // theme -> passed, failed
  std::vector<std::string> newly_passing, listed_failing;
  int ran = 0;
};

Tally& tally() {
  static Tally t;
  return t;
}

// Printed after GoogleTest's own report, so that the total is the last line of the run.
void print_summary() {
  Tally& t = tally();
  if (t.ran == 0) return;
  int passed = 0, failed = 0;
  std::cout << "\nreference cases by theme:\n";
  for (const auto& [theme, counts] : t.by_theme) {
    std::cout << "  " << theme << ": " << counts.first << " passed, " << counts.second << " failed\n";
    passed += counts.first;
    failed += counts.second;
  }
  if (!t.newly_passing.empty()) {
    // Unindented, so the lines can be pasted into the list as they are.
    std::cout << "newly passing: add to tests/golden/expected_pass.txt:\n";
    for (const auto& k : t.newly_passing) std::cout << k << "\n";
  }
  if (!t.listed_failing.empty()) {
    std::cout << "listed in tests/golden/expected_pass.txt but failing:\n";
    for (const auto& k : t.listed_failing) std::cout << "  " << k << "\n";
  }
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
}

// ---- tests ----

TEST(GoldenRunner, ReferenceCasesAvailable) {
  const CaseList& list = cases();
  if (list.absent) {
    if (env_is("CI", "true")) FAIL() << list.error << " (required under CI=true)";
    GTEST_SKIP() << list.error;
  }
  ASSERT_TRUE(list.error.empty()) << list.error;
  EXPECT_FALSE(list.cases.empty());
}

TEST(GoldenRunner, ExpectedPassListIsValid) {
  const ExpectedPass& expected = expected_pass();
  for (const auto& e : expected.errors) ADD_FAILURE() << e;
  const CaseList& list = cases();
  if (!list.error.empty()) GTEST_SKIP() << list.error;
  std::set<std::string> known;
  for (const auto& c : list.cases) known.insert(c.key());
  for (const auto& k : expected.keys)
    EXPECT_TRUE(known.count(k)) << "expected_pass.txt names a case that is not in cases.json: " << k;
}

class GoldenCase : public ::testing::TestWithParam<size_t> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenCase);

TEST_P(GoldenCase, MatchesReference) {
  const Case& c = cases().cases.at(GetParam());
  const std::vector<std::string> lines = run_case(c);
  const bool passed = lines.empty();
  const bool listed = expected_pass().keys.count(c.key()) > 0;
  Tally& t = tally();
  ++t.ran;
  auto& counts = t.by_theme[c.theme];
  (passed ? counts.first : counts.second)++;
  if (passed && !listed) t.newly_passing.push_back(c.key());
  if (!passed && listed) t.listed_failing.push_back(c.key());
  if (!passed && env_is("KGW_GOLDEN_DIFF", "1")) {
    std::cout << c.key() << ": " << lines.size() << " difference(s):\n";
    for (const auto& l : lines) std::cout << "  " << l << "\n";
  }
  if (passed) {
    if (!listed) std::cout << "newly passing: add to expected_pass.txt: " << c.key() << "\n";
    return;
  }
  if (listed) {
    std::string shown;
    for (size_t i = 0; i < lines.size() && i < kShownLines; ++i) shown += "  " + lines[i] + "\n";
    if (lines.size() > kShownLines) shown += "  ... (KGW_GOLDEN_DIFF=1 shows all)\n";
    ADD_FAILURE() << c.key() << " is listed in expected_pass.txt but fails with " << lines.size() << " difference(s):\n"
                  << shown;
    return;
  }
  GTEST_SKIP() << "fails with " << lines.size() << " difference(s); not in expected_pass.txt";
}

std::vector<size_t> case_indices() {
  std::vector<size_t> out(cases().cases.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = i;
  return out;
}

INSTANTIATE_TEST_SUITE_P(Reference, GoldenCase, ::testing::ValuesIn(case_indices()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return cases().cases[info.param].test_name;
                         });

}  // namespace
}  // namespace kgw::golden

// Our own main (gtest_main's is then not linked in): the summary must come after GoogleTest's report.
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  int rc = RUN_ALL_TESTS();
  kgw::golden::print_summary();
  return rc;
}
