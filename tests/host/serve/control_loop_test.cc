#include "serve/control_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "common/temp_dir.h"
#include "plugins/extension_registry.h"
#include "snapshot/agentgateway.h"
#include "sources/dir_source.h"

namespace kgw::serve {
namespace {

namespace fs = std::filesystem;
using kgw::test_support::TempDir;
const auto read = kgw::test_support::read_file;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// Generous: the machine is shared; every wait ends as soon as its condition holds.
constexpr auto kTimeout = 20s;

// As editors save: a temporary file renamed over the original.
void write(const fs::path& p, const std::string& text) {
  const fs::path tmp = p.parent_path() / ("." + p.filename().string() + ".tmp");
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << text;
  fs::rename(tmp, p);
}

// Polls until `done` holds; false on timeout.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

bool file_has(const fs::path& p, const std::string& text) {
  return fs::exists(p) && read(p).find(text) != std::string::npos;
}

ino_t inode_of(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

std::string gateway(const std::string& name, const std::string& cls) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: " + name +
         "\nspec:\n  gatewayClassName: " + cls +
         "\n  listeners:\n  - name: http\n    protocol: HTTP\n    port: 8080\n    allowedRoutes:\n"
         "      namespaces:\n        from: All\n---\n";
}

std::string route(const std::string& service) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\nspec:\n"
         "  parentRefs:\n  - name: gw1\n  - name: gw2\n  hostnames: [example.com]\n"
         "  rules:\n  - backendRefs:\n    - name: " +
         service + "\n      port: 80\n";
}

const char* const kService =
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  ports:\n  - name: http\n    port: 80\n";

const char* const kCustomClass =
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: custom\nspec:\n"
    "  controllerName: kgateway.dev/kgateway\n---\n";

sdk::ObjectRef gateway_ref(const std::string& name) {
  return {"gateway.networking.k8s.io", "Gateway", "default", name};
}

TEST(ControlLoop, TranslatesWatchesAndWritesStatus) {
  TempDir d{"kgw-control-loop"};
  const fs::path manifests = d.path() / "m";
  const fs::path status = d.path() / "status";
  fs::create_directories(manifests);
  write(manifests / "gateways.yaml",
        kCustomClass + gateway("gw1", "kgateway") + gateway("gw2", "custom") + gateway("foreign", "other"));
  write(manifests / "route.yaml", route("svc"));
  write(manifests / "service.yaml", kService);

  plugins::ExtensionRegistry registry;
  std::atomic<int> ready_calls{0};
  ControlLoopOptions options;
  options.status_dir = status;
  options.on_ready = [&] { ++ready_calls; };
  ControlLoop loop(options, registry);
  ASSERT_TRUE(loop.start().is_ok());
  sources::DirSource source(sources::DirSourceOptions{{manifests}, 20ms, 500ms});
  ASSERT_TRUE(source.start(loop.consumer()).is_ok());

  ASSERT_TRUE(loop.wait_ready(kTimeout));
  EXPECT_EQ(ready_calls.load(), 1);

  // Gateways of kgateway's classes are translated; the foreign one is not.
  auto gw1 = loop.snapshot(gateway_ref("gw1"));
  ASSERT_NE(gw1, nullptr);
  EXPECT_FALSE(gw1->listeners.empty());
  EXPECT_NE(loop.snapshot(gateway_ref("gw2")), nullptr);
  EXPECT_EQ(loop.snapshot(gateway_ref("foreign")), nullptr);
  EXPECT_EQ(loop.snapshots()->size(), 2u);

  // Status is written with the first translation: the route has a parent entry per Gateway.
  const fs::path route_status = status / "httpRoutes/default/r.yaml";
  ASSERT_TRUE(fs::exists(route_status));
  EXPECT_TRUE(fs::exists(status / "gateways/default/gw1.yaml"));
  EXPECT_TRUE(fs::exists(status / "gateways/default/gw2.yaml"));
  EXPECT_FALSE(fs::exists(status / "gateways/default/foreign.yaml"));
  const std::string first = read(route_status);
  EXPECT_THAT(first, HasSubstr("name: gw1"));
  EXPECT_THAT(first, HasSubstr("name: gw2"));
  EXPECT_THAT(first, HasSubstr("reason: ResolvedRefs"));
  EXPECT_THAT(first, Not(HasSubstr("BackendNotFound")));

  // An edit reaches the status.
  write(manifests / "route.yaml", route("missing"));
  ASSERT_TRUE(eventually([&] { return file_has(route_status, "BackendNotFound"); })) << read(route_status);
  const std::string edited = read(route_status);
  const ino_t edited_inode = inode_of(route_status);

  // A broken file: its errors are written, its last good objects stay (status untouched).
  write(manifests / "route.yaml", "apiVersion: gateway.networking.k8s.io/v1\nkind: [\n");
  const fs::path error_file = status / "_errors" / (escape_component((manifests / "route.yaml").string()) + ".yaml");
  ASSERT_TRUE(eventually([&] { return fs::exists(error_file); }));
  EXPECT_THAT(read(error_file), HasSubstr("line: 3"));
  EXPECT_THAT(read(error_file), HasSubstr("file: " + (manifests / "route.yaml").string()));
  EXPECT_EQ(read(route_status), edited);
  EXPECT_EQ(inode_of(route_status), edited_inode);
  EXPECT_EQ(loop.file_errors().size(), 1u);
  EXPECT_NE(loop.snapshot(gateway_ref("gw1")), nullptr);

  // Fixed: the error file goes, the new version is translated.
  write(manifests / "route.yaml", route("svc"));
  ASSERT_TRUE(eventually([&] { return !fs::exists(error_file); }));
  ASSERT_TRUE(eventually([&] { return !file_has(route_status, "BackendNotFound"); })) << read(route_status);
  EXPECT_TRUE(loop.file_errors().empty());
  EXPECT_FALSE(fs::exists(status / "_errors"));

  // An unrelated change rewrites nothing.
  const ino_t route_inode = inode_of(route_status);
  const ino_t gateway_inode = inode_of(status / "gateways/default/gw1.yaml");
  const uint64_t processed = loop.updates_processed();
  write(manifests / "other.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: unused\nspec:\n  ports:\n  - port: 81\n");
  ASSERT_TRUE(eventually([&] { return loop.updates_processed() > processed; }));
  EXPECT_EQ(inode_of(route_status), route_inode);
  EXPECT_EQ(inode_of(status / "gateways/default/gw1.yaml"), gateway_inode);

  // gw2 leaves kgateway: its output and status go; the route keeps only gw1's entry.
  write(manifests / "gateways.yaml",
        kCustomClass + gateway("gw1", "kgateway") + gateway("gw2", "other") + gateway("foreign", "other"));
  ASSERT_TRUE(eventually([&] { return !fs::exists(status / "gateways/default/gw2.yaml"); }));
  ASSERT_TRUE(eventually([&] { return !file_has(route_status, "name: gw2"); })) << read(route_status);
  EXPECT_EQ(loop.snapshot(gateway_ref("gw2")), nullptr);
  EXPECT_NE(inode_of(route_status), route_inode);  // its content did change

  // The route's file removed: its status goes.
  fs::remove(manifests / "route.yaml");
  ASSERT_TRUE(eventually([&] { return !fs::exists(route_status); }));

  source.stop();
  loop.stop();
  EXPECT_EQ(ready_calls.load(), 1);
}

TEST(ControlLoop, ReadyEvenWithNothingToTranslate) {
  TempDir d{"kgw-control-loop"};
  plugins::ExtensionRegistry registry;
  ControlLoop loop({}, registry);
  ASSERT_TRUE(loop.start().is_ok());
  EXPECT_FALSE(loop.ready());
  sources::SourceUpdate initial;
  initial.initial = true;
  loop.submit(std::move(initial));
  ASSERT_TRUE(loop.wait_ready(kTimeout));
  EXPECT_TRUE(loop.snapshots()->empty());
  loop.stop();
  loop.stop();  // idempotent
}

TEST(UpdateQueue, CoalescesSoTheResultEqualsBothInOrder) {
  sources::SourceUpdate a;
  a.upserts["x.yaml"] = {};
  a.removed = {"y.yaml"};
  a.errors["x.yaml"] = {{{nullptr, 1, 1}, "", "bad"}};
  a.initial = true;
  sources::SourceUpdate b;
  b.removed = {"x.yaml"};
  b.upserts["y.yaml"] = {};
  b.errors["x.yaml"] = {};
  coalesce(a, std::move(b));
  EXPECT_FALSE(a.upserts.contains("x.yaml"));
  EXPECT_TRUE(a.upserts.contains("y.yaml"));
  EXPECT_EQ(a.removed, std::vector<std::string>{"x.yaml"});
  EXPECT_TRUE(a.errors.at("x.yaml").empty());
  EXPECT_TRUE(a.initial);

  UpdateQueue q;
  q.push(sources::SourceUpdate{});
  sources::SourceUpdate c;
  c.removed = {"z.yaml"};
  q.push(std::move(c));
  auto taken = q.take();
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->removed, std::vector<std::string>{"z.yaml"});
  std::thread closer([&] { q.close(); });
  EXPECT_FALSE(q.take().has_value());
  closer.join();
}

}  // namespace
}  // namespace kgw::serve

