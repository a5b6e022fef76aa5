// The xDS server against a protocol test client: generated gRPC stubs speaking ADS (SotW and
// delta) and the per-type services to a real server on loopback.
#include "xds/xds_server.h"

#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include "envoy/service/cluster/v3/cds.grpc.pb.h"
#include "xds_test_util.h"

namespace kgw::xds {
namespace {

using envoy::service::discovery::v3::AggregatedDiscoveryService;
using envoy::service::discovery::v3::DeltaDiscoveryRequest;
using envoy::service::discovery::v3::DeltaDiscoveryResponse;
using envoy::service::discovery::v3::DiscoveryRequest;
using envoy::service::discovery::v3::DiscoveryResponse;
using testing::make_output;
using testing::names_of;
using testing::node;
using Strings = std::vector<std::string>;

const std::string kCds(snapshot::kClusterType);
const std::string kEds(snapshot::kEndpointType);
const std::string kLds(snapshot::kListenerType);
const std::string kRds(snapshot::kRouteType);
const std::string kRole = "kgateway-kube-gateway-api~default~gw";

class XdsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.wildcard_types = {kCds, kLds};
    server_ = std::make_unique<XdsServer>(options, cache_, metrics_);
    ASSERT_TRUE(server_->start()) << "the server did not start";
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials());
    stub_ = AggregatedDiscoveryService::NewStub(channel_);
  }
  void TearDown() override { server_->stop(); }

  void publish(const translator::Output& output, const std::string& key = "default/gw") {
    bool known = false;
    auto previous = cache_.get(key, &known);
    cache_.publish(key, snapshot::build_snapshot(output, known ? previous.get() : nullptr));
  }

  std::unique_ptr<grpc::ClientContext> context() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return ctx;
  }

  static DiscoveryRequest request(const std::string& type, Strings names = {}, const std::string& nonce = "",
                                  const std::string& version = "", const std::string& role = kRole) {
    DiscoveryRequest r;
    *r.mutable_node() = node(role);
    r.set_type_url(type);
    for (auto& n : names) r.add_resource_names(n);
    r.set_response_nonce(nonce);
    r.set_version_info(version);
    return r;
  }

  SnapshotCache cache_;
  metrics::Registry metrics_;
  std::unique_ptr<XdsServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<AggregatedDiscoveryService::Stub> stub_;
};

template <typename Stream, typename Response>
Response read(Stream& stream) {
  Response response;
  EXPECT_TRUE(stream->Read(&response)) << "the stream ended before a response came";
  return response;
}

TEST_F(XdsServerTest, SotwWildcardAckNackAndPush) {
  publish(make_output({"a", "b"}, {{"rc", "example.com", "a"}}));
  auto ctx = context();
  auto stream = stub_->StreamAggregatedResources(ctx.get());
  ASSERT_TRUE(stream->Write(request(kCds)));
  auto cds = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(cds.type_url(), kCds);
  EXPECT_EQ(names_of(cds), (Strings{"a", "b"}));
  EXPECT_FALSE(cds.nonce().empty());
  EXPECT_FALSE(cds.version_info().empty());

  // ACK, then ask for endpoints: the next response is EDS, so the ACK got no response.
  ASSERT_TRUE(stream->Write(request(kCds, {}, cds.nonce(), cds.version_info())));
  ASSERT_TRUE(stream->Write(request(kEds, {"a", "b"})));
  auto eds = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(eds.type_url(), kEds);
  EXPECT_EQ(names_of(eds), (Strings{"a", "b"}));
  EXPECT_NE(eds.nonce(), cds.nonce());

  // NACK the clusters: nothing is resent; the NACK is recorded with its message.
  auto nack = request(kCds, {}, cds.nonce(), "");
  nack.mutable_error_detail()->set_message("cluster b: bad config");
  ASSERT_TRUE(stream->Write(nack));
  ASSERT_TRUE(stream->Write(request(kLds)));
  auto lds = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(lds.type_url(), kLds);
  auto nacks = server_->nacks();
  ASSERT_TRUE(nacks["default/gw"].contains(kCds));
  EXPECT_EQ(nacks["default/gw"][kCds].message, "cluster b: bad config");
  EXPECT_EQ(nacks["default/gw"][kCds].count, 1u);

  // A new snapshot with a cluster more: pushed without being asked.
  publish(make_output({"a", "b", "c"}, {{"rc", "example.com", "a"}}));
  auto pushed = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(pushed.type_url(), kCds);
  EXPECT_EQ(names_of(pushed), (Strings{"a", "b", "c"}));
  EXPECT_NE(pushed.version_info(), cds.version_info());
  stream->WritesDone();
}

