#include "store/object_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "logging/logging.h"
#include "sources/manifest_parser.h"

namespace kgw::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Builds updates the way the dir source does: files parsed, creation timestamps numbered in load
// order and kept while an object exists.
class Updates {
 public:
  sources::SourceUpdate upsert(const std::map<std::string, std::string>& files) {
    sources::SourceUpdate u;
    for (const auto& [file, text] : files) {
      auto parsed = sources::parse_manifests(text, file);
      EXPECT_THAT(parsed.errors, IsEmpty()) << file;
      for (auto& o : parsed.objects) {
        auto [it, added] = stamps_.try_emplace(o.object.ref, next_);
        if (added) ++next_;
        o.object.creation_timestamp = it->second;
      }
      u.upserts[file] = std::move(parsed.objects);
    }
    return u;
  }
  sources::SourceUpdate remove(std::vector<std::string> files) {
    sources::SourceUpdate u;
    u.removed = std::move(files);
    return u;
  }

 private:
  std::map<sdk::ObjectRef, int64_t> stamps_;
  int64_t next_ = 1;
};

// Captures what one component logs while alive.
class LogCapture {
 public:
  explicit LogCapture(const std::string& component) : log_(logging::get(component)), level_(log_->level()) {
    log_->set_level(spdlog::level::trace);
    log_->sinks().push_back(sink_);
  }
  ~LogCapture() {
    log_->sinks().pop_back();
    log_->set_level(level_);
  }
  std::string text() const {
    std::string all;
    for (const auto& line : sink_->last_formatted()) all += line;
    return all;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  std::shared_ptr<spdlog::logger> log_;
  spdlog::level::level_enum level_;
};

const std::string kGroup = "gateway.networking.k8s.io";

sdk::ObjectRef gateway_ref(const std::string& name) { return {kGroup, "Gateway", "default", name}; }
sdk::ObjectRef service_ref(const std::string& name) { return {"", "Service", "default", name}; }

std::string gateway(const std::string& name, const std::string& listeners_extra = "") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: " + name +
         "\nspec:\n  gatewayClassName: kgateway\n  listeners:\n  - name: http\n    protocol: HTTP\n    port: 8080\n" +
         listeners_extra + "---\n";
}

std::string route(const std::string& name, const std::vector<std::string>& parents, const std::string& service) {
  std::string s = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: " + name +
                  "\nspec:\n  parentRefs:\n";
  for (const auto& p : parents) s += "  - name: " + p + "\n";
  s += "  rules:\n  - backendRefs:\n    - name: " + service + "\n      port: 80\n---\n";
  return s;
}

std::string service(const std::string& name, int port = 80, const std::string& labels = "") {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\n" + labels +
         "spec:\n  ports:\n  - port: " + std::to_string(port) + "\n---\n";
}

std::vector<std::string> names(const std::vector<sdk::Object>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(o.ref.kind + "/" + o.ref.name);
  return out;
}

std::vector<std::string> change_names(const ChangeSet& c) {
  std::vector<std::string> out;
  for (const auto& ch : c.objects)
    out.push_back(std::string(ch.before ? (ch.after ? "~" : "-") : "+") + ch.ref.kind + "/" + ch.ref.name);
  return out;
}

std::set<std::string> gateway_names(const AffectedGateways& a) {
  std::set<std::string> out;
  for (const auto& g : a.gateways) out.insert(g.name);
  return out;
}

