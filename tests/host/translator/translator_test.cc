#include "translator/translator.h"

#include <gtest/gtest.h>

#include "sources/manifest_parser.h"

namespace kgw::translator {
namespace {

Input input_from(const std::string& yaml) {
  auto parsed = sources::parse_manifests(yaml, "test.yaml");
  EXPECT_TRUE(parsed.errors.empty());
  Input input;
  int64_t t = 0;
  for (auto& p : parsed.objects) {
    p.object.creation_timestamp = ++t;
    input.objects.push_back(std::move(p.object));
  }
  return input;
}

// A route attached through two parentRefs (one per listener section on the same port) is built
// once: its weighted clusters are not repeated, and a missing backend is reported on both parents.
TEST(TranslateGateway, ARouteWithTwoParentsIsBuiltOnce) {
  const Input input = input_from(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: kgateway
  listeners:
  - {name: a, protocol: HTTP, port: 80, hostname: a.example.com}
  - {name: b, protocol: HTTP, port: 80, hostname: b.example.com}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs:
  - {name: gw, sectionName: a}
  - {name: gw, sectionName: b}
  rules:
  - backendRefs:
    - {name: svc, port: 80, weight: 3}
    - {name: missing, port: 80, weight: 1}
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec:
  ports: [{port: 80}]
)");
  config::TranslationSettings settings;
  plugins::ExtensionRegistry registry;
  Output out = translate_gateway(input, {"gateway.networking.k8s.io", "Gateway", "default", "gw"}, settings, registry);

  ASSERT_EQ(out.routes.size(), 1u);
  const auto& rc = out.routes[0];
  ASSERT_EQ(rc.virtual_hosts_size(), 2);
  for (const auto& vh : rc.virtual_hosts()) {
    ASSERT_EQ(vh.routes_size(), 1);
    const auto& weighted = vh.routes(0).route().weighted_clusters();
    ASSERT_EQ(weighted.clusters_size(), 2) << vh.name();
    EXPECT_EQ(weighted.clusters(0).name(), "kube_default_svc_80");
    EXPECT_EQ(weighted.clusters(0).weight().value(), 3u);
    EXPECT_EQ(weighted.clusters(1).name(), "blackhole-cluster");
  }

  const auto& parents = *out.statuses.at("httpRoutes").at("default/r").find("parents")->as_list();
  ASSERT_EQ(parents.size(), 2u);
  for (const auto& parent : parents) {
    const auto& first = (*parent.find("conditions")->as_list())[0];
    EXPECT_EQ(*first.find("type")->as_string(), "ResolvedRefs");
    EXPECT_EQ(*first.find("reason")->as_string(), "BackendNotFound");
    EXPECT_EQ(*first.find("message")->as_string(), "Service default/missing not found");
  }
}

}  // namespace
}  // namespace kgw::translator