TEST_F(XdsServerTest, SotwExplicitWildcardThenNothingUnsubscribes) {
  publish(make_output({"a", "b"}, {}));
  auto ctx = context();
  auto stream = stub_->StreamAggregatedResources(ctx.get());
  ASSERT_TRUE(stream->Write(request(kCds, {"*"})));
  auto all = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(names_of(all), (Strings{"a", "b"}));
  ASSERT_TRUE(stream->Write(request(kCds, {}, all.nonce(), all.version_info())));
  auto none = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_TRUE(names_of(none).empty()) << "an empty request after an explicit \"*\" names nothing";
}

TEST_F(XdsServerTest, SotwStaleNonceIsIgnored) {
  publish(make_output({"a"}, {}));
  auto ctx = context();
  auto stream = stub_->StreamAggregatedResources(ctx.get());
  ASSERT_TRUE(stream->Write(request(kEds, {"a"})));
  auto first = read<decltype(stream), DiscoveryResponse>(stream);
  publish(make_output({"a", "b"}, {}));  // EDS for "a" unchanged: nothing pushed
  // A request carrying an unknown nonce asks for "b"; it is stale and ignored.
  ASSERT_TRUE(stream->Write(request(kEds, {"a", "b"}, "no-such-nonce")));
  // The current nonce with the same names gets the answer.
  ASSERT_TRUE(stream->Write(request(kEds, {"a", "b"}, first.nonce())));
  auto second = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(names_of(second), (Strings{"b"})) << "EDS responses after the first carry what the client lacks";
  EXPECT_NE(second.version_info(), first.version_info());
  EXPECT_EQ(second.nonce(), std::to_string(std::stoi(first.nonce()) + 1)) << "one response only";
}

TEST_F(XdsServerTest, NamedSubscriptionToANameThatAppearsLater) {
  publish(make_output({"a"}, {}));
  auto ctx = context();
  auto stream = stub_->StreamAggregatedResources(ctx.get());
  ASSERT_TRUE(stream->Write(request(kRds, {"later"})));
  auto empty = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_TRUE(names_of(empty).empty());
  ASSERT_TRUE(stream->Write(request(kRds, {"later"}, empty.nonce(), empty.version_info())));
  publish(make_output({"a"}, {{"later", "example.com", "a"}, {"other", "other.com", "a"}}));
  auto pushed = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(pushed.type_url(), kRds);
  EXPECT_EQ(names_of(pushed), (Strings{"later"})) << "only the name asked for";
}

TEST_F(XdsServerTest, SotwAcksNameTheSameResourcesInAnyOrder) {
  publish(make_output({"a"}, {{"rc1", "one.com", "a"}, {"rc2", "two.com", "a"}, {"rc3", "three.com", "a"}}));
  auto ctx = context();
  auto stream = stub_->StreamAggregatedResources(ctx.get());
  ASSERT_TRUE(stream->Write(request(kRds, {"rc2", "rc1"})));
  auto first = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(names_of(first), (Strings{"rc1", "rc2"}));
  // The ACK names them in another order: the same subscription, nothing to send.
  ASSERT_TRUE(stream->Write(request(kRds, {"rc1", "rc2"}, first.nonce(), first.version_info())));
  // A name more: only what the client lacks.
  ASSERT_TRUE(stream->Write(request(kRds, {"rc3", "rc1", "rc2"}, first.nonce(), first.version_info())));
  auto more = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(names_of(more), (Strings{"rc3"}));
  ASSERT_TRUE(stream->Write(request(kRds, {"rc3", "rc1", "rc2"}, more.nonce(), more.version_info())));
  // A change of one of them sends that one.
  publish(make_output({"a"}, {{"rc1", "one.com", "a"}, {"rc2", "two.org", "a"}, {"rc3", "three.com", "a"}}));
  auto pushed = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(names_of(pushed), (Strings{"rc2"}));
}

