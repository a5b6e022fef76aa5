// The AWS backend type through the plugin's .so, loaded as `kgw serve` loads it: Lambda clusters,
// each Secret problem and the status it gives, Secret rotation, and EC2 discovery against a local
// fake EC2 API.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <variant>

#include "envoy/extensions/filters/http/aws_lambda/v3/aws_lambda.pb.h"
#include "envoy/extensions/filters/http/aws_request_signing/v3/aws_request_signing.pb.h"
#include "envoy/extensions/upstreams/http/v3/http_protocol_options.pb.h"
#include "fake_ec2_server.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"
#include "snapshot/snapshot.h"
#include "sources/manifest_parser.h"
#include "translator/translator.h"

namespace kgw {
namespace {

using envoy::config::cluster::v3::Cluster;

// The plugin loaded into its own registry, with a host that records refresh requests.
class AwsPlugin {
 public:
  explicit AwsPlugin(sdk::Value config = sdk::Value::Map{})
      : services_(std::make_shared<plugins::HostServices>()), loader_(init_services(services_, *this)) {
    auto result = loader_.load({KGW_BACKEND_AWS_PLUGIN, "", std::move(config)}, registry_);
    if (auto* refusal = std::get_if<plugins::Refusal>(&result)) refusal_ = refusal->message;
  }

  const plugins::ExtensionRegistry& registry() const { return registry_; }
  const std::string& refusal() const { return refusal_; }

  // Waits for the plugin's `n`th refresh request. The bound only keeps a broken build from
  // hanging the suite; the test waits for the event, not for time to pass.
  bool wait_refreshes(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return refreshed_.size() >= n; });
  }
  std::vector<sdk::ObjectRef> refreshed() {
    std::lock_guard lock(mu_);
    return refreshed_;
  }

 private:
  static std::shared_ptr<const plugins::HostServices> init_services(std::shared_ptr<plugins::HostServices> services,
                                                                    AwsPlugin& self) {
    services->refresh = [&self](const std::string&, const sdk::ObjectRef& object) {
      std::lock_guard lock(self.mu_);
      self.refreshed_.push_back(object);
      self.cv_.notify_all();
    };
    return services;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<sdk::ObjectRef> refreshed_;
  std::shared_ptr<plugins::HostServices> services_;
  plugins::PluginLoader loader_;
  plugins::ExtensionRegistry registry_;
  std::string refusal_;
};

const plugins::ExtensionRegistry& lambda_registry() {
  static auto* plugin = [] {
    auto* p = new AwsPlugin;
    EXPECT_EQ(p->refusal(), "");
    return p;
  }();
  return plugin->registry();
}

// A Gateway with one route per Backend named in `backends` (and one to a Service), plus `extra`.
translator::Output translate(const std::string& extra, const std::vector<std::string>& backends,
                             const plugins::ExtensionRegistry& registry = lambda_registry()) {
  std::string rules;
  for (const auto& b : backends)
    rules += "  - matches: [{path: {type: Exact, value: /" + b + "}}]\n    backendRefs: [{name: " + b +
             ", kind: Backend, group: gateway.kgateway.dev}]\n";
  const std::string yaml = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: http, protocol: HTTP, port: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: Exact, value: /svc}}]
    backendRefs: [{name: svc, port: 80}]
)" + rules + R"(---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: default}
spec:
  ports: [{port: 80}]
---
)" + extra;
  auto parsed = sources::parse_manifests(yaml, "test.yaml");
  EXPECT_TRUE(parsed.errors.empty());
  translator::Input input;
  int64_t t = 0;
  for (auto& p : parsed.objects) {
    p.object.creation_timestamp = ++t;
    input.objects.push_back(std::move(p.object));
  }
  config::TranslationSettings settings;
  return translator::translate_gateway(input, {"gateway.networking.k8s.io", "Gateway", "default", "gw"}, settings,
                                       registry);
}

const Cluster* cluster_named(const translator::Output& out, const std::string& name) {
  for (const auto& c : out.clusters)
    if (c.name() == name) return &c;
  return nullptr;
}

