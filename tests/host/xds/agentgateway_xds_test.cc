// The xDS server for agentgateway proxies against a client that behaves as agentgateway's proxy
// does: one delta ADS stream, the Address subscription then the resource subscription, both
// wildcard, ACKs and NACKs carrying only type_url, nonce and error_detail, NACK messages as JSON
// arrays of per-resource diagnostics, and initial_resource_versions after a reconnect.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>

#include "common/temp_dir.h"
#include "envoy/service/discovery/v3/ads.grpc.pb.h"
#include "plugins/extension_registry.h"
#include "serve/agentgateway_publisher.h"
#include "serve/control_loop.h"
#include "snapshot/agentgateway.h"
#include "sources/dir_source.h"
#include "xds/nack_diagnostics.h"
#include "xds/xds_server.h"

namespace kgw::xds {
namespace {

using agentgateway::dev::resource::Resource;
using envoy::service::discovery::v3::AggregatedDiscoveryService;
using envoy::service::discovery::v3::DeltaDiscoveryRequest;
using envoy::service::discovery::v3::DeltaDiscoveryResponse;
using istio::workload::Address;
using Strings = std::vector<std::string>;
using Versions = std::map<std::string, std::string>;

const std::string kAdp(snapshot::kAgentgatewayResourceType);
const std::string kAddress(snapshot::kAddressType);

Resource bind(const std::string& key, uint32_t port) {
  Resource r;
  r.mutable_bind()->set_key(key);
  r.mutable_bind()->set_port(port);
  return r;
}
Resource listener(const std::string& key, const std::string& bind_key, const std::string& hostname = "") {
  Resource r;
  r.mutable_listener()->set_key(key);
  r.mutable_listener()->set_bind_key(bind_key);
  r.mutable_listener()->set_hostname(hostname);
  return r;
}
Resource route(const std::string& key, const std::string& listener_key) {
  Resource r;
  r.mutable_route()->set_key(key);
  r.mutable_route()->set_listener_key(listener_key);
  return r;
}
Address service(const std::string& ns, const std::string& hostname) {
  Address a;
  a.mutable_service()->set_namespace_(ns);
  a.mutable_service()->set_hostname(hostname);
  a.mutable_service()->set_name(hostname.substr(0, hostname.find('.')));
  return a;
}
Address workload(const std::string& uid) {
  Address a;
  a.mutable_workload()->set_uid(uid);
  a.mutable_workload()->add_addresses(std::string("\x0a\x00\x00\x07", 4));
  return a;
}

// What agentgateway sends as its node: an id, string metadata and the role `<ns>~<gateway>`.
envoy::config::core::v3::Node proxy_node(const std::string& role) {
  envoy::config::core::v3::Node n;
  n.set_id("agentgateway~10.0.0.7~gw-5d8f.default~default.svc.cluster.local");
  auto& fields = *n.mutable_metadata()->mutable_fields();
  fields["NAME"].set_string_value("gw-5d8f");
  fields["NAMESPACE"].set_string_value("default");
  fields["INSTANCE_IPS"].set_string_value("10.0.0.7");
  if (!role.empty()) fields["role"].set_string_value(role);
  return n;
}

Strings names(const DeltaDiscoveryResponse& response) {
  Strings out;
  for (const auto& r : response.resources()) out.push_back(r.name());
  return out;
}
Strings removed(const DeltaDiscoveryResponse& response) {
  return Strings(response.removed_resources().begin(), response.removed_resources().end());
}

class AgentgatewayXdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options = agentgateway_server_options("127.0.0.1", 0);
    options.on_report = [this](const ProxyReport& report) {
      std::lock_guard lock(reports_mu_);
      reports_.push_back(report);
      if (report_waiter_) {
        report_waiter_->set_value(report);
        report_waiter_.reset();
      }
    };
    server_ = std::make_unique<XdsServer>(options, cache_, metrics_);
    ASSERT_TRUE(server_->start()) << "the server did not start";
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials());
    stub_ = AggregatedDiscoveryService::NewStub(channel_);
    publish();
  }
  void TearDown() override { server_->stop(); }

  // Publishes every Gateway's snapshot, and the one of proxies without a known Gateway.
  void publish() {
    for (const auto& key : snapshots_.gateways()) cache_.publish(key, snapshots_.snapshot(key));
    cache_.set_fallback(snapshots_.fallback());
  }

  std::future<ProxyReport> next_report() {
    std::lock_guard lock(reports_mu_);
    report_waiter_.emplace();
    return report_waiter_->get_future();
  }

  std::unique_ptr<grpc::ClientContext> context() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return ctx;
  }

  using Stream = std::unique_ptr<grpc::ClientReaderWriter<DeltaDiscoveryRequest, DeltaDiscoveryResponse>>;

  // The proxy's opening: Address first, then resources, both wildcard; both answered.
  std::pair<DeltaDiscoveryResponse, DeltaDiscoveryResponse> open(Stream& stream, const std::string& role,
                                                                 const Versions& held_addresses = {},
                                                                 const Versions& held_resources = {}) {
    for (const auto& [type, held] : {std::pair{kAddress, &held_addresses}, std::pair{kAdp, &held_resources}}) {
      DeltaDiscoveryRequest request;
      *request.mutable_node() = proxy_node(role);
      request.set_type_url(type);
      request.mutable_initial_resource_versions()->insert(held->begin(), held->end());
      EXPECT_TRUE(stream->Write(request));
    }
    DeltaDiscoveryResponse first = read(stream), second = read(stream);
    if (first.type_url() == kAdp) std::swap(first, second);
    EXPECT_EQ(first.type_url(), kAddress);
    EXPECT_EQ(second.type_url(), kAdp);
    return {first, second};
  }

  static DeltaDiscoveryResponse read(Stream& stream) {
    DeltaDiscoveryResponse response;
    EXPECT_TRUE(stream->Read(&response)) << "the stream ended before a response came";
    return response;
  }

  // An ACK as the proxy sends it: no node, no names.
  static void ack(Stream& stream, const DeltaDiscoveryResponse& response, const std::string& error_json = "") {
    DeltaDiscoveryRequest request;
    request.set_type_url(response.type_url());
    request.set_response_nonce(response.nonce());
    if (!error_json.empty()) request.mutable_error_detail()->set_message(error_json);
    ASSERT_TRUE(stream->Write(request));
  }

  static void hold(Versions& held, const DeltaDiscoveryResponse& response) {
    for (const auto& r : response.resources()) held[r.name()] = r.version();
    for (const auto& name : response.removed_resources()) held.erase(name);
  }

  snapshot::AgentgatewaySnapshots snapshots_;
  SnapshotCache cache_;
  metrics::Registry metrics_;
  std::unique_ptr<XdsServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<AggregatedDiscoveryService::Stub> stub_;
  std::mutex reports_mu_;
  std::vector<ProxyReport> reports_;
  std::optional<std::promise<ProxyReport>> report_waiter_;
};