TEST_F(XdsServerTest, AdditionsBeforeUsersAndRemovalsAfter) {
  publish(make_output({"a"}, {{"rc", "example.com", "a"}}));
  auto ctx = context();
  auto stream = stub_->StreamAggregatedResources(ctx.get());
  std::map<std::string, DiscoveryResponse> last;
  for (const auto& [type, names] :
       std::vector<std::pair<std::string, Strings>>{{kCds, {}}, {kEds, {"a"}}, {kLds, {}}, {kRds, {"rc"}}}) {
    ASSERT_TRUE(stream->Write(request(type, names)));
    last[type] = read<decltype(stream), DiscoveryResponse>(stream);
    ASSERT_TRUE(stream->Write(request(type, names, last[type].nonce(), last[type].version_info())));
  }
  // The route moves from cluster a to a new cluster b: b and its endpoints first, then the
  // route, then the cluster list without a.
  publish(make_output({"b"}, {{"rc", "example.com", "b"}}));
  Strings order;
  std::vector<Strings> contents;
  for (int i = 0; i < 3; ++i) {
    auto r = read<decltype(stream), DiscoveryResponse>(stream);
    order.push_back(r.type_url());
    contents.push_back(names_of(r));
  }
  EXPECT_EQ(order, (Strings{kCds, kRds, kCds}));
  EXPECT_EQ(contents[0], (Strings{"a", "b"})) << "the new cluster joins; the old one stays while used";
  EXPECT_EQ(contents[2], (Strings{"b"}));
  // The client now asks for b's endpoints (as Envoy does when it sees cluster b).
  ASSERT_TRUE(stream->Write(request(kEds, {"b"}, last[kEds].nonce(), last[kEds].version_info())));
  auto eds = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(eds.type_url(), kEds);
  EXPECT_EQ(names_of(eds), (Strings{"b"}));
}

TEST_F(XdsServerTest, UnknownGatewayGetsEmptyConfigurationThenItsOwn) {
  auto ctx = context();
  auto stream = stub_->StreamAggregatedResources(ctx.get());
  const std::string role = "kgateway-kube-gateway-api~team~later";
  ASSERT_TRUE(stream->Write(request(kCds, {}, "", "", role)));
  auto empty = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(empty.type_url(), kCds);
  EXPECT_TRUE(names_of(empty).empty());
  publish(make_output({"x"}, {}), "team/later");
  auto pushed = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(names_of(pushed), (Strings{"x"}));
}

TEST_F(XdsServerTest, DeltaRemovalsAndReconnectWithInitialVersions) {
  publish(make_output({"a", "b", "c"}, {}));
  std::map<std::string, std::string> versions;
  {
    auto ctx = context();
    auto stream = stub_->DeltaAggregatedResources(ctx.get());
    DeltaDiscoveryRequest subscribe;
    *subscribe.mutable_node() = node(kRole);
    subscribe.set_type_url(kCds);
    ASSERT_TRUE(stream->Write(subscribe));
    auto first = read<decltype(stream), DeltaDiscoveryResponse>(stream);
    EXPECT_EQ(names_of(first), (Strings{"a", "b", "c"}));
    for (const auto& r : first.resources()) versions[r.name()] = r.version();
    DeltaDiscoveryRequest ack;
    ack.set_type_url(kCds);
    ack.set_response_nonce(first.nonce());
    ASSERT_TRUE(stream->Write(ack));

    publish(make_output({"a", "c"}, {}));
    auto removal = read<decltype(stream), DeltaDiscoveryResponse>(stream);
    EXPECT_TRUE(removal.resources().empty()) << "unchanged clusters are not resent";
    EXPECT_EQ(Strings(removal.removed_resources().begin(), removal.removed_resources().end()), (Strings{"b"}));
    stream->WritesDone();
  }
  // Meanwhile: c changes (a new endpoint cluster type), d appears, a stays.
  translator::Output next = make_output({"a", "c", "d"}, {});
  next.clusters[1].set_type(envoy::config::cluster::v3::Cluster::STRICT_DNS);
  publish(next);
  auto ctx = context();
  auto stream = stub_->DeltaAggregatedResources(ctx.get());
  DeltaDiscoveryRequest again;
  *again.mutable_node() = node(kRole);
  again.set_type_url(kCds);
  (*again.mutable_initial_resource_versions())["a"] = versions["a"];
  (*again.mutable_initial_resource_versions())["b"] = versions["b"];
  (*again.mutable_initial_resource_versions())["c"] = versions["c"];
  ASSERT_TRUE(stream->Write(again));
  auto resync = read<decltype(stream), DeltaDiscoveryResponse>(stream);
  EXPECT_EQ(names_of(resync), (Strings{"c", "d"}));
  EXPECT_EQ(Strings(resync.removed_resources().begin(), resync.removed_resources().end()), (Strings{"b"}));
}