// The Backend's condition of `type` as "status reason: message", or "" when absent.
std::string condition(const translator::Output& out, const std::string& backend, const std::string& type) {
  auto section = out.statuses.find("backends");
  if (section == out.statuses.end()) return {};
  auto it = section->second.find("default/" + backend);
  if (it == section->second.end()) return {};
  const sdk::Value* conditions = it->second->find("conditions");
  if (!conditions || !conditions->as_list()) return {};
  for (const auto& c : *conditions->as_list())
    if (c.find("type") && *c.find("type")->as_string() == type)
      return *c.find("status")->as_string() + " " + *c.find("reason")->as_string() + ": " +
             *c.find("message")->as_string();
  return {};
}

// The config of the cluster's upstream HTTP filter `name` (a default message when absent).
template <typename Config>
Config upstream_filter(const Cluster& c, const std::string& name) {
  envoy::extensions::upstreams::http::v3::HttpProtocolOptions options;
  EXPECT_TRUE(c.typed_extension_protocol_options()
                  .at("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
                  .UnpackTo(&options));
  Config config;
  for (const auto& f : options.http_filters())
    if (f.name() == name) {
      EXPECT_TRUE(f.typed_config().UnpackTo(&config));
    }
  return config;
}

envoy::extensions::filters::http::aws_request_signing::v3::AwsRequestSigning signing_of(const Cluster& c) {
  return upstream_filter<envoy::extensions::filters::http::aws_request_signing::v3::AwsRequestSigning>(
      c, "envoy.filters.http.aws_request_signing");
}

envoy::extensions::filters::http::aws_lambda::v3::Config lambda_of(const Cluster& c) {
  return upstream_filter<envoy::extensions::filters::http::aws_lambda::v3::Config>(c, "envoy.filters.http.aws_lambda");
}

std::string lambda_backend(const std::string& name, const std::string& secret, const std::string& lambda_extra = "") {
  return R"(apiVersion: gateway.kgateway.dev/v1alpha1
kind: Backend
metadata: {name: )" +
         name + R"(, namespace: default}
spec:
  type: AWS
  aws:
    region: eu-west-1
    auth: {type: Secret, secretRef: {name: )" +
         secret + R"(}}
    lambda:
      accountId: "123456789012"
      functionName: fn)" +
         lambda_extra + "\n---\n";
}

std::string secret_yaml(const std::string& name, const std::string& string_data) {
  return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name + ", namespace: default}\nstringData:\n" +
         string_data + "---\n";
}

TEST(AwsLambda, ClusterCarriesFunctionRegionAndSecretCredentials) {
  auto out = translate(lambda_backend("fn", "creds", "\n      qualifier: prod\n      invocationMode: Async") +
                           secret_yaml("creds", "  accessKey: AKID\n  secretKey: SECRET\n  sessionToken: TOKEN\n"),
                       {"fn"});
  EXPECT_EQ(condition(out, "fn", "Accepted"), "True Accepted: Backend accepted");
  const Cluster* c = cluster_named(out, "backend_default_fn_0");
  ASSERT_NE(c, nullptr);
  const auto& address = c->load_assignment().endpoints(0).lb_endpoints(0).endpoint().address().socket_address();
  EXPECT_EQ(address.address(), "lambda.eu-west-1.amazonaws.com");
  EXPECT_EQ(address.port_value(), 443u);
  EXPECT_EQ(c->transport_socket().name(), "envoy.transport_sockets.tls");
  auto invoke = lambda_of(*c);
  EXPECT_EQ(invoke.arn(), "arn:aws:lambda:eu-west-1:123456789012:function:fn:prod");
  EXPECT_EQ(invoke.invocation_mode(), envoy::extensions::filters::http::aws_lambda::v3::Config::ASYNCHRONOUS);
  auto signing = signing_of(*c);
  EXPECT_EQ(signing.service_name(), "lambda");
  EXPECT_EQ(signing.region(), "eu-west-1");
  EXPECT_EQ(signing.credential_provider().inline_credential().access_key_id(), "AKID");
  EXPECT_EQ(signing.credential_provider().inline_credential().secret_access_key(), "SECRET");
  EXPECT_EQ(signing.credential_provider().inline_credential().session_token(), "TOKEN");
}

// Each bad Secret: the Backend is not accepted and says why (never with a credential in it), its
// cluster has no hosts, the route keeps pointing at it, and the other backends are untouched.
TEST(AwsLambda, EachBadSecretRejectsOnlyItsBackend) {
  struct Case {
    std::string secret;  // "" for no Secret at all
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "Secret default/creds not found"},
      {"  secretKey: SECRET\n", "Secret default/creds has no \\\"accessKey\\\" key"},
      {"  accessKey: AKID\n", "Secret default/creds has no \\\"secretKey\\\" key"},
      {"  accessKey: ''\n  secretKey: SECRET\n", "Secret default/creds: \\\"accessKey\\\" is empty"},
      {"  accessKey: AKID\n  secretKey: \"SECRET\\n\"\n",
       "Secret default/creds: \\\"secretKey\\\" holds whitespace or non-printable characters"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    auto out = translate(lambda_backend("bad", "creds") + lambda_backend("good", "other") +
                             (c.secret.empty() ? "" : secret_yaml("creds", c.secret)) +
                             secret_yaml("other", "  accessKey: AKID2\n  secretKey: SECRET2\n"),
                         {"bad", "good"});
    std::string expected = "False Invalid: Backend error: \"spec.aws.auth.secretRef: " + c.message + "\"";
    for (size_t at = expected.find("\\\""); at != std::string::npos; at = expected.find("\\\"", at))
      expected.replace(at, 2, "\"");
    EXPECT_EQ(condition(out, "bad", "Accepted"), expected);
    EXPECT_EQ(condition(out, "bad", "Accepted").find("SECRET"), std::string::npos);
    const Cluster* bad = cluster_named(out, "backend_default_bad_0");
    ASSERT_NE(bad, nullptr);
    EXPECT_EQ(bad->type(), Cluster::STATIC);
    EXPECT_EQ(bad->load_assignment().endpoints_size(), 0);
    EXPECT_TRUE(bad->typed_extension_protocol_options().empty());
    EXPECT_EQ(condition(out, "good", "Accepted"), "True Accepted: Backend accepted");
    const Cluster* good = cluster_named(out, "backend_default_good_0");
    ASSERT_NE(good, nullptr);
    EXPECT_EQ(signing_of(*good).credential_provider().inline_credential().access_key_id(), "AKID2");
    bool routed = false;
    for (const auto& route : out.routes.at(0).virtual_hosts(0).routes())
      routed = routed || route.route().cluster() == "backend_default_bad_0";
    EXPECT_TRUE(routed);
  }
}

TEST(AwsLambda, AnInvalidRegionOrArnPartIsReportedWithItsField) {
  auto out = translate(R"(apiVersion: gateway.kgateway.dev/v1alpha1
kind: Backend
metadata: {name: fn, namespace: default}
spec:
  type: AWS
  aws:
    region: Mars-1
    lambda: {accountId: "42", functionName: fn}
---
)",
                       {"fn"});
  EXPECT_EQ(
      condition(out, "fn", "Accepted"),
      "False Invalid: Backend error: \"spec.aws.region: Invalid value: \"Mars-1\": lower-case letters, digits and "
      "'-'; spec.aws.lambda.accountId: Invalid value: \"42\": must be 12 digits\"");
}