TEST_F(AgentgatewayXdsTest, EveryInitialRequestIsAnsweredEvenWhenEmpty) {
  auto ctx = context();
  auto stream = stub_->DeltaAggregatedResources(ctx.get());
  auto [addresses, resources] = open(stream, "default~gw");
  EXPECT_TRUE(addresses.resources().empty());
  EXPECT_TRUE(resources.resources().empty());
  EXPECT_FALSE(addresses.nonce().empty());
  EXPECT_FALSE(resources.nonce().empty());
  EXPECT_NE(addresses.nonce(), resources.nonce());
  stream->WritesDone();
}

TEST_F(AgentgatewayXdsTest, GatewayResourcesAddressesPushesRemovalsNacksAndReconnect) {
  snapshots_.set_addresses(
      {service("default", "be.default.svc.cluster.local"), workload("Kubernetes//Pod/default/be-1")});
  snapshots_.set_resources("default/gw", {bind("80/default/gw", 80), listener("default/gw.http", "80/default/gw"),
                                          route("default/r.00.http", "default/gw.http")});
  snapshots_.set_resources("other/gw2", {bind("80/other/gw2", 80)});
  publish();

  Versions held_addresses, held_resources;
  auto ctx = context();
  auto stream = stub_->DeltaAggregatedResources(ctx.get());
  auto [addresses, resources] = open(stream, "default~gw");
  EXPECT_EQ(names(addresses), (Strings{"Kubernetes//Pod/default/be-1", "default/be.default.svc.cluster.local"}));
  // Only this Gateway's resources, named `<kind>/<key>`.
  EXPECT_EQ(names(resources), (Strings{"bind/80/default/gw", "listener/default/gw.http", "route/default/r.00.http"}));
  for (const auto& r : resources.resources()) {
    EXPECT_EQ(r.resource().type_url(), kAdp);
    EXPECT_EQ(r.version().size(), 16u) << "a content hash";
  }
  Resource first;
  ASSERT_TRUE(first.ParseFromString(resources.resources(0).resource().value()));
  EXPECT_EQ(first.bind().port(), 80u);
  Address service_address;
  ASSERT_TRUE(service_address.ParseFromString(addresses.resources(1).resource().value()));
  EXPECT_EQ(service_address.service().hostname(), "be.default.svc.cluster.local");
  ack(stream, addresses);
  ack(stream, resources);
  hold(held_addresses, addresses);
  hold(held_resources, resources);

  // The route goes and the listener changes: the listener comes again, the route is removed by name.
  snapshots_.set_resources("default/gw",
                           {bind("80/default/gw", 80), listener("default/gw.http", "80/default/gw", "example.com")});
  publish();
  auto push = read(stream);
  EXPECT_EQ(push.type_url(), kAdp);
  EXPECT_EQ(names(push), Strings{"listener/default/gw.http"});
  EXPECT_EQ(removed(push), Strings{"route/default/r.00.http"});
  EXPECT_NE(push.resources(0).version(), held_resources["listener/default/gw.http"]);

  // The proxy refuses the listener and warns about the bind: a NACK with its JSON array.
  auto rejected = next_report();
  ack(stream, push,
      R"([{"key":"listener/default/gw.http","error":"invalid hostname"},)"
      R"({"key":"bind/80/default/gw","warn":"port is privileged"}])");
  ProxyReport report = rejected.get();
  EXPECT_EQ(report.gateway_key, "default/gw");
  EXPECT_EQ(report.type_url, kAdp);
  ASSERT_TRUE(report.rejection);
  EXPECT_EQ(*report.rejection, "listener/default/gw.http: invalid hostname");
  EXPECT_EQ(report.diagnostics, (std::vector<Diagnostic>{{"listener/default/gw.http", "invalid hostname", true},
                                                         {"bind/80/default/gw", "port is privileged", false}}));
  auto nacks = server_->nacks();
  ASSERT_TRUE(nacks["default/gw"].contains(kAdp));
  EXPECT_EQ(nacks["default/gw"][kAdp].count, 1u);
  EXPECT_EQ(nacks["default/gw"][kAdp].diagnostics.size(), 2u);
  const std::string labels = R"(gateway="default/gw",server="agentgateway",)";
  const std::string metrics = metrics_.render();
  EXPECT_NE(metrics.find("kgw_xds_nack_diagnostics_total{" + labels + R"(severity="error",type="Resource"} 1)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("kgw_xds_nack_diagnostics_total{" + labels + R"(severity="warning",type="Resource"} 1)"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(kgw_xds_nacks_total{)" + labels + R"(type="Resource"} 1)"), std::string::npos);
  // What the proxy keeps: the bind; the listener at its old version; not the route.
  held_resources.erase("route/default/r.00.http");

  // A Workload goes: removed by its uid.
  snapshots_.set_addresses({service("default", "be.default.svc.cluster.local")});
  publish();
  auto address_push = read(stream);
  EXPECT_EQ(address_push.type_url(), kAddress);
  EXPECT_TRUE(address_push.resources().empty());
  EXPECT_EQ(removed(address_push), Strings{"Kubernetes//Pod/default/be-1"});
  ack(stream, address_push);
  hold(held_addresses, address_push);

  // A warning-only NACK is an acceptance with diagnostics.
  snapshots_.set_resources("default/gw",
                           {bind("80/default/gw", 8080), listener("default/gw.http", "80/default/gw", "example.com")});
  publish();
  auto bind_push = read(stream);
  EXPECT_EQ(names(bind_push), Strings{"bind/80/default/gw"});
  auto warned = next_report();
  ack(stream, bind_push, R"([{"key":"bind/80/default/gw","warn":"port changed"}])");
  report = warned.get();
  EXPECT_FALSE(report.rejection);
  ASSERT_EQ(report.diagnostics.size(), 1u);
  EXPECT_FALSE(report.diagnostics[0].error);
  hold(held_resources, bind_push);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());

  // While disconnected, a route appears. On reconnect the proxy names what it holds: only what
  // differs comes, and the listener it refused comes again; the Address type, unchanged, is
  // still answered, with nothing in it.
  snapshots_.set_resources("default/gw",
                           {bind("80/default/gw", 8080), listener("default/gw.http", "80/default/gw", "example.com"),
                            route("default/r2.00.http", "default/gw.http")});
  publish();
  held_resources["route/default/gone.00.http"] = "0000000000000000";
  auto ctx2 = context();
  auto again = stub_->DeltaAggregatedResources(ctx2.get());
  auto [addresses2, resources2] = open(again, "default~gw", held_addresses, held_resources);
  EXPECT_TRUE(addresses2.resources().empty());
  EXPECT_TRUE(addresses2.removed_resources().empty());
  EXPECT_EQ(names(resources2), (Strings{"listener/default/gw.http", "route/default/r2.00.http"}));
  EXPECT_EQ(removed(resources2), Strings{"route/default/gone.00.http"});
  again->WritesDone();
}

