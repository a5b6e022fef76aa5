// gRPC C++'s own xDS client (Debian's libgrpc++) against `kgw serve`.
//
// Three test gRPC servers on loopback answer every call with their name. `kgw serve` watches a
// manifest directory with a Gateway, Services and EndpointSlices pointing at those servers, and an
// HTTPRoute for echo.example.com with a header match and weighted backends. A channel with target
// `xds:///echo.example.com` and a bootstrap naming kgw calls through it; the test asserts which
// servers answer and in what proportions, edits the manifests and waits for the client to follow,
// and removes a backend. A gRPC server built with XdsServerBuilder takes one of the Gateway's
// listeners as its own and applies the RBAC of a TrafficPolicy to the calls it serves.
#include <arpa/inet.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/xds_server_builder.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "common/temp_dir.h"
#include "host/admin/http_client.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A free TCP port on loopback (bound, read and released).
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Answers every call, whatever its method, with its own name.
class NameService : public grpc::CallbackGenericService {
 public:
  explicit NameService(std::string name) : name_(std::move(name)) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      explicit Reactor(const std::string& name) : reply_(std::vector<grpc::Slice>{grpc::Slice(name)}.data(), 1) {
        StartRead(&request_);
      }
      void OnReadDone(bool ok) override {
        if (ok)
          StartWriteAndFinish(&reply_, grpc::WriteOptions(), grpc::Status::OK);
        else
          Finish(grpc::Status::OK);
      }
      void OnDone() override { delete this; }

     private:
      grpc::ByteBuffer request_;
      grpc::ByteBuffer reply_;
    };
    return new Reactor(name_);
  }

 private:
  std::string name_;
};

struct TestServer {
  std::string name;
  uint16_t port = 0;
  std::unique_ptr<NameService> service;
  std::unique_ptr<grpc::Server> server;
};

TestServer start_server(const std::string& name) {
  TestServer s;
  s.name = name;
  s.service = std::make_unique<NameService>(name);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(s.service.get());
  s.server = builder.BuildAndStart();
  s.port = static_cast<uint16_t>(port);
  return s;
}

std::string service_manifest(const std::string& name, uint16_t port) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name +
         "\n  namespace: default\nspec:\n  ports:\n  - name: grpc\n    port: 50051\n    appProtocol: "
         "kubernetes.io/h2c\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " +
         name + "-1\n  namespace: default\n  labels:\n    kubernetes.io/service-name: " + name +
         "\naddressType: IPv4\nports:\n- name: grpc\n  port: " + std::to_string(port) +
         "\nendpoints:\n- addresses: [\"127.0.0.1\"]\n  conditions:\n    ready: true\n";
}

// Port 8080 serves the proxyless clients; `server_port` is the port of the xDS-enabled server.
std::string gateway_manifest(uint16_t server_port) {
  return R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  gatewayClassName: kgateway
  listeners:
  - name: http
    protocol: HTTP
    port: 8080
  - name: grpc-server
    protocol: HTTP
    port: )" +
         std::to_string(server_port) + "\n";
}

std::string route_manifest(const std::string& default_backends) {
  return R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: echo
  namespace: default
spec:
  parentRefs:
  - name: gw
  hostnames: [echo.example.com]
  rules:
  - matches:
    - headers:
      - name: x-variant
        value: b
    backendRefs:
    - name: echo-b
      port: 50051
  - backendRefs:
)" + default_backends;
}

const char* const kWeighted = R"(    - name: echo-a
      port: 50051
      weight: 80
    - name: echo-b
      port: 50051
      weight: 20
)";

void write_atomically(const fs::path& path, const std::string& content) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << content;
  }
  fs::rename(tmp, path);
}

struct CallResult {
  grpc::Status status;
  std::string server;
};

CallResult call(grpc::GenericStub& stub, const std::map<std::string, std::string>& metadata = {}) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 5s);
  for (const auto& [k, v] : metadata) ctx.AddMetadata(k, v);
  grpc::ByteBuffer request(std::vector<grpc::Slice>{grpc::Slice(std::string("hi"))}.data(), 1);
  grpc::ByteBuffer reply;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  CallResult result;
  stub.UnaryCall(&ctx, "/kgw.test.Echo/Who", {}, &request, &reply, [&](grpc::Status status) {
    std::lock_guard lock(mu);
    result.status = status;
    done = true;
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  if (result.status.ok()) {
    std::vector<grpc::Slice> slices;
    (void)reply.Dump(&slices);
    for (const auto& s : slices) result.server.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return result;
}

// Calls until `want` answers (or the deadline passes); returns how long it took.
std::optional<std::chrono::milliseconds> wait_for_server(grpc::GenericStub& stub, const std::string& want,
                                                         std::chrono::milliseconds limit,
                                                         const std::map<std::string, std::string>& metadata = {}) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < limit) {
    if (call(stub, metadata).server == want)
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    std::this_thread::sleep_for(5ms);
  }
  return std::nullopt;
}