// A rotated Secret changes the clusters that use it and nothing else: of every xDS resource the
// Gateway serves (clusters, endpoints, listeners, routes), only those clusters get a new version.
TEST(AwsLambda, ASecretRotationChangesOnlyTheClustersUsingIt) {
  const std::string backends = lambda_backend("a", "rotating") + lambda_backend("b", "rotating") +
                               lambda_backend("c", "steady") +
                               secret_yaml("steady", "  accessKey: STEADY\n  secretKey: STEADYSECRET\n");
  auto before =
      translate(backends + secret_yaml("rotating", "  accessKey: OLD\n  secretKey: OLDSECRET\n"), {"a", "b", "c"});
  auto after =
      translate(backends + secret_yaml("rotating", "  accessKey: NEW\n  secretKey: NEWSECRET\n"), {"a", "b", "c"});
  EXPECT_EQ(signing_of(*cluster_named(after, "backend_default_a_0"))
                .credential_provider()
                .inline_credential()
                .access_key_id(),
            "NEW");

  const auto old_snapshot = snapshot::build_snapshot(before, nullptr);
  const auto new_snapshot = snapshot::build_snapshot(after, nullptr);
  std::set<std::string> changed;
  size_t compared = 0;
  for (const auto& [type, resources] : new_snapshot->envoy.types) {
    const snapshot::TypeResources* old_resources = old_snapshot->envoy.type(type);
    ASSERT_NE(old_resources, nullptr) << type;
    ASSERT_EQ(old_resources->resources.size(), resources.resources.size()) << type;
    for (const auto& [name, resource] : resources.resources) {
      const snapshot::Resource* old_resource = old_resources->find(name);
      ASSERT_NE(old_resource, nullptr) << name;
      ++compared;
      if (old_resource->version != resource->version) changed.insert(snapshot::short_type_name(type) + " " + name);
    }
  }
  EXPECT_GT(compared, 5u);
  EXPECT_EQ(changed, (std::set<std::string>{"Cluster backend_default_a_0", "Cluster backend_default_b_0"}));
}