TEST_F(AgentgatewayXdsTest, ProxiesWithoutAKnownGatewayGetAddressesAndUnscopedResources) {
  snapshots_.set_addresses({service("default", "be.default.svc.cluster.local")});
  snapshots_.set_resources("", {bind("15008/all", 15008)});
  snapshots_.set_resources("default/gw", {bind("80/default/gw", 80)});
  publish();
  for (const std::string role : {"", "no-separator", "default~unknown"}) {
    auto ctx = context();
    auto stream = stub_->DeltaAggregatedResources(ctx.get());
    auto [addresses, resources] = open(stream, role);
    EXPECT_EQ(names(addresses), Strings{"default/be.default.svc.cluster.local"}) << role;
    EXPECT_EQ(names(resources), Strings{"bind/15008/all"}) << role;
    stream->WritesDone();
  }
  auto ctx = context();
  auto stream = stub_->DeltaAggregatedResources(ctx.get());
  auto [addresses, resources] = open(stream, "default~gw");
  EXPECT_EQ(names(resources), (Strings{"bind/15008/all", "bind/80/default/gw"}));
  stream->WritesDone();
}

TEST_F(AgentgatewayXdsTest, ProxiesOfUnknownGatewaysFollowTheAddresses) {
  auto ctx = context();
  auto stream = stub_->DeltaAggregatedResources(ctx.get());
  auto [addresses, resources] = open(stream, "default~unknown");
  EXPECT_TRUE(addresses.resources().empty());
  ack(stream, addresses);
  ack(stream, resources);
  snapshots_.set_addresses({service("default", "be.default.svc.cluster.local")});
  publish();
  auto push = read(stream);
  EXPECT_EQ(push.type_url(), kAddress);
  EXPECT_EQ(names(push), Strings{"default/be.default.svc.cluster.local"});
  stream->WritesDone();
}

