#include "sources/manifest_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef KGW_SOURCE_DIR
#define KGW_SOURCE_DIR "."
#endif

namespace kgw::sources {
namespace {

namespace fs = std::filesystem;
using sdk::Value;

std::vector<std::string> errors_of(std::string_view text, const std::string& file = "f.yaml") {
  ParseResult r = parse_manifests(text, file);
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.to_string());
  return out;
}

std::vector<ParsedObject> parse_ok(std::string_view text, const std::string& file = "f.yaml") {
  ParseResult r = parse_manifests(text, file);
  for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
  return r.objects;
}

const Value& at(const Value& v, std::initializer_list<std::string_view> keys) {
  const Value* cur = &v;
  for (auto k : keys) {
    cur = cur->find(k);
    if (!cur) throw std::runtime_error("no key " + std::string(k));
  }
  return *cur;
}

std::string where(const Value& v) { return std::to_string(v.mark().line) + ":" + std::to_string(v.mark().column); }

using Errors = std::vector<std::string>;

std::vector<std::string> strings(const std::vector<sdk::FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.to_string());
  return out;
}

// ---- envelope ----

TEST(ManifestEnvelope, GroupKindNamespaceNameLabelsGeneration) {
  auto objs = parse_ok(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: r1
  namespace: apps
  generation: 3
  labels:
    app: web
    tier: "1"
  annotations:
    note: hello
spec: {}
---
apiVersion: v1
kind: Service
metadata:
  name: svc
)");
  ASSERT_EQ(objs.size(), 2u);
  const sdk::Object& r = objs[0].object;
  EXPECT_EQ(r.ref, (sdk::ObjectRef{"gateway.networking.k8s.io", "HTTPRoute", "apps", "r1"}));
  EXPECT_EQ(r.api_version, "gateway.networking.k8s.io/v1");
  EXPECT_EQ(r.generation, 3);
  EXPECT_EQ(r.creation_timestamp, 0);
  EXPECT_EQ(r.labels, (std::map<std::string, std::string>{{"app", "web"}, {"tier", "1"}}));
  EXPECT_EQ(r.annotations, (std::map<std::string, std::string>{{"note", "hello"}}));
  ASSERT_NE(r.spec(), nullptr);
  EXPECT_TRUE(r.spec()->is_map());
  const sdk::Object& s = objs[1].object;
  EXPECT_EQ(s.ref, (sdk::ObjectRef{"", "Service", "default", "svc"}));  // no namespace: default
  EXPECT_EQ(s.generation, 1);                                           // no generation: 1
  EXPECT_TRUE(s.labels.empty());
}

TEST(ManifestEnvelope, ClusterScopedKindsHaveNoNamespace) {
  auto objs = parse_ok(R"(apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: kgateway}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, namespace: ignored}
---
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XMesh
metadata: {name: mesh}
---
apiVersion: example.com/v1
kind: GatewayClass
metadata: {name: other-group}
)");
  ASSERT_EQ(objs.size(), 4u);
  EXPECT_EQ(objs[0].object.ref.ns, "");
  EXPECT_EQ(objs[1].object.ref.ns, "");
  EXPECT_EQ(objs[2].object.ref.ns, "");
  EXPECT_EQ(objs[3].object.ref.ns, "default");  // scope goes by group and kind
  EXPECT_TRUE(is_cluster_scoped({"gateway.networking.k8s.io", "GatewayClass"}));
  EXPECT_FALSE(is_cluster_scoped({"gateway.networking.k8s.io", "Gateway"}));
}

TEST(ManifestEnvelope, GroupOf) {
  EXPECT_EQ(group_of("v1"), "");
  EXPECT_EQ(group_of("gateway.kgateway.dev/v1alpha1"), "gateway.kgateway.dev");
}

TEST(ManifestEnvelope, BodyKeepsEverythingInFileOrder) {
  auto objs = parse_ok("kind: ConfigMap\nmetadata: {name: c}\napiVersion: v1\nzeta: 1\nalpha: 2\n");
  ASSERT_EQ(objs.size(), 1u);
  const Value::Map& m = *objs[0].object.body.as_map();
  std::vector<std::string> keys;
  for (const auto& [k, v] : m) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"kind", "metadata", "apiVersion", "zeta", "alpha"}));
}