// grpc-js-xds, driven through tests/clients/node/client.js (one JSON line per command).
class NodeClient {
 public:
  // Empty when node or the client's packages are missing.
  static std::optional<std::string> missing() {
    if (std::system("command -v node >/dev/null 2>&1") != 0) return "node is not installed";
    if (!fs::exists(fs::path(KGW_SOURCE_DIR) / "tests/clients/node/node_modules/@grpc/grpc-js-xds"))
      return "tests/clients/node/node_modules is missing (scripts/setup.sh runs npm ci there)";
    return std::nullopt;
  }
  NodeClient() {
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      ::close(to_child[1]);
      ::close(from_child[0]);
      const std::string script = std::string(KGW_SOURCE_DIR) + "/tests/clients/node/client.js";
      ::execlp("node", "node", script.c_str(), "xds:///echo.example.com", nullptr);
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = ::fdopen(to_child[1], "w");
    out_ = ::fdopen(from_child[0], "r");
  }
  ~NodeClient() {
    if (in_) std::fclose(in_);
    if (out_) std::fclose(out_);
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, 0) < 0) ::kill(pid_, SIGKILL);
  }
  std::string command(const std::string& line) {
    std::fprintf(in_, "%s\n", line.c_str());
    std::fflush(in_);
    char buffer[4096];
    if (!std::fgets(buffer, sizeof buffer, out_)) return "";
    return buffer;
  }

 private:
  pid_t pid_ = -1;
  FILE* in_ = nullptr;
  FILE* out_ = nullptr;
};

// A number field of a flat JSON line, or -1.
int json_int(const std::string& json, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  const auto at = json.find(needle);
  return at == std::string::npos ? -1 : std::atoi(json.c_str() + at + needle.size());
}

class GrpcCppXdsClientTest : public ::testing::Test {
 protected:
  // Every test starts from the same manifests.
  void SetUp() override {
    fs::remove(manifests_ / "policy.yaml");
    for (const auto& [name, s] : servers_)
      write_atomically(manifests_ / (name + ".yaml"), service_manifest(name, s.port));
    write_atomically(manifests_ / "route.yaml", route_manifest(kWeighted));
  }

  static void SetUpTestSuite() {
    for (const char* name : {"echo-a", "echo-b", "echo-c"}) servers_[name] = start_server(name);
    dir_ = new kgw::test_support::TempDir("kgw-grpc-xds");
    manifests_ = dir_->path() / "manifests";
    fs::create_directories(manifests_);
    write_atomically(manifests_ / "gateway.yaml", gateway_manifest(server_port_));
    for (const auto& [name, s] : servers_)
      write_atomically(manifests_ / (name + ".yaml"), service_manifest(name, s.port));
    write_atomically(manifests_ / "route.yaml", route_manifest(kWeighted));

    const fs::path config = dir_->path() / "kgw.toml";
    admin_port_ = free_port();
    std::ofstream(config) << "[server]\nxds_address = \"127.0.0.1\"\nxds_port = " << xds_port_
                          << "\nadmin_port = " << admin_port_ << "\n[source]\nkind = \"dir\"\npaths = [\""
                          << manifests_.string() << "\"]\n[[plugins]]\nname = \"filters\"\npath = \""
                          << KGW_FILTERS_PLUGIN << "\"\nrequired = true\n";
    kgw_ = ::fork();
    if (kgw_ == 0) {
      ::execl(KGW_BINARY, KGW_BINARY, "serve", "--config", config.c_str(), "--log-level", "info", nullptr);
      ::_exit(127);
    }
    channel_ = new std::shared_ptr<grpc::Channel>(
        grpc::CreateChannel("xds:///echo.example.com", grpc::InsecureChannelCredentials()));
    stub_ = new grpc::GenericStub(*channel_);
  }

  static void TearDownTestSuite() {
    delete stub_;
    delete channel_;
    if (kgw_ > 0) {
      ::kill(kgw_, SIGTERM);
      int status = 0;
      ::waitpid(kgw_, &status, 0);
    }
    for (auto& [name, s] : servers_) s.server->Shutdown();
    servers_.clear();
    delete dir_;
  }

