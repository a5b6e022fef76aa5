// EC2 discovery through `kgw serve`: the plugin's refresh requests make the control loop
// translate again, so the Backend's status and the served cluster follow the instances.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "common/temp_dir.h"
#include "fake_ec2_server.h"
#include "http_client.h"

namespace kgw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// Waits for `done`; the bound only keeps a broken build from hanging the suite.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::string get(uint16_t port, const std::string& path) {
  aws::HttpRequest request;
  request.path = path;
  request.headers = {{"Host", "127.0.0.1"}};
  auto response = aws::send_http(aws::EndpointUrl{false, "127.0.0.1", port, "/"}, request, 5s);
  const auto* ok = std::get_if<aws::HttpResponse>(&response);
  return ok ? ok->body : std::string();
}

constexpr const char* kManifests = R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: http, protocol: HTTP, port: 8080}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: fleet, kind: Backend, group: gateway.kgateway.dev}]
---
apiVersion: gateway.kgateway.dev/v1alpha1
kind: Backend
metadata: {name: fleet, namespace: default}
spec:
  type: AWS
  aws:
    region: eu-west-1
    auth: {type: Secret, secretRef: {name: fleet-creds}}
    ec2:
      filters: [{key: app}]
---
apiVersion: v1
kind: Secret
metadata: {name: fleet-creds, namespace: default}
stringData: {accessKey: AKIDSERVE, secretKey: serve-secret}
)";

TEST(AwsServe, DiscoveredInstancesReachTheStatusAndTheServedCluster) {
  aws::testing::FakeEc2Server ec2("eu-west-1", {"AKIDSERVE", "serve-secret", ""});
  ec2.set_instances({{"i-1", "10.0.0.7", ""}});

  test_support::TempDir dir{"kgw-aws-serve"};
  const fs::path manifests = dir.path() / "manifests";
  const fs::path status = dir.path() / "status";
  fs::create_directories(manifests);
  std::ofstream(manifests / "all.yaml") << kManifests;
  const uint16_t admin_port = free_port();
  const fs::path config = dir.path() / "kgw.toml";
  std::ofstream(config) << "[server]\nxds_address = \"127.0.0.1\"\nxds_port = " << free_port()
                        << "\nadmin_port = " << admin_port << "\n[source]\nkind = \"dir\"\npaths = [\""
                        << manifests.string() << "\"]\nstatus_dir = \"" << status.string()
                        << "\"\n[[plugins]]\nname = \"backend-aws\"\npath = \"" << KGW_BACKEND_AWS_PLUGIN
                        << "\"\nrequired = true\n[plugins.config]\nec2_endpoint = \"" << ec2.url()
                        << "\"\nec2_refresh_seconds = 0.05\n";
  const pid_t kgw = ::fork();
  if (kgw == 0) {
    ::execl(KGW_BINARY, KGW_BINARY, "serve", "--config", config.c_str(), "--log-level", "warn", nullptr);
    ::_exit(127);
  }
  ASSERT_GT(kgw, 0);

  const fs::path backend_status = status / "backends/default/fleet.yaml";
  auto status_has = [&](const std::string& text) {
    return test_support::read_file(backend_status).find(text) != std::string::npos;
  };
  auto snapshot_has = [&](const std::string& text) {
    return get(admin_port, "/debug/snapshot?gateway=default/gw").find(text) != std::string::npos;
  };
  EXPECT_TRUE(eventually([&] { return status_has("1 running instance matched"); }))
      << test_support::read_file(backend_status);
  EXPECT_TRUE(eventually([&] { return snapshot_has("10.0.0.7"); }));

  ec2.set_instances({{"i-2", "10.0.0.8", ""}, {"i-3", "10.0.0.9", ""}});
  EXPECT_TRUE(eventually([&] { return status_has("2 running instances matched"); }))
      << test_support::read_file(backend_status);
  EXPECT_TRUE(eventually([&] { return snapshot_has("10.0.0.8") && snapshot_has("10.0.0.9"); }));
  EXPECT_FALSE(snapshot_has("10.0.0.7"));

  ::kill(kgw, SIGTERM);
  int wait_status = 0;
  ::waitpid(kgw, &wait_status, 0);
  EXPECT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
}

}  // namespace
}  // namespace kgw