TEST(ManifestEnvelope, EmptyDocumentsAreSkipped) {
  auto objs = parse_ok(
      "---\n---\n# only a comment\n---\n\n...\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n");
  ASSERT_EQ(objs.size(), 1u);
  EXPECT_TRUE(parse_ok("").empty());
  EXPECT_TRUE(parse_ok("\n\n# nothing\n").empty());
}

TEST(ManifestEnvelope, ListKindContributesItsItems) {
  ParseResult r = parse_manifests(R"(apiVersion: v1
kind: List
metadata: {}
items:
- apiVersion: v1
  kind: Service
  metadata: {name: a}
- apiVersion: v1
  kind: Service
  metadata: {namespace: x}
- apiVersion: gateway.networking.k8s.io/v1
  kind: Gateway
  metadata: {name: gw, namespace: infra}
- just a string
)",
                                  "list.yaml");
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[0].object.ref.to_string(), "Service/default/a");
  EXPECT_EQ(r.objects[1].object.ref.to_string(), "Gateway/infra/gw");
  EXPECT_EQ(at(r.objects[1].object.body, {"metadata", "name"}).mark().line, 13u);
  std::vector<std::string> errors;
  for (const auto& e : r.errors) errors.push_back(e.to_string());
  EXPECT_EQ(errors, (Errors{"list.yaml:10:13: items[1].metadata.name: missing required field",
                            "list.yaml:14:3: items[3]: a manifest must be a mapping, got string"}));

  EXPECT_TRUE(parse_ok("apiVersion: v1\nkind: List\nitems: []\n").empty());
  EXPECT_EQ(errors_of("apiVersion: v1\nkind: List\nitems: {a: b}\n"),
            (Errors{"f.yaml:3:8: items: expected a sequence, got mapping"}));
}

TEST(ManifestEnvelope, Json) {
  ParseResult r = parse_manifests(R"({
	"apiVersion": "v1",
	"kind": "List",
	"items": [
		{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "labels": {"x": "1"}},
		 "spec": {"ports": [{"port": 80, "name": "http"}], "ratio": 0.5, "on": true, "none": null}}
	]
}
)",
                                  "list.json");
  for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
  ASSERT_EQ(r.objects.size(), 1u);
  const Value& spec = *r.objects[0].object.spec();
  EXPECT_EQ(spec.find("ports")->as_list()->at(0).find("port")->as_int(), 80);
  EXPECT_EQ(spec.find("ratio")->as_double(), 0.5);
  EXPECT_EQ(spec.find("on")->as_bool(), true);
  EXPECT_TRUE(spec.find("none")->is_null());
  EXPECT_EQ(r.objects[0].object.labels.at("x"), "1");
  EXPECT_EQ(where(*spec.find("ports")), "6:22");  // a tab is one column
}

TEST(ManifestEnvelope, CrLfLineEndingsAndDirectives) {
  auto objs = parse_ok(
      "apiVersion: v1\r\nkind: Service\r\nmetadata:\r\n  name: a\r\n---\r\nkind: Service\r\n"
      "apiVersion: v1\r\nmetadata: {name: b}\r\n");
  ASSERT_EQ(objs.size(), 2u);
  EXPECT_EQ(objs[1].object.ref.name, "b");
  EXPECT_EQ(objs[1].object.body.mark().line, 6u);
  objs = parse_ok(
      "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n...\n%YAML 1.2\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: b}\n");
  ASSERT_EQ(objs.size(), 2u);
  EXPECT_EQ(at(objs[1].object.body, {"metadata", "name"}).mark().line, 9u);
}

// ---- scalars ----