TEST_F(AgentgatewayXdsTest, OnlyDeltaAdsWithANode) {
  {
    auto ctx = context();
    auto stream = stub_->DeltaAggregatedResources(ctx.get());
    DeltaDiscoveryRequest request;
    request.set_type_url(kAdp);
    ASSERT_TRUE(stream->Write(request));
    DeltaDiscoveryResponse response;
    EXPECT_FALSE(stream->Read(&response));
    const auto status = stream->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(status.error_message(), "missing node information");
  }
  {
    auto ctx = context();
    auto stream = stub_->StreamAggregatedResources(ctx.get());
    envoy::service::discovery::v3::DiscoveryRequest request;
    *request.mutable_node() = proxy_node("default~gw");
    request.set_type_url(kAdp);
    stream->Write(request);
    envoy::service::discovery::v3::DiscoveryResponse response;
    EXPECT_FALSE(stream->Read(&response));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
}

TEST(NackDiagnostics, ParsesTheJsonArrayForm) {
  auto parsed = parse_diagnostics(R"( [{"key":"route/a","error":"bad"},{"key":"policy/b","warn":"odd"}])");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, (std::vector<Diagnostic>{{"route/a", "bad", true}, {"policy/b", "odd", false}}));
  EXPECT_EQ(errors_text(*parsed), "route/a: bad");
  EXPECT_EQ(warnings_text(*parsed), "policy/b: odd");
}

