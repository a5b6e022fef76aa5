// Runs the agentgateway reference cases (../shared/conformance/agentgateway/<theme>/<case>.yaml)
// through the agentgateway translation. A case file holds the input manifests, then a `# Output`
// document with `output:` (resources per Gateway, protobuf JSON) and `status:`; a folder's `_defaults.yaml` is loaded
// before each of its cases.
//
// The reference harness compares, per folder, only some kinds of resources and statuses (a
// routes case shows its routes, not the binds and listeners of the shared Gateway): `kThemes`
// holds those, and the runner compares the same. Where the harness lists Addresses, it lists them
// bare among the resources (a Service, or a Workload). The plugins are loaded from their .so files,
// as `kgw serve` loads them.
//
// The comparison is semantic: resources are matched by Gateway and `<kind>/<key>`, Addresses by
// Service namespace and hostname or Workload uid, statuses by kind, namespace and name; map order does not matter,
// `lastTransitionTime` and the statuses' `spec` are ignored, and an absent field equals null, []
// or {}. A case that differs in anything fails.
//
// tests/golden/agentgateway_expected_pass.txt is the ratchet: the run fails when a listed case
// fails or does not exist; every other case that fails is counted as failed (and does not fail
// the run). The summary gives per-theme counts, then "N passed, M failed". KGW_GOLDEN_DIFF=1
// prints the differences. Without the reference cases the run fails under CI=true, and otherwise
// says so and succeeds.
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "agw/golden_format.h"
#include "agw/translate.h"
#include "common/loaded_plugins.h"
#include "logging/logging.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"
#include "sources/load.h"