  static inline std::map<std::string, TestServer> servers_;
  static inline kgw::test_support::TempDir* dir_ = nullptr;
  static inline fs::path manifests_;
  static inline pid_t kgw_ = -1;
  static inline uint16_t admin_port_ = 0;
  static inline std::shared_ptr<grpc::Channel>* channel_ = nullptr;
  static inline grpc::GenericStub* stub_ = nullptr;

 public:
  static inline uint16_t xds_port_ = 0;
  static inline uint16_t server_port_ = 0;  // the xDS-enabled server's
};

TEST_F(GrpcCppXdsClientTest, HeaderMatchWeightsEditsAndRemoval) {
  // The first call waits for kgw to start and the client to get its configuration.
  ASSERT_TRUE(wait_for_server(*stub_, "echo-b", 30s, {{"x-variant", "b"}}))
      << "the client never reached echo-b through kgw";

  // The header match: every call goes to echo-b.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(call(*stub_, {{"x-variant", "b"}}).server, "echo-b");

  // The weighted rule: about 80% echo-a, 20% echo-b.
  std::map<std::string, int> seen;
  const int calls = 1000;
  for (int i = 0; i < calls; ++i) {
    auto r = call(*stub_);
    ASSERT_TRUE(r.status.ok()) << r.status.error_message();
    ++seen[r.server];
  }
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_NEAR(seen["echo-a"], 800, 80) << "echo-a answered " << seen["echo-a"] << " of " << calls;
  EXPECT_NEAR(seen["echo-b"], 200, 80) << "echo-b answered " << seen["echo-b"] << " of " << calls;

  // Edit: the default rule now goes to echo-c only; the client follows within 2 s.
  write_atomically(manifests_ / "route.yaml", route_manifest("    - name: echo-c\n      port: 50051\n"));
  auto followed = wait_for_server(*stub_, "echo-c", 2s);
  ASSERT_TRUE(followed) << "the client did not follow the edit within 2 s";
  std::printf("client followed the edit in %lld ms\n", static_cast<long long>(followed->count()));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(call(*stub_).server, "echo-c");

  // A broken manifest keeps the last good configuration.
  write_atomically(manifests_ / "route.yaml", "apiVersion: gateway.networking.k8s.io/v1\nkind: [\n");
  std::this_thread::sleep_for(500ms);  // give a wrong reaction time to show; nothing to wait for
  for (int i = 0; i < 20; ++i) EXPECT_EQ(call(*stub_).server, "echo-c");
  EXPECT_EQ(call(*stub_, {{"x-variant", "b"}}).server, "echo-b");

  // Removal: echo-b's Service goes; calls matching its rule fail instead of reaching it.
  write_atomically(manifests_ / "route.yaml", route_manifest("    - name: echo-c\n      port: 50051\n"));
  fs::remove(manifests_ / "echo-b.yaml");
  const auto start = std::chrono::steady_clock::now();
  bool failing = false;
  while (std::chrono::steady_clock::now() - start < 2s) {
    if (!call(*stub_, {{"x-variant", "b"}}).status.ok()) {
      failing = true;
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(failing) << "calls for the removed backend still succeed";
  EXPECT_EQ(call(*stub_).server, "echo-c") << "the other rule keeps working";

  // The admin endpoint: ready, the Gateway published, this client's stream open, no NACK.
  EXPECT_EQ(kgw::test_support::http_get(admin_port_, "/readyz").status, 200);
  const auto xds = kgw::test_support::http_get(admin_port_, "/debug/xds");
  EXPECT_EQ(xds.status, 200);
  EXPECT_NE(xds.body.find("\"gateways\":[\"default/gw\"]"), std::string::npos) << xds.body;
  EXPECT_EQ(xds.body.find("\"streams\":0"), std::string::npos) << xds.body;
  EXPECT_NE(xds.body.find("\"nacks\":{}"), std::string::npos) << xds.body;
  const auto metrics = kgw::test_support::http_get(admin_port_, "/metrics");
  EXPECT_NE(metrics.body.find("kgw_xds_pushes_total{server=\"envoy\",type=\"Listener\"}"), std::string::npos);
}

std::string fault_policy(const std::string& fault) {
  return R"(apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata:
  name: fault
  namespace: default
spec:
  targetRefs:
  - group: gateway.networking.k8s.io
    kind: HTTPRoute
    name: echo
  faultInjection:
)" + fault;
}

// A TrafficPolicy's fault injection (the filters plugin's) reaches gRPC's own fault filter.
TEST_F(GrpcCppXdsClientTest, FaultInjectionFromATrafficPolicy) {
  ASSERT_TRUE(wait_for_server(*stub_, "echo-b", 30s, {{"x-variant", "b"}}));
  write_atomically(manifests_ / "policy.yaml", fault_policy("    abort:\n      httpStatus: 503\n"));
  bool aborted = false;
  for (auto start = std::chrono::steady_clock::now(); !aborted && std::chrono::steady_clock::now() - start < 2s;) {
    auto r = call(*stub_);
    aborted = r.status.error_code() == grpc::StatusCode::UNAVAILABLE;
    if (!aborted) std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(aborted) << "calls are not aborted by the fault injection";
  for (int i = 0; i < 10; ++i) EXPECT_EQ(call(*stub_).status.error_code(), grpc::StatusCode::UNAVAILABLE);

  // The policy changes to a delay: calls succeed again, each at least that late.
  write_atomically(manifests_ / "policy.yaml", fault_policy("    delay:\n      fixedDelay: 300ms\n"));
  std::optional<std::chrono::milliseconds> delayed;
  for (auto start = std::chrono::steady_clock::now(); !delayed && std::chrono::steady_clock::now() - start < 3s;) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = call(*stub_);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    if (r.status.ok() && took >= 280ms) delayed = took;
  }
  ASSERT_TRUE(delayed) << "calls are not delayed by the fault injection";

  // The policy goes: calls are prompt.
  fs::remove(manifests_ / "policy.yaml");
  bool prompt = false;
  for (auto start = std::chrono::steady_clock::now(); !prompt && std::chrono::steady_clock::now() - start < 3s;) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = call(*stub_);
    prompt = r.status.ok() && std::chrono::steady_clock::now() - t0 < 150ms;
  }
  EXPECT_TRUE(prompt) << "calls stay delayed after the policy is removed";
}