TEST(AwsPluginConfig, RejectsUnknownKeysAndBadValues) {
  AwsPlugin unknown(sdk::Value::Map{{"region", "x"}});
  EXPECT_NE(unknown.refusal().find("region: unknown key"), std::string::npos) << unknown.refusal();
  AwsPlugin bad(sdk::Value::Map{{"ec2_endpoint", "ftp://x"}, {"ec2_refresh_seconds", 0}});
  EXPECT_NE(bad.refusal().find("ec2_endpoint: must start with http:// or https://"), std::string::npos)
      << bad.refusal();
  EXPECT_NE(bad.refusal().find("ec2_refresh_seconds: expected a number of seconds"), std::string::npos)
      << bad.refusal();
}

std::string ec2_backend(const std::string& secret) {
  return R"(apiVersion: gateway.kgateway.dev/v1alpha1
kind: Backend
metadata: {name: fleet, namespace: default}
spec:
  type: AWS
  aws:
    region: eu-west-1
    auth: {type: Secret, secretRef: {name: )" +
         secret + R"(}}
    ec2:
      port: 8080
      filters:
      - keyValue: {key: app, value: web}
---
)";
}

std::vector<std::string> endpoints_of(const translator::Output& out) {
  std::vector<std::string> addresses;
  const Cluster* c = cluster_named(out, "backend_default_fleet_0");
  EXPECT_NE(c, nullptr);
  if (!c) return addresses;
  EXPECT_EQ(c->type(), Cluster::STATIC);
  for (const auto& locality : c->load_assignment().endpoints())
    for (const auto& e : locality.lb_endpoints())
      addresses.push_back(e.endpoint().address().socket_address().address() + ":" +
                          std::to_string(e.endpoint().address().socket_address().port_value()));
  return addresses;
}

// Discovery end to end: signed calls the fake verifies, instances that change, then rejected
// credentials and an unreachable API, through which the last endpoints stay.
TEST(AwsEc2, EndpointsFollowTheInstancesAndSurviveApiFailures) {
  const aws::Credentials known{"AKIDFLEET", "fleet-secret-key", ""};
  aws::testing::FakeEc2Server server("eu-west-1", known);
  server.set_instances({{"i-1", "10.0.0.1", ""}, {"i-2", "10.0.0.2", "54.0.0.2"}});
  AwsPlugin plugin(sdk::Value::Map{{"ec2_endpoint", server.url()}, {"ec2_refresh_seconds", 0.02}});
  ASSERT_EQ(plugin.refusal(), "");
  const std::string objects = ec2_backend("fleet-creds") +
                              secret_yaml("fleet-creds", "  accessKey: AKIDFLEET\n  secretKey: fleet-secret-key\n");

  // Nothing is known before the first answer.
  auto out = translate(objects, {"fleet"}, plugin.registry());
  EXPECT_EQ(condition(out, "fleet", "Accepted"), "True Accepted: Backend accepted");
  EXPECT_EQ(condition(out, "fleet", "EndpointsDiscovered"),
            "False Pending: waiting for the first answer of the EC2 API");
  EXPECT_TRUE(endpoints_of(out).empty());

  ASSERT_TRUE(plugin.wait_refreshes(1));
  EXPECT_EQ(plugin.refreshed().at(0), (sdk::ObjectRef{"gateway.kgateway.dev", "Backend", "default", "fleet"}));
  out = translate(objects, {"fleet"}, plugin.registry());
  EXPECT_EQ(endpoints_of(out), (std::vector<std::string>{"10.0.0.1:8080", "10.0.0.2:8080"}));
  EXPECT_EQ(condition(out, "fleet", "EndpointsDiscovered"), "True Discovered: 2 running instances matched");
  const auto received = server.received();
  ASSERT_FALSE(received.empty());
  EXPECT_TRUE(received.front().signature_ok);
  EXPECT_EQ(received.front().access_key, "AKIDFLEET");
  EXPECT_NE(received.front().body.find("Filter.2.Name=tag%3Aapp&Filter.2.Value.1=web"), std::string::npos);

  server.set_instances({{"i-3", "10.0.0.3", ""}});
  ASSERT_TRUE(plugin.wait_refreshes(2));
  out = translate(objects, {"fleet"}, plugin.registry());
  EXPECT_EQ(endpoints_of(out), (std::vector<std::string>{"10.0.0.3:8080"}));
  EXPECT_EQ(condition(out, "fleet", "EndpointsDiscovered"), "True Discovered: 1 running instance matched");

  server.reject_credentials(true);
  ASSERT_TRUE(plugin.wait_refreshes(3));
  out = translate(objects, {"fleet"}, plugin.registry());
  EXPECT_EQ(endpoints_of(out), (std::vector<std::string>{"10.0.0.3:8080"}));
  EXPECT_EQ(condition(out, "fleet", "EndpointsDiscovered"),
            "False Rejected: the EC2 API at " + server.url() +
                " answered HTTP 401 AuthFailure: refused by the fake; keeping the last 1 known endpoint");

  server.stop();
  ASSERT_TRUE(plugin.wait_refreshes(4));
  out = translate(objects, {"fleet"}, plugin.registry());
  EXPECT_EQ(endpoints_of(out), (std::vector<std::string>{"10.0.0.3:8080"}));
  const std::string unreachable = condition(out, "fleet", "EndpointsDiscovered");
  EXPECT_EQ(unreachable.rfind("False Unreachable: cannot reach the EC2 API at " + server.url() + ": ", 0), 0u)
      << unreachable;
  EXPECT_NE(unreachable.find("; keeping the last 1 known endpoint"), std::string::npos) << unreachable;
}

