// The synthetic cluster the benchmarks share: one Gateway (HTTP :80, HTTPS :443 with a
// certificate Secret), N HTTPRoutes over 5 hostnames with 1 to 3 matches each, and N/2 Services
// with an EndpointSlice of 3 endpoints each, as YAML. Generated from a fixed seed, so every run
// produces the same cluster, and one route or one slice can be regenerated alone.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

namespace kgw::bench {

inline constexpr uint64_t kSeed = 0x6b67772d62656e63ULL;  // fixed: every run generates the same cluster
inline constexpr int kHostnames = 5;
inline constexpr size_t kNamespaces = 10;
inline constexpr int64_t kEpoch = 1700000000;  // creation timestamps: epoch + load order, as the dir source does
inline constexpr const char* kGatewayNs = "kgw-system";
inline constexpr const char* kGatewayName = "gw";

// splitmix64: tiny, and its output does not depend on the standard library's implementation.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }

 private:
  uint64_t state_;
};

struct Shape {
  size_t routes = 0;
  size_t services = 0;
  size_t matches = 0;  // over all routes
};

inline size_t service_count(size_t n) { return std::max<size_t>(1, n / 2); }
inline std::string service_name(size_t s) { return "svc-" + std::to_string(s); }
inline std::string namespace_of_service(size_t s) { return "team-" + std::to_string(s % kNamespaces); }
inline std::string num(size_t v) { return std::to_string(v); }

inline std::string fixed_objects_yaml() {
  return std::string(
             "apiVersion: gateway.networking.k8s.io/v1\n"
             "kind: GatewayClass\n"
             "metadata:\n"
             "  name: kgateway\n"
             "spec:\n"
             "  controllerName: kgateway.dev/kgateway\n"
             "---\n"
             "apiVersion: gateway.networking.k8s.io/v1\n"
             "kind: Gateway\n"
             "metadata:\n"
             "  name: ") +
         kGatewayName + "\n  namespace: " + kGatewayNs +
         "\n"
         "spec:\n"
         "  gatewayClassName: kgateway\n"
         "  listeners:\n"
         "  - name: http\n"
         "    protocol: HTTP\n"
         "    port: 80\n"
         "    allowedRoutes:\n"
         "      namespaces:\n"
         "        from: All\n"
         "  - name: https\n"
         "    protocol: HTTPS\n"
         "    port: 443\n"
         "    tls:\n"
         "      mode: Terminate\n"
         "      certificateRefs:\n"
         "      - kind: Secret\n"
         "        name: gw-cert\n"
         "    allowedRoutes:\n"
         "      namespaces:\n"
         "        from: All\n"
         "---\n"
         "apiVersion: v1\n"
         "kind: Secret\n"
         "metadata:\n"
         "  name: gw-cert\n"
         "  namespace: " +
         kGatewayNs +
         "\n"
         "type: kubernetes.io/tls\n"
         "stringData:\n"
         "  tls.crt: |\n"
         "    -----BEGIN CERTIFICATE-----\n"
         "    YmVuY2htYXJrIHBsYWNlaG9sZGVy\n"
         "    -----END CERTIFICATE-----\n"
         "  tls.key: |\n"
         "    -----BEGIN PRIVATE KEY-----\n"
         "    YmVuY2htYXJrIHBsYWNlaG9sZGVy\n"
         "    -----END PRIVATE KEY-----\n";
}

inline std::string service_yaml(size_t s) {
  const std::string name = service_name(s);
  return "apiVersion: v1\n"
         "kind: Service\n"
         "metadata:\n"
         "  name: " +
         name + "\n  namespace: " + namespace_of_service(s) +
         "\n"
         "spec:\n"
         "  selector:\n"
         "    app: " +
         name +
         "\n"
         "  ports:\n"
         "  - name: http\n"
         "    port: 8080\n"
         "    targetPort: 8080\n"
         "    protocol: TCP\n";
}

// `variant` != 0 moves the first endpoint to another address: the change the benchmark times.
inline std::string endpoint_slice_yaml(size_t s, int variant) {
  const std::string name = service_name(s);
  std::string y =
      "apiVersion: discovery.k8s.io/v1\n"
      "kind: EndpointSlice\n"
      "metadata:\n"
      "  name: " +
      name + "-x7k2p\n  namespace: " + namespace_of_service(s) +
      "\n"
      "  labels:\n"
      "    kubernetes.io/service-name: " +
      name +
      "\n"
      "addressType: IPv4\n"
      "endpoints:\n";
  for (size_t e = 0; e < 3; ++e) {
    const size_t host = s * 3 + e;
    const size_t first = (variant && e == 0) ? 11 : 10;
    y += "- addresses:\n  - " + num(first) + "." + num((host >> 16) & 255) + "." + num((host >> 8) & 255) + "." +
         num(host & 255) + "\n  conditions:\n    ready: true\n";
  }
  y += "ports:\n- name: http\n  port: 8080\n  protocol: TCP\n";
  return y;
}