TEST_F(XdsServerTest, DeltaNackOfTheFirstOfTwoResponses) {
  publish(make_output({"a", "b"}, {}));
  auto ctx = context();
  auto stream = stub_->DeltaAggregatedResources(ctx.get());
  DeltaDiscoveryRequest subscribe;
  *subscribe.mutable_node() = node(kRole);
  subscribe.set_type_url(kCds);
  ASSERT_TRUE(stream->Write(subscribe));
  auto first = read<decltype(stream), DeltaDiscoveryResponse>(stream);
  DeltaDiscoveryRequest ack;
  ack.set_type_url(kCds);
  ack.set_response_nonce(first.nonce());
  ASSERT_TRUE(stream->Write(ack));

  // c comes and b goes: additions first, removals after, two responses of the type.
  publish(make_output({"a", "c"}, {}));
  auto additions = read<decltype(stream), DeltaDiscoveryResponse>(stream);
  auto removals = read<decltype(stream), DeltaDiscoveryResponse>(stream);
  EXPECT_EQ(names_of(additions), (Strings{"c"}));
  EXPECT_EQ(Strings(removals.removed_resources().begin(), removals.removed_resources().end()), (Strings{"b"}));
  // The proxy rejects the additions: a NACK though a later response went out since.
  DeltaDiscoveryRequest nack;
  nack.set_type_url(kCds);
  nack.set_response_nonce(additions.nonce());
  nack.mutable_error_detail()->set_message("cluster c: bad");
  ASSERT_TRUE(stream->Write(nack));
  ack.set_response_nonce(removals.nonce());
  ASSERT_TRUE(stream->Write(ack));
  // A subscription change makes the server answer, so the two requests above were taken.
  DeltaDiscoveryRequest more;
  more.set_type_url(kEds);
  more.add_resource_names_subscribe("a");
  ASSERT_TRUE(stream->Write(more));
  auto eds = read<decltype(stream), DeltaDiscoveryResponse>(stream);
  EXPECT_EQ(eds.type_url(), kEds);
  auto nacks = server_->nacks();
  ASSERT_TRUE(nacks["default/gw"].contains(kCds));
  EXPECT_EQ(nacks["default/gw"][kCds].message, "cluster c: bad");
}

TEST_F(XdsServerTest, DeltaNamedSubscriptionsAndNonExistingNames) {
  publish(make_output({"a", "b"}, {}));
  auto ctx = context();
  auto stream = stub_->DeltaAggregatedResources(ctx.get());
  DeltaDiscoveryRequest subscribe;
  *subscribe.mutable_node() = node(kRole);
  subscribe.set_type_url(kEds);
  subscribe.add_resource_names_subscribe("a");
  subscribe.add_resource_names_subscribe("z");
  ASSERT_TRUE(stream->Write(subscribe));
  auto first = read<decltype(stream), DeltaDiscoveryResponse>(stream);
  EXPECT_EQ(names_of(first), (Strings{"a"}));
  EXPECT_EQ(Strings(first.removed_resources().begin(), first.removed_resources().end()), (Strings{"z"}))
      << "a name that does not exist is said so once";
  publish(make_output({"a", "b", "z"}, {}));
  auto pushed = read<decltype(stream), DeltaDiscoveryResponse>(stream);
  EXPECT_EQ(names_of(pushed), (Strings{"z"}));
}