TEST(NackDiagnostics, AnythingElseIsOpaque) {
  for (const char* message : {"", "plain text", "[]", "[1]", R"([{"error":"no key"}])", R"([{"key":"","error":"x"}])",
                              R"([{"key":"k"}])", R"([{"key":"k","error":3}])", "[{", R"({"key":"k","error":"x"})"})
    EXPECT_FALSE(parse_diagnostics(message)) << message;
}

TEST(AgentgatewayNames, KindPrefixesAndAddressNames) {
  EXPECT_EQ(snapshot::resource_name(bind("80/default/gw", 80)), "bind/80/default/gw");
  Resource tcp;
  tcp.mutable_tcp_route()->set_key("default/t.00.tcp");
  EXPECT_EQ(snapshot::resource_name(tcp), "tcp_route/default/t.00.tcp");
  Resource policy;
  policy.mutable_policy()->set_key("traffic/default/p:timeout:default/gw");
  EXPECT_EQ(snapshot::resource_name(policy), "policy/traffic/default/p:timeout:default/gw");
  Resource model;
  model.mutable_model_route()->set_key("default/gpt.http");
  EXPECT_EQ(snapshot::resource_name(model), "model_route/default/gpt.http");
  EXPECT_EQ(snapshot::resource_name(Resource{}), "");
  Resource wrapped_workload;
  wrapped_workload.mutable_workload()->set_uid("w");
  EXPECT_EQ(snapshot::resource_name(wrapped_workload), "") << "Workloads travel as Addresses";
  EXPECT_EQ(snapshot::address_name(workload("uid-1")), "uid-1");
  EXPECT_EQ(snapshot::address_name(service("ns", "h.ns.svc")), "ns/h.ns.svc");
  EXPECT_EQ(snapshot::address_name(Address{}), "");
}

// The publisher `kgw serve` uses: a translation's resources reach their Gateway's proxy, and a
// Gateway that leaves the translation leaves its proxy with removals and the Addresses alone.
TEST_F(AgentgatewayXdsTest, PublisherFollowsTranslationsGatewayByGateway) {
  serve::AgentgatewayPublisher publisher(cache_);
  const sdk::ObjectRef gw{"gateway.networking.k8s.io", "Gateway", "default", "gw"};
  const sdk::ObjectRef gw2{"gateway.networking.k8s.io", "Gateway", "other", "gw2"};
  agw::Output output;
  output.resources.push_back({gw, bind("80/default/gw", 80)});
  output.resources.push_back({gw, listener("default/gw.http", "80/default/gw")});
  output.resources.push_back({gw2, bind("80/other/gw2", 80)});
  output.addresses.push_back(service("default", "be.default.svc.cluster.local"));
  publisher.publish(output);

  auto ctx = context();
  auto stream = stub_->DeltaAggregatedResources(ctx.get());
  auto [addresses, resources] = open(stream, "default~gw");
  EXPECT_EQ(names(addresses), Strings{"default/be.default.svc.cluster.local"});
  EXPECT_EQ(names(resources), (Strings{"bind/80/default/gw", "listener/default/gw.http"}));
  ack(stream, addresses);
  ack(stream, resources);

  // Publishing the same translation again sends nothing; the Gateway gone removes its resources.
  publisher.publish(output);
  output.resources = {{gw2, bind("80/other/gw2", 80)}};
  publisher.publish(output);
  auto push = read(stream);
  EXPECT_EQ(push.type_url(), kAdp);
  EXPECT_TRUE(push.resources().empty());
  EXPECT_EQ(removed(push), (Strings{"bind/80/default/gw", "listener/default/gw.http"}));
  EXPECT_EQ(publisher.snapshots().gateways(), Strings{"other/gw2"});
  stream->WritesDone();
}