TEST(ObjectStore, AppliesUpsertsAndRemovals) {
  Updates updates;
  ObjectStore store;
  ChangeSet c = store.apply(updates.upsert({{"a.yaml", gateway("gw") + route("r", {"gw"}, "svc") + service("svc")}}));
  EXPECT_THAT(change_names(c), ElementsAre("+Service/svc", "+Gateway/gw", "+HTTPRoute/r"));          // sorted by ref
  EXPECT_THAT(names(store.all_objects()), ElementsAre("Gateway/gw", "HTTPRoute/r", "Service/svc"));  // load order
  ASSERT_NE(store.find(service_ref("svc")), nullptr);
  EXPECT_EQ(store.find(service_ref("svc"))->file, "a.yaml");
  EXPECT_THAT(store.gateways(), ElementsAre(gateway_ref("gw")));

  // The same content again changes nothing.
  c = store.apply(updates.upsert({{"a.yaml", gateway("gw") + route("r", {"gw"}, "svc") + service("svc")}}));
  EXPECT_TRUE(c.empty());

  // A file's upsert replaces all it had: the Service it no longer defines is gone.
  c = store.apply(updates.upsert({{"a.yaml", gateway("gw") + route("r", {"gw"}, "svc")}}));
  EXPECT_THAT(change_names(c), ElementsAre("-Service/svc"));
  EXPECT_EQ(store.find(service_ref("svc")), nullptr);

  c = store.apply(updates.remove({"a.yaml"}));
  EXPECT_THAT(change_names(c), ElementsAre("-Gateway/gw", "-HTTPRoute/r"));
  EXPECT_EQ(store.size(), 0u);
  EXPECT_THAT(store.gateways(), IsEmpty());
}

TEST(ObjectStore, LaterLoadedFileWinsAndWarns) {
  Updates updates;
  ObjectStore store;
  LogCapture logs("store");
  // Within one update files load in path order: b.yaml after a.yaml.
  store.apply(updates.upsert({{"a.yaml", service("svc", 80)}, {"b.yaml", service("svc", 81)}}));
  ASSERT_NE(store.find(service_ref("svc")), nullptr);
  EXPECT_EQ(store.find(service_ref("svc"))->file, "b.yaml");
  EXPECT_THAT(logs.text(), HasSubstr("Service/default/svc is defined in a.yaml and b.yaml; the definition in b.yaml "
                                     "(loaded last) wins"));
  EXPECT_EQ(store.size(), 1u);

  // a.yaml loaded again later: its definition wins now.
  ChangeSet c = store.apply(updates.upsert({{"a.yaml", service("svc", 82)}}));
  EXPECT_THAT(change_names(c), ElementsAre("~Service/svc"));
  EXPECT_EQ(store.find(service_ref("svc"))->file, "a.yaml");

  // Its winner gone, the other definition takes over.
  c = store.apply(updates.remove({"a.yaml"}));
  EXPECT_THAT(change_names(c), ElementsAre("~Service/svc"));
  EXPECT_EQ(store.find(service_ref("svc"))->file, "b.yaml");
  const sdk::Value* port = store.find(service_ref("svc"))->object->spec()->find("ports");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(*(*port->as_list())[0].find("port"), sdk::Value(81));
}

TEST(ObjectStore, KeepsGenerationAndHash) {
  Updates updates;
  ObjectStore store;
  store.apply(updates.upsert({{"a.yaml", service("svc", 80)}}));
  const uint64_t first_hash = store.find(service_ref("svc"))->hash;
  EXPECT_EQ(store.find(service_ref("svc"))->object->generation, 1);

  store.apply(updates.upsert({{"a.yaml", service("svc", 81)}}));
  EXPECT_EQ(store.find(service_ref("svc"))->object->generation, 2);
  EXPECT_NE(store.find(service_ref("svc"))->hash, first_hash);

  // Metadata only: a new hash, the same generation (as the API server counts).
  store.apply(updates.upsert({{"a.yaml", service("svc", 81, "  labels:\n    app: x\n")}}));
  EXPECT_EQ(store.find(service_ref("svc"))->object->generation, 2);

  // A generation the manifest writes is kept as written.
  store.apply(updates.upsert({{"a.yaml", service("svc", 82, "  generation: 7\n")}}));
  EXPECT_EQ(store.find(service_ref("svc"))->object->generation, 7);
}