TEST(ManifestScalars, CoreSchemaForPlainScalarsStringsForQuotedOnes) {
  auto objs = parse_ok(R"(apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  n1: null
  n2: ~
  n3:
  n4: NULL
  b1: true
  b2: False
  b3: TRUE
  yes_word: yes
  on_word: on
  i1: 42
  i2: -7
  i3: +3
  i4: 0o17
  i5: 0x1F
  i6: 9223372036854775807
  i7: 0777
  big: 9223372036854775808
  f1: 1.5
  f2: -.5
  f3: 1e3
  f4: .inf
  f5: -.Inf
  f6: .NaN
  f7: 2.
  f8: 1e400
  f9: -1e-400
  q1: "42"
  q2: 'true'
  q3: ""
  q4: "null"
  lit: |
    two
    lines
  folded: >-
    a
    b
  tagged: !!str 12
  version: 1.2.3
  date: 2024-01-01
  e_only: 1e
  hexish: 0xZZ
  dashed: -x
)");
  ASSERT_EQ(objs.size(), 1u);
  const Value& d = *objs[0].object.body.find("data");
  auto get = [&](const char* k) -> const Value& { return *d.find(k); };
  for (const char* k : {"n1", "n2", "n3", "n4"}) EXPECT_TRUE(get(k).is_null()) << k;
  EXPECT_EQ(get("b1"), Value(true));
  EXPECT_EQ(get("b2"), Value(false));
  EXPECT_EQ(get("b3"), Value(true));
  EXPECT_EQ(get("yes_word"), Value("yes"));
  EXPECT_EQ(get("on_word"), Value("on"));
  EXPECT_EQ(get("i1"), Value(42));
  EXPECT_EQ(get("i2"), Value(-7));
  EXPECT_EQ(get("i3"), Value(3));
  EXPECT_EQ(get("i4"), Value(15));
  EXPECT_EQ(get("i5"), Value(31));
  EXPECT_EQ(get("i6"), Value(int64_t{9223372036854775807}));
  EXPECT_EQ(get("i7"), Value(777));  // YAML 1.2: no legacy octal
  ASSERT_TRUE(get("big").is_double());
  EXPECT_DOUBLE_EQ(*get("big").as_double(), 9223372036854775808.0);
  EXPECT_EQ(get("f1"), Value(1.5));
  EXPECT_EQ(get("f2"), Value(-0.5));
  EXPECT_EQ(get("f3"), Value(1000.0));
  EXPECT_EQ(get("f4"), Value(HUGE_VAL));
  EXPECT_EQ(get("f5"), Value(-HUGE_VAL));
  ASSERT_TRUE(get("f6").is_double());
  EXPECT_TRUE(std::isnan(*get("f6").as_double()));
  EXPECT_EQ(get("f7"), Value(2.0));
  EXPECT_EQ(get("f8"), Value(HUGE_VAL));
  EXPECT_EQ(get("f9"), Value(-0.0));
  EXPECT_EQ(get("q1"), Value("42"));
  EXPECT_EQ(get("q2"), Value("true"));
  EXPECT_EQ(get("q3"), Value(""));
  EXPECT_EQ(get("q4"), Value("null"));
  EXPECT_EQ(get("lit"), Value("two\nlines\n"));
  EXPECT_EQ(get("folded"), Value("a b"));
  EXPECT_EQ(get("tagged"), Value("12"));
  EXPECT_EQ(get("version"), Value("1.2.3"));
  EXPECT_EQ(get("date"), Value("2024-01-01"));
  EXPECT_EQ(get("e_only"), Value("1e"));
  EXPECT_EQ(get("hexish"), Value("0xZZ"));
  EXPECT_EQ(get("dashed"), Value("-x"));
}

// ---- source marks ----

