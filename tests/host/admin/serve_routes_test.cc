#include "admin/serve_routes.h"

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "envoy/extensions/transport_sockets/tls/v3/tls.pb.h"
#include "host/admin/http_client.h"
#include "plugins/extension_registry.h"
#include "sources/manifest_parser.h"
#include "translator/golden_format.h"

namespace kgw::admin {
namespace {

using kgw::test_support::http_get;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr auto kTimeout = 20s;

// The Secret's data: base64 of a PEM block each; the key's PEM body is what must never show.
constexpr const char* kCertBase64 =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClEwVlNWRWxHU1VOQlZFVXRRbGxVUlZNPQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==";
constexpr const char* kKeyBase64 =
    "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tClZFOVFMVk5GUTFKRlZDMUxSVmt0VFVGVVJWSkpRVXc9Ci0tLS0tRU5EIFBSSVZBVEUgS0VZLS0tLS"
    "0K";
constexpr const char* kKey = "VE9QLVNFQ1JFVC1LRVktTUFURVJJQUw=";  // inside "-----BEGIN PRIVATE KEY-----"

const std::string kManifest = std::string(
                                  "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
                                  "metadata:\n  name: gw\n  namespace: default\nspec:\n"
                                  "  gatewayClassName: kgateway\n  listeners:\n"
                                  "  - name: http\n    protocol: HTTP\n    port: 8080\n"
                                  "  - name: https\n    protocol: HTTPS\n    port: 8443\n"
                                  "    tls:\n      certificateRefs:\n      - name: cert\n---\n"
                                  "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cert\n  namespace: default\n"
                                  "type: kubernetes.io/tls\ndata:\n  tls.crt: ") +
                              kCertBase64 + "\n  tls.key: " + kKeyBase64 +
                              "\n---\n"
                              "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  namespace: default\n"
                              "spec:\n  ports:\n  - name: http\n    port: 80\n---\n"
                              "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                              "metadata:\n  name: r\n  namespace: default\nspec:\n"
                              "  parentRefs:\n  - name: gw\n  hostnames: [example.com]\n"
                              "  rules:\n  - backendRefs:\n    - name: svc\n      port: 80\n";

class ServeRoutesTest : public ::testing::Test {
 protected:
  ServeRoutesTest() : loop_({}, registry_), server_("127.0.0.1", 0) {}

  void SetUp() override {
    metrics_.counter("kgw_test_events_total", "Events.", {{"kind", "x"}}).inc(7);
    add_serve_routes(server_, loop_, metrics_);
    ASSERT_TRUE(server_.start().is_ok());
    ASSERT_TRUE(loop_.start().is_ok());
  }

  void load(const std::string& manifest) {
    const auto parsed = sources::parse_manifests(manifest, "manifests.yaml");
    ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0].to_string();
    sources::SourceUpdate update;
    update.initial = true;
    update.upserts["manifests.yaml"] = parsed.objects;
    loop_.submit(std::move(update));
    ASSERT_TRUE(loop_.wait_ready(kTimeout));
  }

  uint16_t port() const { return server_.port(); }

  plugins::ExtensionRegistry registry_;
  serve::ControlLoop loop_;
  metrics::Registry metrics_;
  AdminServer server_;  // last: stopped first, while the loop and metrics are still there
};

TEST_F(ServeRoutesTest, HealthAndReadiness) {
  auto health = http_get(port(), "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok");

  auto before = http_get(port(), "/readyz");
  EXPECT_EQ(before.status, 503);
  EXPECT_EQ(before.body, "not ready");

  load(kManifest);
  auto after = http_get(port(), "/readyz");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "ready");
}

TEST_F(ServeRoutesTest, Metrics) {
  auto r = http_get(port(), "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.head, HasSubstr("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  EXPECT_EQ(r.body, metrics_.render());
  EXPECT_THAT(r.body, HasSubstr("kgw_test_events_total{kind=\"x\"} 7\n"));
}

TEST_F(ServeRoutesTest, SnapshotIsTheGatewaysResourcesAsJsonWithoutSecrets) {
  EXPECT_EQ(http_get(port(), "/debug/snapshot?gateway=default/gw").status, 404);  // not translated yet
  load(kManifest);
  const auto output = loop_.snapshot({"gateway.networking.k8s.io", "Gateway", "default", "gw"});
  ASSERT_NE(output, nullptr);
  ASSERT_EQ(output->listeners.size(), 2u) << translator::render_golden(*output, translator::Format::Yaml);

  auto r = http_get(port(), "/debug/snapshot?gateway=default%2Fgw");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.head, HasSubstr("Content-Type: application/json\r\n"));

  // Valid JSON of the promised shape.
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &doc).ok()) << r.body;
  EXPECT_EQ(doc.fields().at("gateway").string_value(), "default/gw");
  for (const char* key : {"listeners", "routes", "clusters", "endpoints"})
    ASSERT_TRUE(doc.fields().contains(key)) << key;
  EXPECT_EQ(doc.fields().at("listeners").list_value().values_size(), 2);
  EXPECT_EQ(doc.fields().at("listeners").list_value().values(0).struct_value().fields().at("name").string_value(),
            output->listeners[0].name());
  EXPECT_EQ(doc.fields().at("routes").list_value().values_size(), static_cast<int>(output->routes.size()));
  EXPECT_EQ(doc.fields().at("clusters").list_value().values_size(), static_cast<int>(output->clusters.size()));
  for (const auto& l : output->listeners) EXPECT_THAT(r.body, HasSubstr("\"" + l.name() + "\""));

  // The key is gone in every spelling; the certificate is still there, so redaction is targeted.
  EXPECT_THAT(r.body, Not(HasSubstr(kKey)));
  EXPECT_THAT(r.body, Not(HasSubstr(kKeyBase64)));
  EXPECT_THAT(r.body, Not(HasSubstr("PRIVATE KEY")));
  EXPECT_THAT(r.body, HasSubstr("\"privateKey\":{\"inlineString\":\"[redacted]\"}"));
  EXPECT_THAT(r.body, HasSubstr(kCertBase64));
  // The published output itself is untouched.
  EXPECT_THAT(output->listeners[0].DebugString() + output->listeners[1].DebugString(), HasSubstr(kKey));

  EXPECT_EQ(http_get(port(), "/debug/snapshot?gateway=default/gw", "HEAD").status, 200);
}