// Route i sends to service i % services, in that service's namespace; its shape comes from its
// own seeded generator, so one route is regenerated alone. `variant` != 0 changes the first path.
inline std::string route_yaml(size_t i, size_t services, int variant, size_t* matches_out) {
  Rng rng(kSeed ^ (i * 0x2545f4914f6cdd1dULL));
  const size_t s = i % services;
  const std::string ri = "/r" + num(i);
  std::string y =
      "apiVersion: gateway.networking.k8s.io/v1\n"
      "kind: HTTPRoute\n"
      "metadata:\n"
      "  name: route-" +
      num(i) + "\n  namespace: " + namespace_of_service(s) +
      "\n"
      "spec:\n"
      "  parentRefs:\n"
      "  - name: " +
      kGatewayName + "\n    namespace: " + kGatewayNs +
      "\n"
      "  hostnames:\n"
      "  - app-" +
      num(rng.below(kHostnames)) +
      ".example.com\n"
      "  rules:\n"
      "  - matches:\n";
  const size_t matches = 1 + rng.below(3);
  for (size_t m = 0; m < matches; ++m) {
    std::string path = ri + "/m" + num(m);
    if (variant && m == 0) path += "-changed";
    switch (rng.below(3)) {
      case 0:
        y += "    - path:\n        type: PathPrefix\n        value: " + path + "\n";
        break;
      case 1:
        y += "    - path:\n        type: Exact\n        value: " + path + "/exact\n";
        break;
      default:
        y += "    - path:\n        type: PathPrefix\n        value: " + (variant && m == 0 ? path : ri) +
             "\n      headers:\n      - name: x-variant\n        value: v" + num(m) + "\n";
        break;
    }
  }
  y += "    backendRefs:\n    - name: " + service_name(s) + "\n      port: 8080\n";
  if (matches_out) *matches_out = matches;
  return y;
}

// A TrafficPolicy on route `i` (timeouts, a local rate limit, CORS and a response header), the
// kind of policy an operator puts on one route in ten.
inline std::string traffic_policy_yaml(size_t i, size_t services) {
  return "apiVersion: gateway.kgateway.dev/v1alpha1\n"
         "kind: TrafficPolicy\n"
         "metadata:\n"
         "  name: policy-" +
         num(i) + "\n  namespace: " + namespace_of_service(i % services) +
         "\n"
         "spec:\n"
         "  targetRefs:\n"
         "  - group: gateway.networking.k8s.io\n"
         "    kind: HTTPRoute\n"
         "    name: route-" +
         num(i) +
         "\n"
         "  timeouts:\n"
         "    request: 15s\n"
         "  rateLimit:\n"
         "    local:\n"
         "      tokenBucket:\n"
         "        maxTokens: 100\n"
         "        tokensPerFill: 10\n"
         "        fillInterval: 1s\n"
         "  cors:\n"
         "    allowOrigins:\n"
         "    - https://app-" +
         num(i % kHostnames) +
         ".example.com\n"
         "  headerModifiers:\n"
         "    response:\n"
         "      add:\n"
         "      - name: x-policy\n"
         "        value: p" +
         num(i) + "\n";
}

// A ListenerPolicy on the Gateway: buffer limit and HTTP connection manager settings.
inline std::string listener_policy_yaml() {
  return std::string(
             "apiVersion: gateway.kgateway.dev/v1alpha1\n"
             "kind: ListenerPolicy\n"
             "metadata:\n"
             "  name: gateway-defaults\n"
             "  namespace: ") +
         kGatewayNs +
         "\n"
         "spec:\n"
         "  targetRefs:\n"
         "  - group: gateway.networking.k8s.io\n"
         "    kind: Gateway\n"
         "    name: " +
         kGatewayName +
         "\n"
         "  default:\n"
         "    perConnectionBufferLimitBytes: 65536\n"
         "    httpSettings:\n"
         "      useRemoteAddress: true\n"
         "      xffNumTrustedHops: 1\n"
         "      serverHeaderTransformation: PassThrough\n";
}

// With `policies`, a TrafficPolicy on every tenth route and a ListenerPolicy on the Gateway
// (objects of the filters plugin).
inline std::string cluster_yaml(size_t n, Shape& shape, bool policies = false) {
  shape.routes = n;
  shape.services = service_count(n);
  std::string y = fixed_objects_yaml();
  y.reserve(n * 900);
  for (size_t s = 0; s < shape.services; ++s) {
    y += "---\n" + service_yaml(s);
    y += "---\n" + endpoint_slice_yaml(s, 0);
  }
  for (size_t i = 0; i < n; ++i) {
    size_t matches = 0;
    y += "---\n" + route_yaml(i, shape.services, 0, &matches);
    shape.matches += matches;
    if (policies && i % 10 == 0) y += "---\n" + traffic_policy_yaml(i, shape.services);
  }
  if (policies) y += "---\n" + listener_policy_yaml();
  return y;
}

}  // namespace kgw::bench