TEST(ObjectStore, HoldsSecretsApart) {
  Updates updates;
  ObjectStore store;
  LogCapture logs("store");
  const std::string good =
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ntype: kubernetes.io/tls\ndata:\n"
      "  tls.crt: Y2VydA==\n  tls.key: a2V5\n";
  ChangeSet c = store.apply(updates.upsert({{"s.yaml", good + "---\n" + service("svc")}}));
  EXPECT_THAT(change_names(c), ElementsAre("+Service/svc"));
  EXPECT_THAT(c.secrets, ElementsAre(sdk::ObjectRef{"", "Secret", "default", "tls"}));
  EXPECT_THAT(names(store.all_objects()), ElementsAre("Service/svc"));
  EXPECT_EQ(store.find({"", "Secret", "default", "tls"}), nullptr);
  auto secret = store.find_secret("default", "tls");
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(secret->type, "kubernetes.io/tls");
  EXPECT_EQ(secret->data.at("tls.crt"), "cert");

  // A version that does not decode keeps the last good one; the error names the field only.
  const std::string bad = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ndata:\n  tls.crt: 'c2VjcmV0!!'\n";
  c = store.apply(updates.upsert({{"s.yaml", bad + "---\n" + service("svc")}}));
  EXPECT_TRUE(c.empty());
  ASSERT_EQ(c.invalid.at("s.yaml").size(), 1u);
  const std::string error = c.invalid.at("s.yaml")[0].to_string();
  EXPECT_THAT(error, HasSubstr("s.yaml:1:1: data.tls.crt: "));
  EXPECT_THAT(error, HasSubstr("keeps its last good version"));
  EXPECT_THAT(error, Not(HasSubstr("c2VjcmV0")));
  EXPECT_THAT(logs.text(), Not(HasSubstr("c2VjcmV0")));
  EXPECT_THAT(logs.text(), Not(HasSubstr("Y2VydA")));
  ASSERT_NE(store.find_secret("default", "tls"), nullptr);
  EXPECT_EQ(store.find_secret("default", "tls")->data.at("tls.crt"), "cert");

  // Good again: no errors, the new data.
  c = store.apply(updates.upsert(
      {{"s.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\nstringData:\n  tls.crt: new\n---\n" + service("svc")}}));
  EXPECT_THAT(c.invalid.at("s.yaml"), IsEmpty());
  EXPECT_THAT(c.secrets, ElementsAre(sdk::ObjectRef{"", "Secret", "default", "tls"}));
  EXPECT_EQ(store.find_secret("default", "tls")->data.at("tls.crt"), "new");

  c = store.apply(updates.remove({"s.yaml"}));
  EXPECT_THAT(c.secrets, ElementsAre(sdk::ObjectRef{"", "Secret", "default", "tls"}));
  EXPECT_EQ(store.find_secret("default", "tls"), nullptr);
}

// Two Gateways; routes r1 (gw1) and r2 (gw1 and gw2); Services s1 (r1), s2 (r2) and s3 (unused);
// s1's EndpointSlice; gw2's certificate Secret; a TrafficPolicy on r1 using a GatewayExtension.
class AffectedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_["gateways.yaml"] = gateway("gw1") + gateway("gw2",
                                                       "  - name: https\n    protocol: HTTPS\n    port: 8443\n"
                                                       "    tls:\n      certificateRefs:\n      - name: cert\n");
    files_["r1.yaml"] = route("r1", {"gw1"}, "s1");
    files_["r2.yaml"] = route("r2", {"gw1", "gw2"}, "s2");
    files_["services.yaml"] = service("s1") + service("s2") + service("s3");
    files_["slice.yaml"] = slice("1.1.1.1");
    files_["secret.yaml"] = secret("Y2VydA==");
    files_["policy.yaml"] =
        "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: TrafficPolicy\nmetadata:\n  name: tp\nspec:\n"
        "  targetRefs:\n  - group: gateway.networking.k8s.io\n    kind: HTTPRoute\n    name: r1\n"
        "  extAuth:\n    extensionRef:\n      name: ext\n";
    files_["ext.yaml"] = extension("a");
    store_.apply(updates_.upsert(files_));
  }

  static std::string slice(const std::string& address) {
    return "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: s1-abc\n  labels:\n"
           "    kubernetes.io/service-name: s1\naddressType: IPv4\nendpoints:\n- addresses: [" +
           address + "]\n";
  }
  static std::string secret(const std::string& data) {
    return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cert\ndata:\n  tls.crt: " + data + "\n";
  }
  static std::string extension(const std::string& version) {
    return "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: GatewayExtension\nmetadata:\n  name: ext\nspec:\n"
           "  type: ExtAuth\n  extAuth:\n    grpcService:\n      backendRef:\n        name: auth-" +
           version + "\n        port: 80\n";
  }

  std::set<std::string> change(const std::string& file, const std::string& text) {
    return gateway_names(store_.affected_gateways(store_.apply(updates_.upsert({{file, text}}))));
  }

  std::set<std::string> remove(const std::string& file) {
    return gateway_names(store_.affected_gateways(store_.apply(updates_.remove({file}))));
  }

  Updates updates_;
  ObjectStore store_;
  std::map<std::string, std::string> files_;
};