namespace kgw::golden {
namespace {

namespace fs = std::filesystem;

const fs::path kReferenceDir = fs::path(KGW_SOURCE_DIR) / ".." / "shared" / "conformance" / "agentgateway";
const fs::path kExpectedPassFile = fs::path(KGW_SOURCE_DIR) / "tests" / "golden" / "agentgateway_expected_pass.txt";

bool env_is(const char* name, const char* value) {
  const char* v = std::getenv(name);
  return v && std::string(v) == value;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// What the reference harness compares in each folder: resource kinds, then status kinds.
struct Theme {
  std::set<std::string> resources, statuses;
};
const std::set<std::string> kRouteKinds = {"HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute"};
const std::map<std::string, Theme> kThemes = {
    {"translator/gateways", {{"bind", "listener"}, {"Gateway", "ListenerSet"}}},
    {"translator/routes",
     {{"route", "tcpRoute", "policy"}, {"HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "InferencePool"}}},
    {"translator/delegation", {{"route", "backend", "policy"}, kRouteKinds}},
    {"translator/backends",
     {{"backend", "policy", "service", "workload"}, {"AgentgatewayBackend", "BackendTLSPolicy", "InferencePool"}}},
    {"translator/models",
     {{"bind", "listener", "route", "modelRoute", "backend", "policy"},
      {"Gateway", "HTTPRoute", "AgentgatewayModel", "InferencePool"}}},
    {"translator/references", {{"backend", "policy"}, {}}},
    {"translator/references-policy-refgrants", {{"backend", "policy"}, {"AgentgatewayBackend", "AgentgatewayPolicy"}}},
    {"plugins/frontendpolicy", {{"policy"}, {"AgentgatewayPolicy"}}},
    {"plugins/backendpolicy", {{"policy"}, {"AgentgatewayPolicy"}}},
    {"plugins/trafficpolicy", {{"policy"}, {"AgentgatewayPolicy"}}},
};

// Keeps the entries of `list` whose kind `kind_of` gives is in `kinds`.
YAML::Node only(const YAML::Node& list, const std::set<std::string>& kinds, std::string (*kind_of)(const YAML::Node&)) {
  YAML::Node out(YAML::NodeType::Sequence);
  if (!list || !list.IsSequence()) return out;
  for (const auto& entry : list)
    if (kinds.contains(kind_of(entry))) out.push_back(entry);
  return out;
}

std::string scalar(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : std::string(); }

// A map's entry, or an undefined node (yaml-cpp throws on indexing what is not a map).
YAML::Node child(const YAML::Node& n, const std::string& key) {
  if (!n || !n.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& entry : n)
    if (entry.first.as<std::string>() == key) return entry.second;
  return YAML::Node(YAML::NodeType::Undefined);
}

bool is_empty(const YAML::Node& n) { return !n || n.IsNull() || ((n.IsSequence() || n.IsMap()) && n.size() == 0); }

void compare(const YAML::Node& expected, const YAML::Node& actual, const std::string& path,
             std::vector<std::string>& diffs) {
  if (is_empty(expected) && is_empty(actual)) return;
  if (is_empty(expected) != is_empty(actual) || expected.Type() != actual.Type()) {
    diffs.push_back(path + ": " + (is_empty(expected) ? "unexpected" : is_empty(actual) ? "missing" : "differs"));
    return;
  }
  if (expected.IsScalar()) {
    if (expected.Scalar() != actual.Scalar())
      diffs.push_back(path + ": \"" + expected.Scalar() + "\" -> \"" + actual.Scalar() + "\"");
  } else if (expected.IsSequence()) {
    if (expected.size() != actual.size())
      diffs.push_back(path + ": " + std::to_string(expected.size()) + " items -> " + std::to_string(actual.size()));
    for (size_t i = 0; i < std::min(expected.size(), actual.size()); ++i)
      compare(expected[i], actual[i], path + "[" + std::to_string(i) + "]", diffs);
  } else {
    std::set<std::string> keys;
    for (const auto& e : expected) keys.insert(e.first.as<std::string>());
    for (const auto& a : actual) keys.insert(a.first.as<std::string>());
    for (const auto& key : keys) {
      if (key == "lastTransitionTime") continue;
      compare(child(expected, key), child(actual, key), path + "." + key, diffs);
    }
  }
}

// Entries of a list by a key of each; an entry without one is keyed by its position.
std::map<std::string, YAML::Node> keyed(const YAML::Node& list, std::string (*key_of)(const YAML::Node&)) {
  std::map<std::string, YAML::Node> out;
  if (!list || !list.IsSequence()) return out;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string key = key_of(list[i]);
    out[key.empty() ? "#" + std::to_string(i) : key] = list[i];
  }
  return out;
}

// The harness lists Addresses among the resources, bare: a Service (hostname) or a Workload (uid).
std::string address_key(const YAML::Node& entry) {
  if (const std::string uid = scalar(child(entry, "uid")); !uid.empty()) return "workload/" + uid;
  return "service/" + scalar(child(entry, "namespace")) + "/" + scalar(child(entry, "hostname"));
}

std::string resource_key(const YAML::Node& entry) {
  const YAML::Node gateway = child(entry, "gateway");
  std::string out = scalar(child(gateway, "Namespace")) + "/" + scalar(child(gateway, "Name")) + " ";
  const YAML::Node resource = child(entry, "resource");
  if (!resource || !resource.IsMap()) return address_key(entry);
  for (const auto& kind : resource) out += kind.first.as<std::string>() + "/" + scalar(child(kind.second, "key"));
  return out;
}

std::string resource_kind(const YAML::Node& entry) {
  if (!child(entry, "gateway")) return address_key(entry).substr(0, address_key(entry).find('/'));
  const YAML::Node resource = child(entry, "resource");
  if (!resource || !resource.IsMap() || resource.size() != 1) return {};
  return resource.begin()->first.as<std::string>();
}

std::string status_kind(const YAML::Node& entry) { return scalar(child(entry, "kind")); }

std::string status_key(const YAML::Node& entry) {
  const YAML::Node metadata = child(entry, "metadata");
  return scalar(child(entry, "kind")) + "/" + scalar(child(metadata, "namespace")) + "/" +
         scalar(child(metadata, "name"));
}

void compare_keyed(const char* section, const YAML::Node& expected, const YAML::Node& actual,
                   std::string (*key_of)(const YAML::Node&), std::vector<std::string>& diffs) {
  auto e = keyed(expected, key_of), a = keyed(actual, key_of);
  for (const auto& [key, node] : e) {
    auto it = a.find(key);
    if (it == a.end()) {
      diffs.push_back(std::string(section) + "[" + key + "]: missing");
      continue;
    }
    YAML::Node expected_node = YAML::Clone(node), actual_node = YAML::Clone(it->second);
    if (expected_node.IsMap()) expected_node.remove("spec");
    if (actual_node.IsMap()) actual_node.remove("spec");
    compare(expected_node, actual_node, std::string(section) + "[" + key + "]", diffs);
  }
  for (const auto& [key, node] : a)
    if (!e.contains(key)) diffs.push_back(std::string(section) + "[" + key + "]: unexpected");
}

struct Case {
  std::string theme, name;
  fs::path file, defaults;
  std::string key() const { return theme + "/" + name; }
};

std::vector<Case> find_cases() {
  std::vector<Case> cases;
  for (const auto& entry : fs::recursive_directory_iterator(kReferenceDir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    if (entry.path().filename() == "_defaults.yaml") continue;
    Case c;
    c.theme = fs::relative(entry.path().parent_path(), kReferenceDir).generic_string();
    c.name = entry.path().stem().string();
    c.file = entry.path();
    if (fs::exists(entry.path().parent_path() / "_defaults.yaml"))
      c.defaults = entry.path().parent_path() / "_defaults.yaml";
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.key() < b.key(); });
  return cases;
}

// The built-in extensions and the project's agentgateway plugin, loaded once.
const test_support::LoadedPlugins& extensions() {
  static const auto& loaded = test_support::load_plugins({KGW_AI_MCP_A2A_PLUGIN}, true);
  return loaded;
}

// The differences of one case (empty: it passes), or why it could not run.
std::vector<std::string> run_case(const Case& c, const fs::path& scratch) {
  if (!extensions().errors.empty()) return {"plugin: " + extensions().errors.front()};
  auto theme = kThemes.find(c.theme);
  if (theme == kThemes.end()) return {"no comparison known for folder " + c.theme};
  const std::string text = read_file(c.file);
  const auto marker = text.find("\n# Output\n");
  if (marker == std::string::npos) return {"no `# Output` document"};
  std::string inputs = text.substr(0, marker);
  if (const auto last = inputs.rfind("\n---");
      last != std::string::npos && inputs.find_first_not_of(" \n", last + 4) == std::string::npos)
    inputs.resize(last);  // the separator before `# Output`
  // One file, defaults first: a case that redefines a default object (its Gateway, say) comes
  // later and wins, as in the reference harness.
  if (!c.defaults.empty()) inputs = read_file(c.defaults) + "\n---\n" + inputs;
  const fs::path input_file = scratch / "inputs.yaml";
  std::ofstream(input_file, std::ios::binary | std::ios::trunc) << inputs << "\n";
  sources::LoadedObjects loaded = sources::load_manifest_paths({input_file});
  if (!loaded.errors.empty()) return {"input: " + loaded.errors.front()};

  std::vector<std::string> diffs;
  try {
    const YAML::Node expected = YAML::Load(text.substr(marker + 1));
    const YAML::Node actual =
        YAML::Load(agw::render(agw::translate(loaded.objects, extensions().registry), translator::Format::Yaml));
    YAML::Node actual_output = only(child(actual, "output"), theme->second.resources, resource_kind);
    for (const auto& address : child(actual, "addresses"))
      for (const auto& inner : address)  // the Address's one field: `service` or `workload`
        if (theme->second.resources.contains(inner.first.as<std::string>())) actual_output.push_back(inner.second);
    compare_keyed("output", child(expected, "output"), actual_output, resource_key, diffs);
    compare_keyed("status", child(expected, "status"),
                  only(child(actual, "status"), theme->second.statuses, status_kind), status_key, diffs);
  } catch (const std::exception& e) {
    diffs.push_back(std::string("YAML: ") + e.what());
  }
  return diffs;
}

}  // namespace

int run() {
  logging::Options quiet;
  quiet.level = "warn";
  logging::configure(quiet);
  std::error_code ec;
  if (!fs::is_directory(kReferenceDir, ec)) {
    std::cout << "agentgateway reference cases not found at " << kReferenceDir.string() << "\n";
    return env_is("CI", "true") ? 1 : 0;
  }
  std::set<std::string> listed;
  {
    std::istringstream in(read_file(kExpectedPassFile));
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#') listed.insert(line);
  }
  const fs::path scratch = fs::temp_directory_path() / ("kgw-agw-golden-" + std::to_string(::getpid()));
  fs::create_directories(scratch);

  const std::vector<Case> cases = find_cases();
  std::map<std::string, std::pair<int, int>> by_theme;
  std::vector<std::string> listed_failing, newly_passing;
  std::set<std::string> seen;
  for (const auto& c : cases) {
    seen.insert(c.key());
    const auto diffs = run_case(c, scratch);
    const bool passed = diffs.empty();
    (passed ? by_theme[c.theme].first : by_theme[c.theme].second)++;
    if (passed && !listed.contains(c.key())) newly_passing.push_back(c.key());
    if (!passed && listed.contains(c.key())) listed_failing.push_back(c.key());
    if (!passed && (env_is("KGW_GOLDEN_DIFF", "1") || listed.contains(c.key()))) {
      std::cout << "FAILED " << c.key() << " (" << diffs.size() << " difference(s))\n";
      for (const auto& d : diffs) std::cout << "  " << d << "\n";
    }
  }
  fs::remove_all(scratch, ec);

  bool ok = true;
  for (const auto& key : listed)
    if (!seen.contains(key)) {
      std::cout << "listed in agentgateway_expected_pass.txt but not a case: " << key << "\n";
      ok = false;
    }
  for (const auto& key : listed_failing) {
    std::cout << "listed case fails: " << key << "\n";
    ok = false;
  }
  for (const auto& key : newly_passing) std::cout << "passes, add to agentgateway_expected_pass.txt: " << key << "\n";
  int passed = 0, failed = 0;
  for (const auto& [theme, counts] : by_theme) {
    std::cout << "  " << theme << ": " << counts.first << " passed, " << counts.second << " failed\n";
    passed += counts.first;
    failed += counts.second;
  }
  if (cases.empty()) {
    std::cout << "no cases found under " << kReferenceDir.string() << "\n";
    ok = false;
  }
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return ok ? 0 : 1;
}

}  // namespace kgw::golden

int main() { return kgw::golden::run(); }