namespace kgw::serve {
namespace {

TEST(ControlLoop, ProxyConditionsShowOnTheGatewayStatus) {
  TempDir d{"kgw-control-loop"};
  const fs::path manifests = d.path() / "m";
  const fs::path status = d.path() / "status";
  fs::create_directories(manifests);
  write(manifests / "gateways.yaml", gateway("gw1", "kgateway"));

  plugins::ExtensionRegistry registry;
  ControlLoopOptions options;
  options.status_dir = status;
  ControlLoop loop(options, registry);
  ASSERT_TRUE(loop.start().is_ok());
  sources::DirSource source(sources::DirSourceOptions{{manifests}, 20ms, 500ms});
  ASSERT_TRUE(source.start(loop.consumer()).is_ok());
  ASSERT_TRUE(loop.wait_ready(kTimeout));
  const fs::path gateway_status = status / "gateways/default/gw1.yaml";
  ASSERT_TRUE(fs::exists(gateway_status));
  EXPECT_THAT(read(gateway_status), Not(HasSubstr("ProxiesAccepted")));

  sdk::Value condition;
  condition.set("type", "ProxiesAccepted");
  condition.set("status", "False");
  condition.set("reason", "Rejected");
  condition.set("message", "node n1 rejected Cluster: bad cluster");
  loop.set_proxy_condition(gateway_ref("gw1"), condition);
  ASSERT_TRUE(eventually([&] { return file_has(gateway_status, "node n1 rejected Cluster: bad cluster"); }))
      << read(gateway_status);
  EXPECT_THAT(read(gateway_status), HasSubstr("reason: Programmed")) << "the translated conditions stay";

  // A later translation keeps it; clearing takes it away.
  write(manifests / "gateways.yaml", gateway("gw1", "kgateway") + "# edited\n");
  loop.set_proxy_condition(gateway_ref("gw1"), std::nullopt);
  ASSERT_TRUE(eventually([&] { return !file_has(gateway_status, "ProxiesAccepted"); })) << read(gateway_status);
  source.stop();
}

}  // namespace
}  // namespace kgw::serve

