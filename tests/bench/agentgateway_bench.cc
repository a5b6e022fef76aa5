// agentgateway benchmark: R routes (HTTP to Services, to MCP backends and to AI backends, in
// turn) across G Gateways of agentgateway's class, P agentgateway-like proxies connected over
// delta ADS (P/G per Gateway). It writes the manifests into a temporary directory, one file per
// HTTPRoute, starts `kgw serve` with agentgateway serving on and the ai-mcp-a2a plugin loaded,
// waits until every proxy has its Gateway's resources, then changes one route at a time (a
// different Gateway each round) and measures:
// - for each proxy of the changed route's Gateway, the time from the file change to the delta
//   that carries the new route (p50, p99, max over every round);
// - the size of that delta (resources and bytes): only what changed is sent;
// - that proxies of the other Gateways receive nothing.
// The proxies behave as agentgateway's does: wildcard subscriptions to both type URLs, the role
// `<ns>~<gateway>`, an ACK for every response.
//
// A program, not a test: nothing here fails on slowness. It exits non-zero only when something is
// functionally wrong (the server does not start, a proxy never gets its configuration or the
// change, a proxy of another Gateway gets a push), so the smoke ctest (`--quick`) keeps it from
// rotting.
//
// Usage: agentgateway_bench --kgw PATH --plugin PATH [--routes R] [--gateways G] [--proxies P]
//                           [--rounds N] [--quick]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "agentgateway/dev/resource/resource.pb.h"
#include "bench_process.h"
#include "envoy/service/discovery/v3/ads.grpc.pb.h"

namespace {

using namespace kgw::bench;
namespace discovery = envoy::service::discovery::v3;

constexpr const char* kAdp = "type.googleapis.com/agentgateway.dev.resource.Resource";
constexpr const char* kAddress = "type.googleapis.com/istio.workload.Address";
constexpr const char* kNs = "bench";
constexpr int kSourceDebounceMs = 10;  // [source] debounce_ms given to kgw serve
constexpr double kTargetP99Ms = 50;

std::string gateway_name(size_t g) { return "gw-" + std::to_string(g); }
fs::path route_file(const fs::path& dir, size_t i) { return dir / ("route-" + std::to_string(i) + ".yaml"); }

// Route i: on Gateway i % G, to a Service, an MCP backend or an AI backend in turn; `version`
// goes into its path, so a change is visible in the route resource.
std::string route(size_t i, size_t gateways, int version) {
  const std::string n = std::to_string(i);
  std::string ref;
  switch (i % 3) {
    case 0:
      ref = "    - name: svc-" + std::to_string(i % 100) + "\n      port: 80\n";
      break;
    case 1:
      ref = "    - name: mcp-" + std::to_string(i % 10) +
            "\n      group: agentgateway.dev\n      kind: AgentgatewayBackend\n";
      break;
    default:
      ref = "    - name: ai-" + std::to_string(i % 10) +
            "\n      group: agentgateway.dev\n      kind: AgentgatewayBackend\n";
  }
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: route-" + n +
         "\n  namespace: " + kNs + "\nspec:\n  parentRefs:\n  - name: " + gateway_name(i % gateways) +
         "\n  hostnames: [r" + n +
         ".example.com]\n  rules:\n  - matches:\n    - path:\n        type: PathPrefix\n"
         "        value: /r" +
         n + "/v" + std::to_string(version) + "\n    backendRefs:\n" + ref;
}

void write_manifests(const fs::path& dir, size_t routes, size_t gateways) {
  fs::create_directories(dir);
  std::string fixed =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: agentgateway\nspec:\n"
      "  controllerName: agentgateway.dev/agentgateway\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: " +
      std::string(kNs) + "\n";
  for (size_t g = 0; g < gateways; ++g)
    fixed += "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: " + gateway_name(g) +
             "\n  namespace: " + kNs +
             "\nspec:\n  gatewayClassName: agentgateway\n  listeners:\n  - name: http\n    port: 8080\n"
             "    protocol: HTTP\n";
  for (size_t s = 0; s < 100; ++s)
    fixed += "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-" + std::to_string(s) +
             "\n  namespace: " + kNs + "\nspec:\n  ports:\n  - port: 80\n";
  for (size_t b = 0; b < 10; ++b) {
    const std::string n = std::to_string(b);
    fixed += "---\napiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayBackend\nmetadata:\n  name: mcp-" + n +
             "\n  namespace: " + kNs +
             "\nspec:\n  mcp:\n    targets:\n    - name: tools\n      static:\n        host: mcp-" + n +
             ".example.com\n        port: 8000\n        protocol: StreamableHTTP\n";
    fixed += "---\napiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayBackend\nmetadata:\n  name: ai-" + n +
             "\n  namespace: " + kNs +
             "\nspec:\n  ai:\n    provider:\n      openai:\n        model: gpt-4o-mini\n  policies:\n    auth:\n"
             "      passthrough: {}\n";
  }
  write_file(dir / "fixed.yaml", fixed);
  for (size_t i = 0; i < routes; ++i) write_file(route_file(dir, i), route(i, gateways, 0));
}

// One proxy: a delta ADS stream on its own thread that ACKs everything and notes what arrives.
class Proxy {
 public:
  Proxy(std::shared_ptr<grpc::Channel> channel, std::string gateway)
      : stub_(discovery::AggregatedDiscoveryService::NewStub(channel)), gateway_(std::move(gateway)) {}
  ~Proxy() { stop(); }

  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    ctx_.TryCancel();
    if (thread_.joinable()) thread_.join();
  }