TEST(ManifestMarks, OneBasedLineAndColumnWithFileAcrossDocuments) {
  auto objs = parse_ok(R"(# leading comment
apiVersion: v1
kind: Service
metadata:
  name: first
spec:
  ports:
  - port: 80
    name: http
---
apiVersion: v1
kind: Service
metadata:
    name: second
)",
                       "dir/svc.yaml");
  ASSERT_EQ(objs.size(), 2u);
  const Value& b0 = objs[0].object.body;
  EXPECT_EQ(where(b0), "2:1");
  EXPECT_EQ(where(at(b0, {"metadata", "name"})), "5:9");
  const Value& port = objs[0].object.spec()->find("ports")->as_list()->at(0);
  EXPECT_EQ(where(port), "8:5");
  EXPECT_EQ(where(*port.find("name")), "9:11");
  ASSERT_TRUE(port.mark().file);
  EXPECT_EQ(*port.mark().file, "dir/svc.yaml");
  EXPECT_EQ(port.mark().to_string(), "dir/svc.yaml:8:5");
  const Value& b1 = objs[1].object.body;
  EXPECT_EQ(where(b1), "11:1");
  EXPECT_EQ(where(at(b1, {"metadata", "name"})), "14:11");
  // Every node of a file shares one file name.
  EXPECT_EQ(b0.mark().file.get(), b1.mark().file.get());
}

// ---- errors ----

TEST(ManifestErrors, SyntaxErrorCostsOnlyItsDocument) {
  ParseResult r = parse_manifests(R"(apiVersion: v1
kind: Service
metadata: {name: a}
---
apiVersion: v1
kind: Service
metadata:
  name: b
   oops: 1
---
apiVersion: v1
kind: Service
metadata: {name: c}
)",
                                  "f.yaml");
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[0].object.ref.name, "a");
  EXPECT_EQ(r.objects[1].object.ref.name, "c");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), "f.yaml:9:8: illegal map value");
}

TEST(ManifestErrors, SyntaxErrors) {
  EXPECT_EQ(errors_of("a: b\n  c: d\n"), (Errors{"f.yaml:2:4: illegal map value"}));
  EXPECT_EQ(errors_of("---\nspec: [1, 2\n"), (Errors{"f.yaml:3:1: end of sequence flow not found"}));
  EXPECT_EQ(errors_of("x: 1\n---\na: {b: c\n"),
            (Errors{"f.yaml:1:1: apiVersion: missing required field", "f.yaml:1:1: kind: missing required field",
                    "f.yaml:1:1: metadata.name: missing required field",
                    "f.yaml:4:1: end of map flow not found"}));  // yaml-cpp points at the end
  EXPECT_EQ(errors_of("a: *nowhere\n"), (Errors{"f.yaml:1:4: the referenced anchor is not defined"}));
}

TEST(ManifestErrors, NotAMapping) {
  EXPECT_EQ(errors_of("- a\n- b\n"), (Errors{"f.yaml:1:1: a manifest must be a mapping, got sequence"}));
  EXPECT_EQ(errors_of("---\njust text\n"), (Errors{"f.yaml:2:1: a manifest must be a mapping, got string"}));
  EXPECT_EQ(errors_of("42\n"), (Errors{"f.yaml:1:1: a manifest must be a mapping, got integer"}));
}

TEST(ManifestErrors, MissingFields) {
  EXPECT_EQ(errors_of("kind: Service\nmetadata: {name: a}\n"),
            (Errors{"f.yaml:1:1: apiVersion: missing required field"}));
  EXPECT_EQ(errors_of("apiVersion: v1\nmetadata: {name: a}\n"), (Errors{"f.yaml:1:1: kind: missing required field"}));
  EXPECT_EQ(errors_of("apiVersion: v1\nkind: Service\n"),
            (Errors{"f.yaml:1:1: metadata.name: missing required field"}));
  EXPECT_EQ(errors_of("apiVersion: v1\nkind: Service\nmetadata:\n  namespace: x\n"),
            (Errors{"f.yaml:4:3: metadata.name: missing required field"}));
  EXPECT_EQ(errors_of("apiVersion: v1\nkind: Service\nmetadata:\n  name:\n"),
            (Errors{"f.yaml:4:3: metadata.name: missing required field"}));
  EXPECT_EQ(errors_of("apiVersion: v1\nkind:\nmetadata: {name: a}\n"),
            (Errors{"f.yaml:1:1: kind: missing required field"}));
}