TEST_F(XdsServerTest, PerTypeClusterServiceAndUnimplementedMethods) {
  publish(make_output({"a"}, {}));
  auto cds = envoy::service::cluster::v3::ClusterDiscoveryService::NewStub(channel_);
  auto ctx = context();
  auto stream = cds->StreamClusters(ctx.get());
  DiscoveryRequest r;
  *r.mutable_node() = node(kRole);  // no type_url: the service names it
  ASSERT_TRUE(stream->Write(r));
  auto response = read<decltype(stream), DiscoveryResponse>(stream);
  EXPECT_EQ(response.type_url(), kCds);
  EXPECT_EQ(names_of(response), (Strings{"a"}));

  grpc::ClientContext fetch_ctx;
  DiscoveryResponse fetched;
  ASSERT_TRUE(cds->FetchClusters(&fetch_ctx, r, &fetched).ok());
  EXPECT_EQ(names_of(fetched), (Strings{"a"}));

  grpc::GenericStub generic(channel_);
  grpc::ClientContext other;
  grpc::ByteBuffer out;
  grpc::Slice empty(std::string{});
  grpc::ByteBuffer in(&empty, 1);  // a valid, empty request
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  generic.UnaryCall(&other, "/envoy.service.secret.v3.SecretDiscoveryService/FetchSecrets", {}, &in, &out,
                    [&](grpc::Status s) {
                      std::lock_guard lock(mu);
                      status = s;
                      done = true;
                      cv.notify_one();
                    });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(XdsServerTest, LargeSnapshotOf50000Routes) {
  translator::Output out = make_output({"a"}, {{"big", "example.com", "a"}});
  auto* vhost = out.routes[0].mutable_virtual_hosts(0);
  for (int i = 0; i < 50000; ++i) {
    auto* route = vhost->add_routes();
    route->mutable_match()->set_path("/service-" + std::to_string(i) + "/a/fairly/long/path/to/make/it/realistic");
    route->mutable_route()->set_cluster("kube_team-" + std::to_string(i % 10) + "_svc-" + std::to_string(i) + "_8080");
  }
  publish(out);
  ASSERT_GT(cache_.get("default/gw")->envoy.type(kRds)->find("big")->size(), 4u * 1024 * 1024)
      << "the test needs a resource above gRPC's default 4 MiB limit";

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server_->port()),
                                           grpc::InsecureChannelCredentials(), args);
  auto stub = AggregatedDiscoveryService::NewStub(channel);
  auto ctx = context();
  auto stream = stub->StreamAggregatedResources(ctx.get());
  // A large request too: 50,000 names.
  Strings names{"big"};
  for (int i = 0; i < 50000; ++i) names.push_back("missing-route-configuration-with-a-long-name-" + std::to_string(i));
  ASSERT_TRUE(stream->Write(request(kRds, names)));
  auto response = read<decltype(stream), DiscoveryResponse>(stream);
  ASSERT_EQ(response.resources_size(), 1);
  envoy::config::route::v3::RouteConfiguration received;
  ASSERT_TRUE(response.resources(0).UnpackTo(&received));
  EXPECT_EQ(received.virtual_hosts(0).routes_size(), 50001);
}

TEST_F(XdsServerTest, RoleParsing) {
  EXPECT_EQ(server_->gateway_key("kgateway-kube-gateway-api~ns~name"), "ns/name");
  EXPECT_EQ(server_->gateway_key("kgateway-kube-gateway-api~ns"), "");
  EXPECT_EQ(server_->gateway_key("other~ns~name"), "");
  EXPECT_EQ(server_->gateway_key("kgateway-kube-gateway-api~a~b~c"), "");
  EXPECT_EQ(server_->gateway_key(""), "");
}

}  // namespace
}  // namespace kgw::xds