TEST_F(AffectedTest, RouteAffectsTheGatewaysOfItsOldAndNewParents) {
  EXPECT_EQ(change("r1.yaml", route("r1", {"gw1"}, "s3")), (std::set<std::string>{"gw1"}));
  EXPECT_EQ(change("r1.yaml", route("r1", {"gw2"}, "s3")), (std::set<std::string>{"gw1", "gw2"}));
  EXPECT_EQ(change("r1.yaml", route("r1", {"gw2"}, "s1")), (std::set<std::string>{"gw2"}));
  EXPECT_EQ(remove("r2.yaml"), (std::set<std::string>{"gw1", "gw2"}));
}

TEST_F(AffectedTest, BackendsAffectTheGatewaysOfTheRoutesUsingThem) {
  EXPECT_EQ(change("services.yaml", service("s1", 81) + service("s2") + service("s3")), (std::set<std::string>{"gw1"}));
  EXPECT_EQ(change("services.yaml", service("s1", 81) + service("s2", 81) + service("s3")),
            (std::set<std::string>{"gw1", "gw2"}));
  EXPECT_EQ(change("services.yaml", service("s1", 81) + service("s2", 81) + service("s3", 81)),
            (std::set<std::string>{}));
  EXPECT_EQ(change("slice.yaml", slice("2.2.2.2")), (std::set<std::string>{"gw1"}));
}

TEST_F(AffectedTest, SecretsAffectTheGatewaysReferencingThem) {
  EXPECT_EQ(change("secret.yaml", secret("bmV3")), (std::set<std::string>{"gw2"}));
  EXPECT_EQ(remove("secret.yaml"), (std::set<std::string>{"gw2"}));
}

TEST_F(AffectedTest, PoliciesAndTheirExtensionsAffectTheirTargetsGateways) {
  EXPECT_EQ(change("ext.yaml", extension("b")), (std::set<std::string>{"gw1"}));
  // The extension's own backend, through the extension and the policy.
  EXPECT_EQ(change("services.yaml", service("s1") + service("s2") + service("s3") + service("auth-b")),
            (std::set<std::string>{"gw1"}));
}

TEST_F(AffectedTest, GatewaysAndTheirClasses) {
  EXPECT_EQ(change("gateways.yaml", gateway("gw1") + gateway("gw2") + gateway("gw3")),
            (std::set<std::string>{"gw2", "gw3"}));  // gw2 lost its HTTPS listener
  auto affected = store_.affected_gateways(store_.apply(updates_.upsert({{"gateways.yaml", gateway("gw1")}})));
  EXPECT_EQ(gateway_names(affected), (std::set<std::string>{"gw2", "gw3"}));  // removed ones are reported
  EXPECT_EQ(change("class.yaml",
                   "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: kgateway\n"
                   "spec:\n  controllerName: kgateway.dev/kgateway\n"),
            (std::set<std::string>{"gw1"}));
}