TEST(ManifestErrors, WrongTypes) {
  EXPECT_EQ(errors_of("apiVersion: 1\nkind: Service\nmetadata: {name: a}\n"),
            (Errors{"f.yaml:1:13: apiVersion: expected a string, got integer"}));
  EXPECT_EQ(errors_of("apiVersion: v1\nkind: [Service]\nmetadata: {name: a}\n"),
            (Errors{"f.yaml:2:7: kind: expected a string, got sequence"}));
  EXPECT_EQ(errors_of("apiVersion: v1\nkind: Service\nmetadata: a\n"),
            (Errors{"f.yaml:3:11: metadata: expected a mapping, got string"}));
  EXPECT_EQ(errors_of("apiVersion: v1\nkind: Service\nmetadata: {name: 12}\n"),
            (Errors{"f.yaml:3:18: metadata.name: expected a string, got integer"}));
  EXPECT_EQ(errors_of("apiVersion: v1\nkind: Service\nmetadata: {name: \"\"}\n"),
            (Errors{"f.yaml:3:18: metadata.name: must not be empty"}));
  EXPECT_EQ(errors_of("apiVersion: a/b/c\nkind: Service\nmetadata: {name: a}\n"),
            (Errors{"f.yaml:1:13: apiVersion: must be VERSION or GROUP/VERSION"}));
  EXPECT_EQ(errors_of("apiVersion: /v1\nkind: Service\nmetadata: {name: a}\n"),
            (Errors{"f.yaml:1:13: apiVersion: must be VERSION or GROUP/VERSION"}));
}

TEST(ManifestErrors, EveryEnvelopeErrorOfAnObjectAtOnce) {
  EXPECT_EQ(
      errors_of(R"(apiVersion: true
metadata:
  name: ok
  namespace: 7
  generation: one
  labels:
    a: 1
    b: "fine"
  annotations: [x]
)"),
      (Errors{"f.yaml:1:13: apiVersion: expected a string, got boolean", "f.yaml:1:1: kind: missing required field",
              "f.yaml:4:14: metadata.namespace: expected a string, got integer",
              "f.yaml:7:8: metadata.labels.a: expected a string, got integer",
              "f.yaml:9:16: metadata.annotations: expected a mapping, got sequence",
              "f.yaml:5:15: metadata.generation: expected an integer, got string"}));
  EXPECT_EQ(errors_of("apiVersion: v1\nkind: Service\nmetadata: {name: a, generation: -1}\n"),
            (Errors{"f.yaml:3:33: metadata.generation: must not be negative"}));
}

TEST(ManifestErrors, NonScalarKey) {
  EXPECT_EQ(errors_of("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  ? [a, b]\n  : c\n"),
            (Errors{"f.yaml:5:5: spec: mapping keys must be scalars"}));
}

TEST(ManifestErrors, RecursiveAliasAndAliasBomb) {
  EXPECT_EQ(errors_of("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: &x [*x]\n").size(), 1u);
  EXPECT_EQ(errors_of("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: &x [*x]\n")[0].substr(0, 14),
            "f.yaml:4:7: sp");
  std::string bomb = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 8; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", " : "") + prev;
    bomb += "]\n";
  }
  Errors errors = errors_of(bomb);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("document is too large once its aliases are expanded"), std::string::npos) << errors[0];
  // Aliases within reason are fine.
  auto objs = parse_ok("apiVersion: v1\nkind: Service\nmetadata: {name: a, labels: &l {x: y}}\nspec: {selector: *l}\n");
  ASSERT_EQ(objs.size(), 1u);
  EXPECT_EQ(at(objs[0].object.body, {"spec", "selector", "x"}), Value("y"));
}

TEST(ManifestErrors, DuplicateKeyWarnsAndTheLaterValueWins) {
  ParseResult r = parse_manifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nkind: Namespace\n", "f.yaml");
  EXPECT_TRUE(r.errors.empty());
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(r.objects[0].object.ref.to_string(), "Namespace/a");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].to_string(),
            "f.yaml:4:1: kind: duplicate key, the later value wins (first defined at line 2)");
}

