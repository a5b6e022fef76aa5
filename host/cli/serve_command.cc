#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "admin/admin_server.h"
#include "admin/serve_routes.h"
#include "builtin/builtin_extensions.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "config/config.h"
#include "logging/logging.h"
#include "metrics/metrics.h"
#include "plugins/configured_plugins.h"
#include "serve/agentgateway_publisher.h"
#include "serve/control_loop.h"
#include "serve/xds_publisher.h"
#include "snapshot/agentgateway.h"
#include "snapshot/snapshot.h"
#include "sources/dir_source.h"
#include "xds/xds_server.h"

namespace kgw::cli {
namespace {

const char* const kUsage =
    R"(usage: kgw serve [--config FILE] [--log-level LEVEL] [--log-format text|json] [--plugin-dir DIR]

Runs the control plane until SIGTERM or SIGINT: watches the manifests of [source] paths,
translates every Gateway of kgateway's GatewayClasses, and writes each object's status to
[source] status_dir when set.

  --config FILE      the TOML configuration (default: conf/kgw.toml in the working directory,
                     else the project's own conf/kgw.toml)
  --log-level LEVEL  trace, debug, info, warn, error or off; overrides [server.log] level
  --log-format FMT   text or json; overrides [server.log] format
  --plugin-dir DIR   where plugins without a `path` are found (default: $KGW_PLUGIN_DIR, else
                     plugins/ next to the kgw executable)

Exits 2 without starting when the configuration is invalid or a required plugin is refused, 1
when the source cannot be watched.
)";

// What /debug/xds shows of one server: streams open, the Gateways published, and the NACKs per
// Gateway and type (with agentgateway's per-resource diagnostics).
void describe_server(const xds::XdsServer& server, const xds::SnapshotCache& cache, google::protobuf::Struct& out) {
  auto& fields = *out.mutable_fields();
  fields["streams"].set_number_value(static_cast<double>(server.streams()));
  auto* gateways = fields["gateways"].mutable_list_value();
  for (const auto& key : cache.keys()) gateways->add_values()->set_string_value(key);
  auto& nacks = *fields["nacks"].mutable_struct_value()->mutable_fields();
  for (const auto& [gateway, by_type] : server.nacks()) {
    auto& types = *nacks[gateway].mutable_struct_value()->mutable_fields();
    for (const auto& [type, record] : by_type) {
      auto& entry = *types[type].mutable_struct_value()->mutable_fields();
      entry["node"].set_string_value(record.node_id);
      entry["message"].set_string_value(record.message);
      entry["count"].set_number_value(static_cast<double>(record.count));
      if (record.diagnostics.empty()) continue;
      auto* items = entry["diagnostics"].mutable_list_value();
      for (const auto& d : record.diagnostics) {
        auto& item = *items->add_values()->mutable_struct_value()->mutable_fields();
        item["key"].set_string_value(d.key);
        item[d.error ? "error" : "warn"].set_string_value(d.message);
      }
    }
  }
}

// The Envoy server's figures at the top level; agentgateway's, when served, under "agentgateway".
std::string xds_debug_json(const xds::XdsServer& server, const xds::SnapshotCache& cache,
                           const xds::XdsServer* agentgateway_server, const xds::SnapshotCache& agentgateway_cache) {
  google::protobuf::Struct root;
  describe_server(server, cache, root);
  if (agentgateway_server)
    describe_server(*agentgateway_server, agentgateway_cache,
                    *(*root.mutable_fields())["agentgateway"].mutable_struct_value());
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(root, &json);
  return json;
}

// Where plugins' refresh requests (HostApi::refresh, from any of their threads) go: the control
// loop while it exists, nowhere before it is made or once it is going away.
class RefreshTarget {
 public:
  void set(serve::ControlLoop* loop) {
    std::lock_guard lock(mu_);
    loop_ = loop;
  }
  void refresh(const sdk::ObjectRef& object) {
    std::lock_guard lock(mu_);
    if (loop_) loop_->refresh(object);
  }