// The whole path `kgw serve` takes: manifests on disk, the control loop's agentgateway
// translation, the publisher, the server. A manifest edit reaches the proxy as a delta: the
// changed route comes again, and a route deleted from the file is removed by name.
TEST_F(AgentgatewayXdsTest, ManifestEditsReachTheProxyAsDeltas) {
  test_support::TempDir dir{"kgw-agw-xds"};
  const std::string gateway =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: default}\n"
      "spec:\n  gatewayClassName: agentgateway\n  listeners: [{name: http, port: 8080, protocol: HTTP}]\n";
  auto route = [](const std::string& name, const std::string& path) {
    return "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " + name +
           ", namespace: default}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: "
           "PathPrefix, value: " +
           path + "}}]\n    backendRefs: [{name: be, port: 80}]\n";
  };
  const std::string service =
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: be, namespace: default}\nspec:\n  ports: [{port: 80}]\n";
  auto write = [&](const std::string& text) {
    const auto tmp = dir.path() / ".m.tmp";
    std::ofstream(tmp, std::ios::binary | std::ios::trunc) << text;
    std::filesystem::rename(tmp, dir.path() / "m.yaml");
  };
  write(gateway + route("a", "/a") + route("b", "/b") + service);

  plugins::ExtensionRegistry registry;
  serve::AgentgatewayPublisher publisher(cache_);
  serve::ControlLoopOptions options;
  options.on_agentgateway = [&publisher](const agw::Output& output) { publisher.publish(output); };
  serve::ControlLoop loop(std::move(options), registry);
  ASSERT_TRUE(loop.start().is_ok());
  sources::DirSource source(
      sources::DirSourceOptions{{dir.path()}, std::chrono::milliseconds(20), std::chrono::milliseconds(500)});
  ASSERT_TRUE(source.start(loop.consumer()).is_ok());
  ASSERT_TRUE(loop.wait_ready(std::chrono::seconds(20)));

  auto ctx = context();
  auto stream = stub_->DeltaAggregatedResources(ctx.get());
  auto [addresses, resources] = open(stream, "default~gw");
  EXPECT_EQ(names(addresses), Strings{"default/be.default.svc.cluster.local"});
  EXPECT_EQ(names(resources), (Strings{"bind/8080/default/gw", "listener/default/gw.http", "route/default/a.00.http",
                                       "route/default/b.00.http"}));
  ack(stream, addresses);
  ack(stream, resources);

  // Route a changes its path, route b goes.
  write(gateway + route("a", "/a2") + service);
  auto push = read(stream);
  EXPECT_EQ(push.type_url(), kAdp);
  EXPECT_EQ(names(push), Strings{"route/default/a.00.http"});
  EXPECT_EQ(removed(push), Strings{"route/default/b.00.http"});
  Resource changed;
  ASSERT_EQ(push.resources_size(), 1);
  ASSERT_TRUE(changed.ParseFromString(push.resources(0).resource().value()));
  EXPECT_EQ(changed.route().matches(0).path().path_prefix(), "/a2");
  stream->WritesDone();
  source.stop();
  loop.stop();
}

}  // namespace
}  // namespace kgw::xds