TEST(ManifestErrors, DuplicateKeyInALargeMapping) {
  std::string text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n";
  for (int i = 0; i < 100; ++i) text += "  k" + std::to_string(i) + ": v" + std::to_string(i) + "\n";
  text += "  k7: again\n";
  ParseResult r = parse_manifests(text, "f.yaml");
  ASSERT_EQ(r.objects.size(), 1u);
  const Value& data = *r.objects[0].object.body.find("data");
  EXPECT_EQ(data.as_map()->size(), 100u);
  EXPECT_EQ(*data.find("k7"), Value("again"));
  EXPECT_EQ(data.as_map()->at(7).first, "k7");  // keeps the first position
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].to_string(),
            "f.yaml:105:3: data.k7: duplicate key, the later value wins (first defined at line 12)");
}

TEST(ManifestErrors, FileThatCannotBeRead) {
  ParseResult r = parse_manifest_file("/nonexistent/dir/x.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), "/nonexistent/dir/x.yaml: cannot read file: No such file or directory");
}

// ---- secrets ----

const char* kSecrets = R"(apiVersion: v1
kind: Secret
metadata: {name: tls, namespace: infra}
type: kubernetes.io/tls
data:
  tls.crt: Y2VydA==
  tls.key: |
    a2V5LWJ5dGVz
    LW1vcmU=
  empty: ""
  both: ZnJvbS1kYXRh
stringData:
  both: from-stringData
  plain: hello
---
apiVersion: v1
kind: Secret
metadata: {name: bad}
data:
  tls.crt: c2VjcmV0LXZhbHVl!
  short: c2VjcmV0LXZhbHV
  pad: Y===
  after: YQ==YQ==
  number: 12
stringData:
  listed: [a]
)";

TEST(Secrets, DecodesDataAndMergesStringData) {
  auto objs = parse_ok(kSecrets);
  ASSERT_EQ(objs.size(), 2u);
  std::vector<sdk::FieldError> errors;
  std::optional<sdk::Secret> s = secret_from(objs[0].object, errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->ref.to_string(), "Secret/infra/tls");
  EXPECT_EQ(s->type, "kubernetes.io/tls");
  EXPECT_EQ(s->data, (std::map<std::string, std::string>{{"tls.crt", "cert"},
                                                         {"tls.key", "key-bytes-more"},
                                                         {"empty", ""},
                                                         {"both", "from-stringData"},
                                                         {"plain", "hello"}}));
}

TEST(Secrets, InvalidDataIsReportedByPathWithoutTheValue) {
  auto objs = parse_ok(kSecrets);
  ASSERT_EQ(objs.size(), 2u);
  std::vector<sdk::FieldError> errors;
  EXPECT_FALSE(secret_from(objs[1].object, errors));
  EXPECT_EQ(strings(errors),
            (Errors{
                "data.tls.crt: invalid base64: illegal character at offset 16",
                "data.short: invalid base64: truncated at offset 12 (the length must be a multiple of 4)",
                "data.pad: invalid base64: misplaced padding at offset 1",
                "data.after: invalid base64: data after padding at offset 4",
                "data.number: expected a string, got integer",
                "stringData.listed: expected a string, got sequence",
            }));
  for (const auto& e : errors) {
    EXPECT_EQ(e.message.find("c2Vj"), std::string::npos);
    EXPECT_EQ(e.message.find("secret"), std::string::npos);
  }
}

TEST(Secrets, Base64Padding) {
  auto decode = [](const std::string& encoded) -> std::optional<std::string> {
    auto objs = parse_ok("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: \"" + encoded + "\"}\n");
    std::vector<sdk::FieldError> errors;
    auto s = secret_from(objs.at(0).object, errors);
    if (!s) return std::nullopt;
    return s->data.at("k");
  };
  EXPECT_EQ(decode("YQ=="), "a");
  EXPECT_EQ(decode("YWI="), "ab");
  EXPECT_EQ(decode("YWJj"), "abc");
  EXPECT_EQ(decode("YWJjZA=="), "abcd");
  EXPECT_EQ(decode(""), "");
  EXPECT_EQ(decode("YQ"), std::nullopt);  // Go's StdEncoding wants padding
  EXPECT_EQ(decode("YQ="), std::nullopt);
  EXPECT_EQ(decode("Y=Q="), std::nullopt);
  EXPECT_EQ(decode("YW Jj"), std::nullopt);
  EXPECT_EQ(decode("YW\\r\\nJj"), "abc");  // line breaks are ignored
}