namespace kgw::serve {
namespace {

std::string slice(const std::string& address) {
  return "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: svc-1\n  labels:\n"
         "    kubernetes.io/service-name: svc\naddressType: IPv4\nports:\n- name: http\n  port: 8080\n"
         "endpoints:\n- addresses: [\"" +
         address + "\"]\n  conditions:\n    ready: true\n";
}

std::string endpoints_bytes(const translator::Output& output) {
  std::string all;
  for (const auto& cla : output.endpoints) all += cla.SerializeAsString();
  return all;
}

// An EndpointSlice change takes the endpoint-only path; what it produces equals a full translation.
TEST(ControlLoop, EndpointSliceChangesGiveWhatAFullTranslationGives) {
  TempDir d{"kgw-control-loop"};
  const fs::path manifests = d.path() / "m";
  fs::create_directories(manifests);
  write(manifests / "gateways.yaml", gateway("gw1", "kgateway"));
  write(manifests / "route.yaml", route("svc"));
  write(manifests / "service.yaml", kService);
  write(manifests / "slice.yaml", slice("10.0.0.1"));

  plugins::ExtensionRegistry registry;
  ControlLoop loop(ControlLoopOptions{}, registry);
  ASSERT_TRUE(loop.start().is_ok());
  sources::DirSource source(sources::DirSourceOptions{{manifests}, 20ms, 500ms});
  ASSERT_TRUE(source.start(loop.consumer()).is_ok());
  ASSERT_TRUE(loop.wait_ready(kTimeout));
  const auto first = loop.snapshot(gateway_ref("gw1"));
  ASSERT_NE(first, nullptr);
  ASSERT_NE(endpoints_bytes(*first).find("10.0.0.1"), std::string::npos);

  write(manifests / "slice.yaml", slice("10.0.0.2"));
  ASSERT_TRUE(eventually([&] {
    auto now = loop.snapshot(gateway_ref("gw1"));
    return now && endpoints_bytes(*now).find("10.0.0.2") != std::string::npos;
  }));
  const auto patched = loop.snapshot(gateway_ref("gw1"));
  source.stop();

  // A loop started on the same files translates everything.
  ControlLoop fresh(ControlLoopOptions{}, registry);
  ASSERT_TRUE(fresh.start().is_ok());
  sources::DirSource fresh_source(sources::DirSourceOptions{{manifests}, 20ms, 500ms});
  ASSERT_TRUE(fresh_source.start(fresh.consumer()).is_ok());
  ASSERT_TRUE(fresh.wait_ready(kTimeout));
  const auto full = fresh.snapshot(gateway_ref("gw1"));
  ASSERT_NE(full, nullptr);
  EXPECT_EQ(endpoints_bytes(*patched), endpoints_bytes(*full));
  ASSERT_EQ(patched->routes.size(), full->routes.size());
  for (size_t i = 0; i < full->routes.size(); ++i)
    EXPECT_EQ(patched->routes[i].SerializeAsString(), full->routes[i].SerializeAsString());
  fresh_source.stop();
}

}  // namespace
}  // namespace kgw::serve