std::string rbac_policy(const std::string& action, const std::string& expression) {
  return R"(apiVersion: gateway.kgateway.dev/v1alpha1
kind: TrafficPolicy
metadata:
  name: rbac
  namespace: default
spec:
  targetRefs:
  - group: gateway.networking.k8s.io
    kind: HTTPRoute
    name: echo
  rbac:
    action: )" +
         action + R"(
    policy:
      matchExpressions:
      - ")" +
         expression + "\"\n";
}

// Records whether the xDS-enabled server serves (it waits for its listener from kgw).
class ServingNotifier : public grpc::XdsServerServingStatusNotifierInterface {
 public:
  void OnServingStatusUpdate(std::string uri, ServingStatusUpdate update) override {
    std::lock_guard lock(mu_);
    last_ = uri + ": " + update.status.error_message();
  }
  std::string last() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  std::mutex mu_;
  std::string last_;
};

// Calls `stub` as `caller` until the status code is `want` (or `limit` passes).
bool wait_for_code(grpc::GenericStub& stub, const std::string& caller, grpc::StatusCode want,
                   std::chrono::milliseconds limit) {
  for (auto start = std::chrono::steady_clock::now(); std::chrono::steady_clock::now() - start < limit;) {
    if (call(stub, {{"x-caller", caller}}).status.error_code() == want) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

// A gRPC server built with XdsServerBuilder takes the Gateway's listener on its port from kgw and
// applies the RBAC a TrafficPolicy puts on the route: callers are denied and allowed as the
// policy says, and the server follows when the policy changes or goes.
TEST_F(GrpcCppXdsClientTest, XdsServerAppliesRbacFromATrafficPolicy) {
  NameService service("guarded");
  ServingNotifier notifier;
  grpc::XdsServerBuilder builder;
  builder.set_status_notifier(&notifier);
  builder.AddListeningPort("0.0.0.0:" + std::to_string(server_port_),
                           grpc::XdsServerCredentials(grpc::InsecureServerCredentials()));
  builder.RegisterCallbackGenericService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_TRUE(server) << "the xDS-enabled server did not start";

  grpc::ChannelArguments args;
  args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, "echo.example.com");  // the route's hostname
  auto channel =
      grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server_port_), grpc::InsecureChannelCredentials(), args);
  grpc::GenericStub stub(channel);
  ASSERT_TRUE(wait_for_code(stub, "alice", grpc::StatusCode::OK, 30s))
      << "the xDS-enabled server never served; last status: " << notifier.last();
  EXPECT_EQ(call(stub, {{"x-caller", "alice"}}).server, "guarded");
  EXPECT_EQ(call(stub, {{"x-caller", "mallory"}}).status.error_code(), grpc::StatusCode::OK);

  // Deny mallory: mallory is refused, alice still served.
  write_atomically(manifests_ / "policy.yaml", rbac_policy("Deny", "request.headers['x-caller'] == 'mallory'"));
  ASSERT_TRUE(wait_for_code(stub, "mallory", grpc::StatusCode::PERMISSION_DENIED, 2s))
      << "the RBAC policy does not deny mallory";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call(stub, {{"x-caller", "alice"}}).status.error_code(), grpc::StatusCode::OK);

  // Allow only alice: now mallory and anyone else are refused.
  write_atomically(manifests_ / "policy.yaml", rbac_policy("Allow", "request.headers['x-caller'] == 'alice'"));
  ASSERT_TRUE(wait_for_code(stub, "bob", grpc::StatusCode::PERMISSION_DENIED, 2s)) << "bob is not denied";
  EXPECT_EQ(call(stub, {{"x-caller", "alice"}}).status.error_code(), grpc::StatusCode::OK);
  EXPECT_EQ(call(stub, {{"x-caller", "mallory"}}).status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // The policy goes: everyone is served again.
  fs::remove(manifests_ / "policy.yaml");
  EXPECT_TRUE(wait_for_code(stub, "mallory", grpc::StatusCode::OK, 2s)) << "mallory stays denied";
  const auto xds = kgw::test_support::http_get(admin_port_, "/debug/xds");
  EXPECT_NE(xds.body.find("\"nacks\":{}"), std::string::npos) << "a client rejected what kgw sent: " << xds.body;
  server->Shutdown();
}