TEST(Secrets, DefaultTypeAndNotASecret) {
  auto objs = parse_ok(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\n"
      "apiVersion: example.com/v1\nkind: Secret\nmetadata: {name: t}\n---\n"
      "apiVersion: v1\nkind: Secret\nmetadata: {name: u}\ntype: 3\ndata: []\n");
  ASSERT_EQ(objs.size(), 3u);
  std::vector<sdk::FieldError> errors;
  auto s = secret_from(objs[0].object, errors);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type, "Opaque");
  EXPECT_TRUE(s->data.empty());
  EXPECT_FALSE(secret_from(objs[1].object, errors));
  EXPECT_EQ(strings(errors), (Errors{"kind: not a core Secret"}));
  errors.clear();
  EXPECT_FALSE(secret_from(objs[2].object, errors));
  EXPECT_EQ(strings(errors),
            (Errors{"type: expected a string, got integer", "data: expected a mapping, got sequence"}));
}

TEST(Secrets, YamlErrorsDoNotQuoteSecretText) {
  Errors errors =
      errors_of("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: \"hunter2\\q\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "f.yaml:5:23: unknown escape character");
}

// ---- content hash ----

TEST(ContentHash, StableCanonicalAndSensitive) {
  auto a = parse_ok("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {x: 1, y: [true, null, 1.5, s]}\n");
  auto b = parse_ok(
      "# moved around\nmetadata:\n  name: a\nspec:\n  y: [true, ~, 1.5, \"s\"]\n  x: 1\n"
      "kind: Service\napiVersion: v1\n");
  auto c = parse_ok("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {x: 2, y: [true, null, 1.5, s]}\n");
  auto d = parse_ok("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {x: 1.0, y: [true, null, 1.5, s]}\n");
  EXPECT_EQ(a[0].hash, b[0].hash);  // key order and marks do not matter
  EXPECT_NE(a[0].hash, c[0].hash);
  EXPECT_NE(a[0].hash, d[0].hash);  // 1 and 1.0 are different values
  EXPECT_EQ(a[0].hash, content_hash(a[0].object.body));
  EXPECT_NE(content_hash(Value("ab")), content_hash(Value(Value::List{Value("a"), Value("b")})));
  EXPECT_NE(content_hash(Value(Value::List{Value("a"), Value("b")})),
            content_hash(Value(Value::List{Value("ab"), Value("")})));
  // Pinned, so a change of the rendering (which would re-version every object) is deliberate.
  EXPECT_EQ(content_hash(Value()), 0xaf63e34c8601f871ULL);
}

// ---- the reference cases ----

TEST(ManifestConformance, EveryReferenceInputParses) {
  const fs::path inputs = fs::path(KGW_SOURCE_DIR) / "../shared/conformance/kgateway/inputs";
  if (!fs::is_directory(inputs)) {
    const char* ci = std::getenv("CI");
    if (ci && std::string(ci) == "true") FAIL() << inputs << " is missing";
    GTEST_SKIP() << "no reference inputs at " << inputs;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(inputs))
    if (e.is_regular_file() && (e.path().extension() == ".yaml" || e.path().extension() == ".yml"))
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 100u);
  size_t objects = 0, secrets = 0;
  for (const auto& f : files) {
    ParseResult r = parse_manifest_file(f);
    for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
    objects += r.objects.size();
    for (const auto& o : r.objects) {
      if (o.object.ref.kind != "Secret") continue;
      std::vector<sdk::FieldError> errors;
      if (secret_from(o.object, errors)) ++secrets;
      for (const auto& e : errors) ADD_FAILURE() << f << ": " << o.object.ref.to_string() << ": " << e.to_string();
    }
  }
  EXPECT_GT(objects, files.size());
  EXPECT_GT(secrets, 0u);
}

}  // namespace
}  // namespace kgw::sources
