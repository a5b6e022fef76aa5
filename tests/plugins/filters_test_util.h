// What the filters plugin's tests share: the plugin loaded from its .so (KGW_FILTERS_PLUGIN), as
// kgw serve loads it, and a translation of manifests through it.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <variant>

#include "common/loaded_plugins.h"
#include "config/config.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"
#include "sources/manifest_parser.h"
#include "translator/translator.h"

namespace kgw::test_support {

// Gateway default/gw with one HTTP listener, and route `r` to Service `svc` (port 80) whose one
// rule names TrafficPolicy `policy` in an ExtensionRef filter; documents to add may follow.
inline constexpr const char* kGatewayRouteAndService = R"(
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
  - backendRefs: [{name: svc, port: 80}]
    filters:
    - type: ExtensionRef
      extensionRef: {group: gateway.kgateway.dev, kind: TrafficPolicy, name: policy}
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: default}
spec:
  ports: [{port: 80}]
---
)";

// Loaded once per test program; never unloaded, as in kgw serve.
inline const plugins::ExtensionRegistry& filters_registry() {
  static const auto& loaded = load_plugins({KGW_FILTERS_PLUGIN}, false);
  EXPECT_TRUE(loaded.errors.empty());
  return loaded.registry;
}

// Translates Gateway `ns/name` from the manifests in `yaml`, created in document order.
inline translator::Output translate_with_filters(const std::string& yaml, const std::string& ns = "default",
                                                 const std::string& name = "gw",
                                                 const config::TranslationSettings& settings = {}) {
  auto parsed = sources::parse_manifests(yaml, "test.yaml");
  EXPECT_TRUE(parsed.errors.empty());
  translator::Input input;
  int64_t t = 0;
  for (auto& p : parsed.objects) {
    p.object.creation_timestamp = ++t;
    input.objects.push_back(std::move(p.object));
  }
  return translator::translate_gateway(input, {"gateway.networking.k8s.io", "Gateway", ns, name}, settings,
                                       filters_registry());
}

}  // namespace kgw::test_support