namespace kgw::serve {
namespace {

// A backend type whose cluster shows state kept outside the manifests, as a plugin's discovered
// endpoints are.
class ExternalStateBackend final : public sdk::BackendType {
 public:
  explicit ExternalStateBackend(std::atomic<int>& state) : state_(state) {}
  std::string_view type() const noexcept override { return "ExternalState"; }
  std::shared_ptr<const sdk::PluginIr> parse(const sdk::Object&, const sdk::HostApi&,
                                             sdk::Diagnostics&) const noexcept override {
    return std::make_shared<Ir>();
  }
  void build_cluster(const sdk::TranslationContext&, const sdk::Object&, const sdk::PluginIr&, sdk::ClusterOutput& out,
                     sdk::Diagnostics&) const noexcept override {
    out.cluster.set_type(envoy::config::cluster::v3::Cluster::STATIC);
    out.cluster.mutable_load_assignment()
        ->add_endpoints()
        ->add_lb_endpoints()
        ->mutable_endpoint()
        ->mutable_address()
        ->mutable_socket_address()
        ->set_address("10.0.0." + std::to_string(state_.load()));
  }

 private:
  struct Ir final : sdk::PluginIr {
    bool equals(const sdk::PluginIr&) const noexcept override { return true; }
  };
  std::atomic<int>& state_;
};

std::string cluster_bytes(const translator::Output& output) {
  std::string all;
  for (const auto& c : output.clusters) all += c.SerializeAsString();
  return all;
}

// A plugin's refresh of a Backend translates again the Gateways whose routes reach it, and only those.
TEST(ControlLoop, ARefreshTranslatesAgainTheGatewaysUsingTheObject) {
  TempDir d{"kgw-control-loop"};
  const fs::path manifests = d.path() / "m";
  fs::create_directories(manifests);
  write(manifests / "gateways.yaml", gateway("gw1", "kgateway") + gateway("gw2", "kgateway"));
  write(manifests / "routes.yaml",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: to-backend\nspec:\n"
        "  parentRefs:\n  - name: gw1\n  rules:\n  - backendRefs:\n    - name: external\n"
        "      kind: Backend\n      group: gateway.kgateway.dev\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: to-service\nspec:\n"
        "  parentRefs:\n  - name: gw2\n  rules:\n  - backendRefs:\n    - name: svc\n      port: 80\n---\n"
        "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: Backend\nmetadata:\n  name: external\nspec:\n"
        "  type: ExternalState\n");
  write(manifests / "service.yaml", kService);

  std::atomic<int> state{1};
  plugins::ExtensionRegistry registry;
  ASSERT_TRUE(registry.add_backend_type(std::make_unique<ExternalStateBackend>(state)).is_ok());
  std::mutex mu;
  std::vector<std::set<sdk::ObjectRef>> published;
  ControlLoopOptions options;
  options.on_publish = [&](const GatewayOutputs&, const std::set<sdk::ObjectRef>& changed,
                           std::chrono::steady_clock::time_point) {
    std::lock_guard lock(mu);
    published.push_back(changed);
  };
  ControlLoop loop(options, registry);
  ASSERT_TRUE(loop.start().is_ok());
  sources::DirSource source(sources::DirSourceOptions{{manifests}, 20ms, 500ms});
  ASSERT_TRUE(source.start(loop.consumer()).is_ok());
  ASSERT_TRUE(loop.wait_ready(kTimeout));
  ASSERT_NE(cluster_bytes(*loop.snapshot(gateway_ref("gw1"))).find("10.0.0.1"), std::string::npos);

  state = 2;
  loop.refresh({"gateway.kgateway.dev", "Backend", "default", "external"});
  ASSERT_TRUE(eventually(
      [&] { return cluster_bytes(*loop.snapshot(gateway_ref("gw1"))).find("10.0.0.2") != std::string::npos; }));
  {
    std::lock_guard lock(mu);
    ASSERT_GE(published.size(), 2u);
    EXPECT_EQ(published.back(), (std::set<sdk::ObjectRef>{gateway_ref("gw1")}));
  }
  source.stop();
}

}  // namespace
}  // namespace kgw::serve