// A wrong secret key: the fake recomputes the signature, finds it differs, and refuses.
TEST(AwsEc2, AWrongSecretKeyFailsTheSignatureCheck) {
  aws::testing::FakeEc2Server server("eu-west-1", {"AKIDFLEET", "the-real-secret", ""});
  server.set_instances({{"i-1", "10.0.0.1", ""}});
  AwsPlugin plugin(sdk::Value::Map{{"ec2_endpoint", server.url()}, {"ec2_refresh_seconds", 0.02}});
  const std::string objects =
      ec2_backend("fleet-creds") + secret_yaml("fleet-creds", "  accessKey: AKIDFLEET\n  secretKey: a-wrong-secret\n");
  translate(objects, {"fleet"}, plugin.registry());
  ASSERT_TRUE(plugin.wait_refreshes(1));
  auto out = translate(objects, {"fleet"}, plugin.registry());
  EXPECT_TRUE(endpoints_of(out).empty());
  EXPECT_EQ(condition(out, "fleet", "EndpointsDiscovered"),
            "False Rejected: the EC2 API at " + server.url() +
                " answered HTTP 403 SignatureDoesNotMatch: refused by the fake; keeping the last 0 known endpoints");
  ASSERT_FALSE(server.received().empty());
  EXPECT_FALSE(server.received().front().signature_ok);
}

TEST(AwsEc2, PublicAddressesWhenAsked) {
  aws::testing::FakeEc2Server server("eu-west-1", {"AKIDFLEET", "s", ""});
  server.set_instances({{"i-1", "10.0.0.1", "54.0.0.1"}, {"i-2", "10.0.0.2", ""}});
  AwsPlugin plugin(sdk::Value::Map{{"ec2_endpoint", server.url()}, {"ec2_refresh_seconds", 0.02}});
  std::string objects = ec2_backend("c") + secret_yaml("c", "  accessKey: AKIDFLEET\n  secretKey: s\n");
  objects.replace(objects.find("port: 8080"), 10, "port: 80\n      addressType: PublicIP");
  translate(objects, {"fleet"}, plugin.registry());
  ASSERT_TRUE(plugin.wait_refreshes(1));
  auto out = translate(objects, {"fleet"}, plugin.registry());
  EXPECT_EQ(endpoints_of(out), (std::vector<std::string>{"54.0.0.1:80"}));
  EXPECT_EQ(condition(out, "fleet", "EndpointsDiscovered"),
            "True Discovered: 2 running instances matched; 1 instance without a public IP address skipped");
}

}  // namespace
}  // namespace kgw