  const std::string& gateway() const { return gateway_; }
  // Waits until the proxy holds at least `count` resources; false on timeout.
  bool wait_resources(size_t count, Clock::duration timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return held_ >= count || failed_; }) && !failed_;
  }
  // Waits until a delta carrying a resource whose name contains `needle` arrives; its time and
  // size, or nullopt on timeout.
  struct Arrival {
    Clock::time_point at;
    size_t resources = 0, bytes = 0;
  };
  std::optional<Arrival> wait_for(const std::string& needle, Clock::duration timeout) {
    std::unique_lock lock(mu_);
    std::optional<Arrival> found;
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& [names, arrival] : log_)
        for (const auto& name : names)
          if (name.find(needle) != std::string::npos) return (found = arrival), true;
      return failed_;
    });
    return found;
  }
  // Pushes received since the last call.
  size_t take_pushes() {
    std::lock_guard lock(mu_);
    const size_t n = log_.size();
    log_.clear();
    return n;
  }

 private:
  void run() {
    auto stream = stub_->DeltaAggregatedResources(&ctx_);
    for (const char* type : {kAddress, kAdp}) {
      discovery::DeltaDiscoveryRequest request;
      request.mutable_node()->set_id("agentgateway~127.0.0.1~" + gateway_ + ".bench~bench.svc.cluster.local");
      (*request.mutable_node()->mutable_metadata()->mutable_fields())["role"].set_string_value(std::string(kNs) + "~" +
                                                                                               gateway_);
      request.set_type_url(type);
      if (!stream->Write(request)) break;
    }
    discovery::DeltaDiscoveryResponse response;
    while (stream->Read(&response)) {
      const auto at = Clock::now();
      discovery::DeltaDiscoveryRequest ack;
      ack.set_type_url(response.type_url());
      ack.set_response_nonce(response.nonce());
      {
        std::lock_guard lock(mu_);
        if (response.type_url() == kAdp) {
          held_ += static_cast<size_t>(response.resources_size());
          held_ -= std::min(held_, static_cast<size_t>(response.removed_resources_size()));
          std::vector<std::string> names;
          for (const auto& r : response.resources()) names.push_back(r.name());
          if (initial_done_)
            log_.push_back(
                {std::move(names), {at, static_cast<size_t>(response.resources_size()), response.ByteSizeLong()}});
          initial_done_ = true;
        }
      }
      cv_.notify_all();
      if (!stream->Write(ack)) break;
    }
    std::lock_guard lock(mu_);
    failed_ = true;
    cv_.notify_all();
  }

  std::unique_ptr<discovery::AggregatedDiscoveryService::Stub> stub_;
  std::string gateway_;
  grpc::ClientContext ctx_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t held_ = 0;
  bool initial_done_ = false, failed_ = false;
  std::vector<std::pair<std::vector<std::string>, Arrival>> log_;
};