TEST_F(AffectedTest, WhatTheStoreCannotRelateAffectsEveryGateway) {
  auto affected = store_.affected_gateways(store_.apply(updates_.upsert(
      {{"grant.yaml",
        "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata:\n  name: g\nspec:\n"
        "  from:\n  - group: gateway.networking.k8s.io\n    kind: HTTPRoute\n    namespace: other\n"
        "  to:\n  - group: ''\n    kind: Service\n"}})));
  EXPECT_TRUE(affected.all);
  EXPECT_EQ(gateway_names(affected), (std::set<std::string>{"gw1", "gw2"}));
  EXPECT_EQ(change("widget.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"),
            (std::set<std::string>{"gw1", "gw2"}));
  EXPECT_EQ(change("selector.yaml",
                   "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: TrafficPolicy\nmetadata:\n  name: sel\n"
                   "spec:\n  targetSelectors:\n  - group: gateway.networking.k8s.io\n    kind: HTTPRoute\n"
                   "    matchLabels:\n      app: x\n"),
            (std::set<std::string>{"gw1", "gw2"}));
}

TEST(References, ReadsEdgesFromFields) {
  auto parsed = sources::parse_manifests(
      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\n  namespace: ns\nspec:\n"
      "  parentRefs:\n  - name: gw\n    namespace: infra\n  - kind: ListenerSet\n    name: ls\n"
      "  rules:\n  - backendRefs:\n    - name: svc\n      port: 80\n      filters:\n      - type: RequestMirror\n"
      "        requestMirror:\n          backendRef:\n            name: mirror\n"
      "    - group: gateway.kgateway.dev\n      kind: Backend\n      name: be\n"
      "    filters:\n    - type: ExtensionRef\n      extensionRef:\n        group: gateway.kgateway.dev\n"
      "        kind: DirectResponse\n        name: dr\n",
      "r.yaml");
  ASSERT_EQ(parsed.objects.size(), 1u);
  const References refs = references_of(parsed.objects[0].object);
  EXPECT_FALSE(refs.unsure);
  const sdk::ObjectRef self{kGroup, "HTTPRoute", "ns", "r"};
  EXPECT_THAT(refs.edges,
              ::testing::UnorderedElementsAre(
                  Edge{self, {kGroup, "Gateway", "infra", "gw"}}, Edge{self, {kGroup, "ListenerSet", "ns", "ls"}},
                  Edge{{"", "Service", "ns", "svc"}, self}, Edge{{"", "Service", "ns", "mirror"}, self},
                  Edge{{"gateway.kgateway.dev", "Backend", "ns", "be"}, self},
                  Edge{{"gateway.kgateway.dev", "DirectResponse", "ns", "dr"}, self}));
}

// Any kind attaching by targetRefs is a policy whose relations the walker reads: the store knows
// it without a list of policy kinds.
TEST(References, APolicyOfAnyKindReferencesItsTargets) {
  auto parsed = sources::parse_manifests(
      "apiVersion: example.com/v1\nkind: Quota\nmetadata:\n  name: q\n  namespace: ns\nspec:\n"
      "  targetRefs:\n  - group: gateway.networking.k8s.io\n    kind: HTTPRoute\n    name: r\n"
      "  secretRef:\n    name: creds\n",
      "q.yaml");
  ASSERT_EQ(parsed.objects.size(), 1u);
  const References refs = references_of(parsed.objects[0].object);
  EXPECT_FALSE(refs.unsure);
  const sdk::ObjectRef self{"example.com", "Quota", "ns", "q"};
  EXPECT_THAT(refs.edges, ::testing::UnorderedElementsAre(Edge{self, {kGroup, "HTTPRoute", "ns", "r"}},
                                                          Edge{{"", "Secret", "ns", "creds"}, self}));
}

}  // namespace
}  // namespace kgw::store