namespace kgw::serve {
namespace {

// Resource names of the latest agentgateway translation the loop handed over.
class AgentgatewayOutputs {
 public:
  void take(const agw::Output& output) {
    std::set<std::string> names;
    for (const auto& r : output.resources) names.insert(r.gateway.name + " " + snapshot::resource_name(r.resource));
    std::lock_guard lock(mu_);
    names_ = std::move(names);
    ++count_;
  }
  std::set<std::string> names() const {
    std::lock_guard lock(mu_);
    return names_;
  }
  int count() const {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  mutable std::mutex mu_;
  std::set<std::string> names_;
  int count_ = 0;
};

TEST(ControlLoop, AgentgatewayGatewaysAreTranslatedForAgentgatewayOnly) {
  TempDir d{"kgw-control-loop"};
  const fs::path manifests = d.path() / "m";
  fs::create_directories(manifests);
  write(manifests / "gateways.yaml", gateway("gw1", "kgateway") + gateway("agw", "agentgateway"));

  plugins::ExtensionRegistry registry;
  AgentgatewayOutputs seen;
  ControlLoopOptions options;
  options.on_agentgateway = [&seen](const agw::Output& output) { seen.take(output); };
  options.status_dir = d.path() / "status";
  ControlLoop loop(std::move(options), registry);
  ASSERT_TRUE(loop.start().is_ok());
  sources::DirSource source(sources::DirSourceOptions{{manifests}, 20ms, 500ms});
  ASSERT_TRUE(source.start(loop.consumer()).is_ok());
  ASSERT_TRUE(loop.wait_ready(kTimeout));
  EXPECT_NE(loop.snapshot(gateway_ref("gw1")), nullptr);
  EXPECT_EQ(loop.snapshot(gateway_ref("agw")), nullptr) << "not an Envoy Gateway";
  ASSERT_GE(seen.count(), 1);
  EXPECT_TRUE(seen.names().contains("agw bind/8080/default/agw"));
  EXPECT_TRUE(seen.names().contains("agw listener/default/agw.http"));
  for (const auto& name : seen.names()) EXPECT_EQ(name.rfind("agw ", 0), 0u) << name;
  // Its status is written with the Envoy Gateways'.
  const fs::path agw_status = d.path() / "status" / "gateways" / "default" / "agw.yaml";
  EXPECT_TRUE(eventually([&] { return file_has(agw_status, "Programmed"); }));
  EXPECT_TRUE(loop.statuses()["gateways"].contains("default/agw"));
  // A NACK from its proxies shows on it as on an Envoy Gateway's.
  sdk::Value nack;
  nack.set("type", "ProxiesAccepted");
  nack.set("status", "False");
  nack.set("reason", "Rejected");
  nack.set("message", "node p1 rejected listener/default/agw.http: invalid hostname");
  loop.set_proxy_condition(gateway_ref("agw"), nack);
  EXPECT_TRUE(eventually([&] { return file_has(agw_status, "invalid hostname"); }));
  EXPECT_TRUE(file_has(agw_status, "Programmed")) << "the translated conditions stay";

  // The agentgateway Gateway goes: the next translation has none of its resources.
  write(manifests / "gateways.yaml", gateway("gw1", "kgateway"));
  EXPECT_TRUE(eventually([&] { return seen.names().empty(); }));
  EXPECT_TRUE(eventually([&] { return !fs::exists(agw_status); }));
  source.stop();
}

}  // namespace
}  // namespace kgw::serve