struct Options {
  std::string kgw, plugin;
  size_t routes = 1000, gateways = 10, proxies = 100, rounds = 10;
  bool quick = false;
};

int run(const Options& o) {
  std::string dir_template = (fs::temp_directory_path() / "agentgateway_bench.XXXXXX").string();
  if (!::mkdtemp(dir_template.data())) throw std::runtime_error("cannot create a temporary directory");
  const fs::path dir = dir_template, manifests = dir / "manifests", config = dir / "kgw.toml", log = dir / "kgw.log";
  write_manifests(manifests, o.routes, o.gateways);
  const auto ports = free_ports(3);
  write_file(config, "[server]\nxds_address = \"127.0.0.1\"\nxds_port = " + std::to_string(ports[0]) +
                         "\nagentgateway = true\nagentgateway_xds_port = " + std::to_string(ports[2]) +
                         "\nadmin_address = \"127.0.0.1\"\nadmin_port = " + std::to_string(ports[1]) +
                         "\n[server.log]\nlevel = \"warn\"\n[source]\nkind = \"dir\"\ndebounce_ms = " +
                         std::to_string(kSourceDebounceMs) + "\npaths = [\"" + manifests.string() +
                         "\"]\n[[plugins]]\nname = \"ai-mcp-a2a\"\npath = \"" + fs::absolute(o.plugin).string() +
                         "\"\nrequired = true\n");
  int rc = 0;
  {
    const auto spawned = Clock::now();
    ServerProcess server(o.kgw, config, log);
    bool ready = false;
    while (!ready && server.running() && Clock::now() - spawned < 180s) {
      auto reply = http_get(ports[1], "/readyz");
      ready = reply && reply->first == 200;
      if (!ready) std::this_thread::sleep_for(5ms);
    }
    if (!ready) {
      std::fprintf(stderr, "kgw %s; its log ends:\n%s", server.running() ? "was not ready within 180 s" : "exited",
                   tail(log, 20).c_str());
      std::error_code ec;
      fs::remove_all(dir, ec);
      return 1;
    }
    std::printf("routes %zu, Gateways %zu, proxies %zu; start-up to ready %.0f ms\n", o.routes, o.gateways, o.proxies,
                ms_between(spawned, Clock::now()));

    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (size_t c = 0; c < (o.proxies + 99) / 100; ++c) {
      args.SetInt("kgw.bench.channel", static_cast<int>(c));  // separate connections
      channels.push_back(
          grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(ports[2]), grpc::InsecureChannelCredentials(), args));
    }
    std::vector<std::unique_ptr<Proxy>> proxies;
    for (size_t p = 0; p < o.proxies; ++p)
      proxies.push_back(std::make_unique<Proxy>(channels[p / 100], gateway_name(p % o.gateways)));
    const auto connect_started = Clock::now();
    for (auto& p : proxies) p->start();
    // Each Gateway holds a bind, a listener and its routes at least.
    const size_t per_gateway = 2 + o.routes / o.gateways;
    size_t not_ready = 0;
    for (auto& p : proxies)
      if (!p->wait_resources(per_gateway, o.quick ? 60s : 300s)) ++not_ready;
    std::printf("every proxy with its Gateway's resources after %.0f ms%s\n", ms_between(connect_started, Clock::now()),
                not_ready ? " (some never were)" : "");
    if (not_ready) {
      std::fprintf(stderr, "%zu proxies never got their Gateway's resources; kgw's log ends:\n%s", not_ready,
                   tail(log, 10).c_str());
      rc = 1;
    }
    std::this_thread::sleep_for(300ms);
    for (auto& p : proxies) p->take_pushes();

    std::vector<double> latencies;
    size_t max_resources = 0, max_bytes = 0, missed = 0, stray = 0;
    for (size_t round = 0; rc == 0 && round < o.rounds; ++round) {
      const size_t i = (round * (o.gateways + 1)) % o.routes;  // on Gateway round % G: a different one each round
      const std::string gateway = gateway_name(i % o.gateways);
      const fs::path file = route_file(manifests, i), tmp = manifests / ".change.tmp";
      write_file(tmp, route(i, o.gateways, static_cast<int>(round) + 1));
      const auto changed = Clock::now();
      fs::rename(tmp, file);
      const std::string needle = "route-" + std::to_string(i) + ".";
      for (auto& p : proxies) {
        if (p->gateway() != gateway) continue;
        auto arrival = p->wait_for(needle, 10s);
        if (!arrival) {
          ++missed;
          continue;
        }
        latencies.push_back(ms_between(changed, arrival->at));
        max_resources = std::max(max_resources, arrival->resources);
        max_bytes = std::max(max_bytes, arrival->bytes);
      }
      std::this_thread::sleep_for(100ms);  // anything else the change causes arrives
      for (auto& p : proxies) {
        const size_t pushes = p->take_pushes();
        if (p->gateway() != gateway) stray += pushes;
      }
    }
    for (auto& p : proxies) p->stop();
    std::sort(latencies.begin(), latencies.end());
    std::printf(
        "one route changed (%zu rounds, %zu samples): p50 %.1f ms, p99 %.1f ms, max %.1f ms"
        " (includes the %d ms debounce of the dir source)\n",
        o.rounds, latencies.size(), percentile(latencies, 0.5), percentile(latencies, 0.99),
        latencies.empty() ? NAN : latencies.back(), kSourceDebounceMs);
    std::printf("delta per changed route: at most %zu resource(s), %zu bytes; pushes to other Gateways' proxies: %zu\n",
                max_resources, max_bytes, stray);
    if (!o.quick && o.routes >= 1000 && o.proxies >= 100)
      std::printf("target p99 < %.0f ms: %s\n", kTargetP99Ms,
                  percentile(latencies, 0.99) < kTargetP99Ms ? "met" : "NOT met");
    if (missed || stray) {
      std::fprintf(stderr, "%zu proxies missed a change, %zu pushes went to unaffected proxies\n", missed, stray);
      rc = 1;
    }
    if (!server.running()) {
      std::fprintf(stderr, "kgw exited during the run; its log ends:\n%s", tail(log, 20).c_str());
      rc = 1;
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return rc;
}

int usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: agentgateway_bench --kgw PATH --plugin PATH [--routes R] [--gateways G] [--proxies P] "
               "[--rounds N] [--quick]\n");
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    auto number = [&](size_t& out) {
      const std::string v = value();
      out = std::strtoul(v.c_str(), nullptr, 10);
      return out > 0;
    };
    if (a == "--kgw") {
      o.kgw = value();
    } else if (a == "--plugin") {
      o.plugin = value();
    } else if (a == "--routes" || a == "--gateways" || a == "--proxies" || a == "--rounds") {
      size_t& field = a == "--routes"     ? o.routes
                      : a == "--gateways" ? o.gateways
                      : a == "--proxies"  ? o.proxies
                                          : o.rounds;
      if (!number(field)) return usage(2);
    } else if (a == "--quick") {
      o.quick = true;
      o.routes = 60;
      o.gateways = 3;
      o.proxies = 6;
      o.rounds = 3;
    } else if (a == "--help" || a == "-h") {
      return usage(0);
    } else {
      return usage(2);
    }
  }
  if (o.kgw.empty() || o.plugin.empty()) return usage(2);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentgateway_bench: %s\n", e.what());
    return 1;
  }
}