TEST_F(GrpcCppXdsClientTest, NodeGrpcJsXdsClientFollowsTheSameRoutes) {
  if (auto why = NodeClient::missing()) {
    if (const char* ci = std::getenv("CI"); ci && std::string(ci) == "true") FAIL() << *why;
    GTEST_SKIP() << *why;
  }
  NodeClient node;
  const std::string first = node.command("wait echo-b 30000 x-variant=b");
  ASSERT_NE(first.find("\"ok\":true"), std::string::npos) << "grpc-js never reached echo-b through kgw: " << first;
  const std::string only_b = node.command("count 20 x-variant=b");
  EXPECT_EQ(json_int(only_b, "echo-b"), 20) << only_b;

  const std::string counts = node.command("count 500");
  EXPECT_EQ(json_int(counts, "errors"), 0) << counts;
  EXPECT_NEAR(json_int(counts, "echo-a"), 400, 60) << counts;
  EXPECT_NEAR(json_int(counts, "echo-b"), 100, 60) << counts;

  write_atomically(manifests_ / "route.yaml", route_manifest("    - name: echo-c\n      port: 50051\n"));
  const std::string followed = node.command("wait echo-c 2000");
  EXPECT_NE(followed.find("\"ok\":true"), std::string::npos) << "grpc-js did not follow the edit within 2 s";
  std::printf("grpc-js followed the edit in %d ms\n", json_int(followed, "ms"));
  const std::string after = node.command("count 50");
  EXPECT_EQ(json_int(after, "echo-c"), 50) << after;

  fs::remove(manifests_ / "echo-b.yaml");
  bool failing = false;
  for (int i = 0; i < 200 && !failing; ++i) {
    failing = node.command("call x-variant=b").find("\"ok\":false") != std::string::npos;
    if (!failing) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(failing) << "grpc-js calls for the removed backend still succeed";
  const auto xds = kgw::test_support::http_get(admin_port_, "/debug/xds");
  EXPECT_NE(xds.body.find("\"nacks\":{}"), std::string::npos) << "a client rejected what kgw sent: " << xds.body;
}

}  // namespace

int main(int argc, char** argv) {
  // The bootstrap is read when the first xDS channel is made; it names kgw's port.
  GrpcCppXdsClientTest::xds_port_ = free_port();
  GrpcCppXdsClientTest::server_port_ = free_port();
  const std::string bootstrap = R"({"xds_servers":[{"server_uri":"127.0.0.1:)" +
                                std::to_string(GrpcCppXdsClientTest::xds_port_) +
                                R"(","channel_creds":[{"type":"insecure"}],"server_features":["xds_v3"]}],)"
                                R"("server_listener_resource_name_template":)"
                                R"("grpc/server?xds.resource.listening_address=%s",)"
                                R"("node":{"id":"grpc-client.default","locality":{},"metadata":{"role":)"
                                R"("kgateway-kube-gateway-api~default~gw"}}})";
  ::setenv("GRPC_XDS_BOOTSTRAP_CONFIG", bootstrap.c_str(), 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