TEST_F(ServeRoutesTest, SnapshotRequestErrors) {
  load(kManifest);
  EXPECT_EQ(http_get(port(), "/debug/snapshot").status, 400);
  for (const char* bad : {"", "gw", "default/", "/gw", "a/b/c", "default/g%22w", "default/g%0Aw"})
    EXPECT_EQ(http_get(port(), std::string("/debug/snapshot?gateway=") + bad).status, 400) << bad;
  auto missing = http_get(port(), "/debug/snapshot?gateway=default/other");
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.body, HasSubstr("default/other"));
  EXPECT_EQ(http_get(port(), "/debug/snapshot?gateway=other/gw").status, 404);
}

TEST_F(ServeRoutesTest, StatusHoldsObjectsAndFileErrors) {
  load(kManifest);
  sources::SourceUpdate update;
  sources::ParseError error;
  error.mark.file = std::make_shared<const std::string>("broken.yaml");
  error.mark.line = 3;
  error.mark.column = 5;
  error.path = "metadata.name";
  error.message = "expected a string";
  update.errors["broken.yaml"] = {error};
  loop_.submit(std::move(update));
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (loop_.file_errors().empty() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  ASSERT_FALSE(loop_.file_errors().empty());

  auto r = http_get(port(), "/debug/status");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.head, HasSubstr("Content-Type: application/json\r\n"));
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &doc).ok()) << r.body;
  const auto& statuses = doc.fields().at("Statuses").struct_value().fields();
  ASSERT_TRUE(statuses.contains("gateways")) << r.body;
  ASSERT_TRUE(statuses.at("gateways").struct_value().fields().contains("default/gw")) << r.body;
  ASSERT_TRUE(statuses.contains("httpRoutes")) << r.body;
  EXPECT_TRUE(statuses.at("httpRoutes").struct_value().fields().contains("default/r")) << r.body;
  ASSERT_TRUE(statuses.contains("_errors")) << r.body;
  const auto& file = statuses.at("_errors").struct_value().fields().at("broken.yaml").struct_value().fields();
  EXPECT_EQ(file.at("file").string_value(), "broken.yaml");
  const auto& first = file.at("errors").list_value().values(0).struct_value().fields();
  EXPECT_EQ(first.at("line").number_value(), 3);
  EXPECT_EQ(first.at("path").string_value(), "metadata.name");
  EXPECT_EQ(first.at("message").string_value(), "expected a string");
  EXPECT_THAT(r.body, Not(HasSubstr(kKeyBase64)));
}

TEST(RedactSecrets, ReplacesInlineKeysAndPasswordsInsideAny) {
  envoy::extensions::transport_sockets::tls::v3::DownstreamTlsContext tls;
  auto* cert = tls.mutable_common_tls_context()->add_tls_certificates();
  cert->mutable_certificate_chain()->set_inline_bytes("chain");
  cert->mutable_private_key()->set_inline_bytes("key-bytes");
  cert->mutable_password()->set_inline_string("hunter2");
  auto* file_cert = tls.mutable_common_tls_context()->add_tls_certificates();
  file_cert->mutable_private_key()->set_filename("/etc/key.pem");
  envoy::config::listener::v3::Listener listener;
  listener.set_name("l");
  auto* socket = listener.add_filter_chains()->mutable_transport_socket();
  socket->set_name("envoy.transport_sockets.tls");
  socket->mutable_typed_config()->PackFrom(tls);

  EXPECT_TRUE(redact_secrets(listener));
  envoy::extensions::transport_sockets::tls::v3::DownstreamTlsContext out;
  ASSERT_TRUE(listener.filter_chains(0).transport_socket().typed_config().UnpackTo(&out));
  const auto& c = out.common_tls_context().tls_certificates(0);
  EXPECT_EQ(c.private_key().inline_string(), "[redacted]");
  EXPECT_FALSE(c.private_key().has_inline_bytes());
  EXPECT_EQ(c.password().inline_string(), "[redacted]");
  EXPECT_EQ(c.certificate_chain().inline_bytes(), "chain");
  // A file name is not a secret.
  EXPECT_EQ(out.common_tls_context().tls_certificates(1).private_key().filename(), "/etc/key.pem");

  EXPECT_FALSE(redact_secrets(listener));  // nothing left to redact
}

}  // namespace
}  // namespace kgw::admin