 private:
  std::mutex mu_;
  serve::ControlLoop* loop_ = nullptr;
};

// Detaches the loop from its RefreshTarget when it goes out of scope, before the loop does.
struct RefreshBinding {
  RefreshTarget& target;
  RefreshBinding(RefreshTarget& t, serve::ControlLoop& loop) : target(t) { target.set(&loop); }
  ~RefreshBinding() { target.set(nullptr); }
  RefreshBinding(const RefreshBinding&) = delete;
  RefreshBinding& operator=(const RefreshBinding&) = delete;
};

std::filesystem::path default_config() {
  std::filesystem::path local = "conf/kgw.toml";
  std::error_code ec;
  if (std::filesystem::exists(local, ec)) return local;
  return KGW_DEFAULT_CONFIG;
}

}  // namespace

int serve_command(int argc, char** argv, int first) {
  std::string error;
  ArgSpec spec{{"--config", "-c", "--log-level", "--log-format", "--plugin-dir"}, {}, {"--help", "-h"}};
  auto args = parse_args(argc, argv, first, spec, error);
  if (!args) {
    std::fprintf(stderr, "kgw serve: %s\n\n%s", error.c_str(), kUsage);
    return kExitUsage;
  }
  if (args->has("--help") || args->has("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (!args->positional.empty()) {
    std::fprintf(stderr, "kgw serve: unexpected argument '%s'\n\n%s", args->positional[0].c_str(), kUsage);
    return kExitUsage;
  }

  // gRPC's threads would each get a malloc arena that keeps what a burst of responses freed; two
  // arenas and a low trim threshold give it back (server memory per connected proxy, measured
  // with tests/bench/xds_bench: 1.9 MB -> 0.7 MB).
  mallopt(M_ARENA_MAX, 2);
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
  // Blocks of up to 32 MB (a translation's per-route state, snapshot buffers) come from the arenas
  // rather than from mmap: an mmapped block is unmapped when freed, and the next translation paid
  // a page fault for every page again (10,000 routes, tests/bench/xds_bench: translation of a
  // one-route change 28 ms -> 14 ms; memory per connected proxy unchanged).
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);

  // Signals are taken synchronously by the main thread; block them before any thread starts so
  // every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::filesystem::path config_file =
      args->get("--config").value_or(args->get("-c").value_or(default_config().string()));
  auto loaded = config::load_config_file(config_file);
  if (!loaded.config) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "kgw serve: %s\n", e.to_string().c_str());
    std::fprintf(stderr, "kgw serve: %zu error(s) in %s; not starting\n", loaded.errors.size(), config_file.c_str());
    return kExitUsage;
  }
  config::Config& cfg = *loaded.config;

  logging::Options log_options{cfg.server.log.level, cfg.server.log.format, cfg.server.log.components};
  if (auto level = args->get("--log-level")) {
    if (!logging::parse_level(*level)) {
      std::fprintf(stderr, "kgw serve: --log-level: unknown level '%s'\n", level->c_str());
      return kExitUsage;
    }
    log_options.level = *level;
  }
  if (auto format = args->get("--log-format")) {
    if (*format != "text" && *format != "json") {
      std::fprintf(stderr, "kgw serve: --log-format: expected text or json, got '%s'\n", format->c_str());
      return kExitUsage;
    }
    log_options.format = *format;
  }
  logging::configure(log_options);
  auto log = logging::get("host");
  log->info("kgw {} starting with {}", KGW_VERSION, std::filesystem::absolute(cfg.file).lexically_normal().string());

  const std::filesystem::path plugin_dir =
      args->get("--plugin-dir") ? std::filesystem::path(*args->get("--plugin-dir")) : plugins::default_plugin_dir();
  auto refresh_target = std::make_shared<RefreshTarget>();
  auto host_services = std::make_shared<plugins::HostServices>();
  host_services->refresh = [refresh_target](const std::string&, const sdk::ObjectRef& object) {
    refresh_target->refresh(object);
  };
  plugins::PluginLoader loader(host_services);
  plugins::ExtensionRegistry registry;
  builtin::register_builtin_extensions(registry);
  auto plugin_set = plugins::load_configured_plugins(cfg, plugin_dir, loader, registry);
  if (plugin_set.fatal) {
    for (const auto& e : plugin_set.errors) std::fprintf(stderr, "kgw serve: %s\n", e.c_str());
    std::fprintf(stderr, "kgw serve: a required plugin was refused; not starting\n");
    return kExitUsage;
  }
  log->info("{} plugin(s) loaded, {} refused", plugin_set.loaded.size(), plugin_set.errors.size());

  // Snapshots flow from the loop's translations to the xDS server through the cache.
  metrics::Registry& metrics = metrics::default_registry();
  xds::SnapshotCache cache;
  serve::XdsPublisher publisher(cache, metrics);
  xds::ServerOptions xds_options;
  xds_options.address = cfg.server.xds_address;
  xds_options.port = cfg.server.xds_port;
  xds_options.wildcard_types = {std::string(snapshot::kClusterType), std::string(snapshot::kListenerType)};
  // A proxy's NACK shows on its Gateway's status until the proxy accepts that type again.
  serve::ProxyRejections rejections;
  serve::ControlLoop* loop_for_reports = nullptr;  // set once the loop exists, before it starts
  std::mutex reports_mu;                           // reports from several gRPC threads reach the status in their order
  auto report_to_status = [&rejections, &loop_for_reports, &reports_mu](const xds::ProxyReport& report) {
    auto gateway = serve::gateway_of_key(report.gateway_key);
    if (!gateway || !loop_for_reports) return;
    std::lock_guard lock(reports_mu);
    loop_for_reports->set_proxy_condition(*gateway, rejections.report(report));
  };
  xds_options.on_report = report_to_status;

  serve::ControlLoopOptions loop_options;
  loop_options.settings = cfg.translation;
  loop_options.status_dir = cfg.source.status_dir;
  loop_options.on_publish = [&publisher](const serve::GatewayOutputs& outputs, const std::set<sdk::ObjectRef>& changed,
                                         std::chrono::steady_clock::time_point taken) {
    publisher.publish(outputs, changed, taken);
  };
  loop_options.on_ready = [log] { log->info("serving; send SIGTERM or SIGINT to stop"); };
  // agentgateway proxies have their own cache and server, published from the same loop. Until
  // the first translation each proxy gets an empty answer, so it becomes ready.
  xds::SnapshotCache agentgateway_cache;
  serve::AgentgatewayPublisher agentgateway_publisher(agentgateway_cache);
  if (cfg.server.agentgateway)
    loop_options.on_agentgateway = [&agentgateway_publisher](const agw::Output& output) {
      agentgateway_publisher.publish(output);
    };
  serve::ControlLoop loop(std::move(loop_options), registry);
  loop_for_reports = &loop;
  RefreshBinding refresh_binding(*refresh_target, loop);
  xds::XdsServer xds_server(std::move(xds_options), cache, metrics);
  if (auto status = xds_server.start(); !status) {
    std::fprintf(stderr, "kgw serve: %s\n", status.message().c_str());
    return kExitRuntime;
  }

  std::optional<xds::XdsServer> agentgateway_server;
  if (cfg.server.agentgateway) {
    auto options = xds::agentgateway_server_options(cfg.server.xds_address, cfg.server.agentgateway_xds_port);
    options.on_report = report_to_status;
    agentgateway_server.emplace(std::move(options), agentgateway_cache, metrics);
    if (auto status = agentgateway_server->start(); !status) {
      std::fprintf(stderr, "kgw serve: %s\n", status.message().c_str());
      return kExitRuntime;
    }
  }

  admin::AdminServer admin_server(cfg.server.admin_address, cfg.server.admin_port);
  admin::add_serve_routes(admin_server, loop, metrics);
  admin_server.handle(
      "/debug/xds", [&xds_server, &cache, &agentgateway_server, &agentgateway_cache](const admin::Request&) {
        return admin::Response{200, "application/json",
                               xds_debug_json(xds_server, cache, agentgateway_server ? &*agentgateway_server : nullptr,
                                              agentgateway_cache)};
      });
  if (auto status = admin_server.start(); !status) {
    std::fprintf(stderr, "kgw serve: %s\n", status.message().c_str());
    return kExitRuntime;
  }
  log->info("admin endpoint on {}:{} (/healthz /readyz /metrics /debug/snapshot /debug/status /debug/xds)",
            cfg.server.admin_address, admin_server.port());

  if (auto status = loop.start(); !status) {
    std::fprintf(stderr, "kgw serve: %s\n", status.message().c_str());
    return kExitRuntime;
  }
  sources::DirSource source(
      sources::DirSourceOptions{cfg.source.paths, std::chrono::milliseconds(cfg.source.debounce_ms)});
  if (auto status = source.start(loop.consumer()); !status) {
    std::fprintf(stderr, "kgw serve: %s\n", status.message().c_str());
    loop.stop();
    return kExitRuntime;
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log->info("received {}, shutting down", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  // The source first, so no update arrives at a stopped loop.
  source.stop();
  xds_server.stop();
  if (agentgateway_server) agentgateway_server->stop();
  loop.stop();
  admin_server.stop();
  log->info("stopped");
  return kExitOk;
}

}  // namespace kgw::cli
