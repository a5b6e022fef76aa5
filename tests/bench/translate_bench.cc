// Translation benchmark (the performance section of the translator's acceptance criteria): a
// synthetic cluster of one Gateway (HTTP :80, HTTPS :443 with a certificate Secret), N HTTPRoutes
// over 5 hostnames with 1 to 3 matches each, and N/2 Services with an EndpointSlice of 3
// endpoints each, written as YAML and read with the manifest parser. Per N it prints the full
// translation time, the time to a new output after one HTTPRoute and after one EndpointSlice
// change, peak RSS, the output's size and the time merely to serialize it (the floor), then the
// targets for N = 10,000 and whether each is met, and one `RESULT` line per N for scripts.
//
// A program, not a test: nothing here fails on slowness. It exits non-zero only when the
// translation output is not what the generated cluster must produce, so the smoke ctest
// (`--n 100 --quick`) keeps it from rotting.
//
// With `--policies PLUGIN.so` (the filters plugin), each N is measured twice, with the plugin loaded
// both times: as above, and with a TrafficPolicy on every tenth route and a ListenerPolicy on the
// Gateway; the report ends with the cost of those policies (target: within 1.5x).
//
// Usage: translate_bench [--n N[,N...]] [--max-n N] [--runs R] [--quick] [--no-fork] [--policies PLUGIN.so]
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "builtin/builtin_extensions.h"
#include "common/output_difference.h"
#include "config/config.h"
#include "plugins/extension_registry.h"
#include "plugins/plugin_loader.h"
#include "sources/manifest_parser.h"
#include "synthetic_cluster.h"
#include "translator/endpoints.h"
#include "translator/translator.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace translator = kgw::translator;
using namespace kgw::bench;

// The targets for N = 10,000.
constexpr size_t kTargetN = 10000;
constexpr double kTargetFullMs = 1000, kTargetRouteMs = 20, kTargetEndpointMs = 2, kTargetRssMb = 300, kTargetRatio = 5;
// Translation with policies on every tenth route and on the Gateway, against without them.
constexpr double kTargetPolicyRatio = 1.5;

// ---- measuring ----

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// A line of /proc/self/status in MB ("VmHWM", "VmRSS"); nullopt when unreadable.
std::optional<double> proc_status_mb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) return std::strtod(line.c_str() + prefix.size(), nullptr) / 1024.0;
  return std::nullopt;
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double ru_maxrss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // kB on Linux
}

// Resets the peak-RSS mark, so the peak measured afterwards leaves out the YAML parse.
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

size_t memavailable_mb() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("MemAvailable:", 0) == 0) return std::strtoull(line.c_str() + 13, nullptr, 10) / 1024;
  return 0;
}

struct Serialized {
  size_t bytes = 0;
  size_t digest = 0;  // of the route configurations, to see that a change reached the output
};

template <typename Vec>
void serialize_all(const Vec& resources, Serialized& s, bool digest) {
  for (const auto& r : resources) {
    std::string bytes = r.SerializeAsString();
    s.bytes += bytes.size();
    if (digest) s.digest = s.digest * 1000003 ^ std::hash<std::string>{}(bytes);
  }
}

Serialized serialize(const translator::Output& out) {
  Serialized s;
  serialize_all(out.clusters, s, false);
  serialize_all(out.listeners, s, false);
  serialize_all(out.routes, s, true);
  serialize_all(out.endpoints, s, false);
  serialize_all(out.extra_clusters, s, false);
  return s;
}

// Plain data, so a forked child hands it back through a pipe.
struct Result {
  size_t n = 0, services = 0, objects = 0, yaml_bytes = 0;
  int runs = 0;
  double full_cpu_ms = 0, route_change_cpu_ms = 0, endpoint_change_cpu_ms = 0;
  double parse_ms = 0, full_ms = 0, route_change_ms = 0, endpoint_change_ms = 0, serialize_ms = 0;
  double rss_input_mb = 0, rss_peak_mb = 0, rss_with_parse_mb = 0;
  bool peak_reset = false;
  size_t largest_rc_bytes = 0;
  double largest_rc_serialize_ms = 0;
  size_t output_bytes = 0, listeners = 0, route_configs = 0, envoy_routes = 0, clusters = 0, endpoints = 0;
  bool route_change_seen = false, endpoint_change_seen = false;
  bool policies = false;  // measured with the policies of --policies
  size_t policy_count = 0, routes_with_policy_config = 0;
  bool ok = false;
  char error[512] = {};
};
static_assert(std::is_trivially_copyable_v<Result>);

Result fail(Result r, const std::string& message) {
  std::snprintf(r.error, sizeof r.error, "%s", message.c_str());
  r.ok = false;
  return r;
}

struct Options {
  std::vector<size_t> ns;  // explicit --n; empty: 1,000, 10,000 and 50,000 up to --max-n
  size_t max_n = 50000;
  int runs = 0;  // 0: by N
  bool quick = false;
  bool fork = true;
  int result_fd = -1;          // set in a child: measure the one N, write the Result there, print nothing
  std::string plugin;          // --policies: the filters plugin's .so
  bool with_policies = false;  // this measurement's cluster has the policies
};

// Replaces object `index` by the one document `yaml`, as a watch event would deliver it.
bool replace_object(translator::Input& input, size_t index, const std::string& yaml) {
  auto parsed = kgw::sources::parse_manifests(yaml, "change.yaml");
  if (!parsed.errors.empty() || parsed.objects.size() != 1) return false;
  parsed.objects[0].object.creation_timestamp = input.objects[index].creation_timestamp;
  input.objects[index] = std::move(parsed.objects[0].object);
  return true;
}

size_t find_object(const translator::Input& input, const std::string& kind, const std::string& ns,
                   const std::string& name) {
  for (size_t i = 0; i < input.objects.size(); ++i) {
    const auto& ref = input.objects[i].ref;
    if (ref.kind == kind && ref.ns == ns && ref.name == name) return i;
  }
  return input.objects.size();
}

Result measure(size_t n, const Options& opt) {
  Result r;
  r.n = n;
  r.runs = opt.runs ? opt.runs : opt.quick ? 1 : n >= 50000 ? 3 : 5;
  Shape shape;
  r.policies = opt.with_policies;
  std::string yaml = cluster_yaml(n, shape, opt.with_policies);
  r.services = shape.services;
  r.yaml_bytes = yaml.size();

  translator::Input input;
  {
    auto t0 = Clock::now();
    auto parsed = kgw::sources::parse_manifests(yaml, "bench.yaml");
    r.parse_ms = ms_between(t0, Clock::now());
    if (!parsed.errors.empty()) return fail(r, "generated YAML does not parse: " + parsed.errors[0].to_string());
    input.objects.reserve(parsed.objects.size());
    int64_t ts = kEpoch;
    for (auto& p : parsed.objects) {
      p.object.creation_timestamp = ++ts;
      input.objects.push_back(std::move(p.object));
    }
  }
  std::string().swap(yaml);
  r.objects = input.objects.size();
  r.rss_with_parse_mb = std::max(ru_maxrss_mb(), proc_status_mb("VmHWM").value_or(0));
  malloc_trim(0);  // hand the parser's garbage back, so the peak below is the steady state's
  r.peak_reset = reset_peak_rss();
  r.rss_input_mb = proc_status_mb("VmRSS").value_or(0);

  const kgw::config::TranslationSettings settings;
  // With --policies: the built-in extensions and the plugin from its .so, as kgw serve has them.
  kgw::plugins::PluginLoader loader;
  kgw::plugins::ExtensionRegistry registry;
  if (!opt.plugin.empty()) {
    kgw::builtin::register_builtin_extensions(registry);
    auto loaded = loader.load({opt.plugin, "", kgw::sdk::Value::Map{}}, registry);
    if (auto* refusal = std::get_if<kgw::plugins::Refusal>(&loaded)) return fail(r, "plugin: " + refusal->message);
  }
  const kgw::sdk::ObjectRef gateway{"gateway.networking.k8s.io", "Gateway", kGatewayNs, kGatewayName};
  // Wall time is what the targets speak of; thread CPU time tells this thread's work from waiting
  // on a busy machine.
  std::vector<double> times, cpu_times;
  auto translate = [&](translator::TranslationMemo* memo = nullptr) {
    const double cpu0 = thread_cpu_ms();
    auto t0 = Clock::now();
    translator::Output o = translator::translate_gateway(input, gateway, settings, registry, memo);
    times.push_back(ms_between(t0, Clock::now()));
    cpu_times.push_back(thread_cpu_ms() - cpu0);
    return o;
  };

  // Full translation, after one untimed run so the medians are of a warm heap. The previous output
  // stays alive while the next is built, as a served snapshot would, and is dropped untimed.
  translator::Output out = translate();
  times.clear();
  cpu_times.clear();
  for (int i = 0; i < r.runs; ++i) out = translate();
  r.full_ms = median(times);
  r.full_cpu_ms = median(cpu_times);

  r.listeners = out.listeners.size();
  r.route_configs = out.routes.size();
  r.clusters = out.clusters.size() + out.extra_clusters.size();
  r.endpoints = out.endpoints.size();
  for (const auto& rc : out.routes)
    for (const auto& vh : rc.virtual_hosts()) r.envoy_routes += vh.routes_size();

  // The floor: serializing what the translation produced.
  const int serialize_runs = std::max(r.runs, 5);
  times.clear();
  Serialized base;
  for (int i = 0; i < serialize_runs; ++i) {
    auto t0 = Clock::now();
    base = serialize(out);
    times.push_back(ms_between(t0, Clock::now()));
  }
  r.serialize_ms = median(times);
  r.output_bytes = base.bytes;

  // The largest route configuration alone: what re-sending one route configuration costs, which a
  // one-route change pays at least once per listener the route is attached to.
  if (!out.routes.empty()) {
    const auto& largest = *std::max_element(out.routes.begin(), out.routes.end(), [](const auto& a, const auto& b) {
      return a.ByteSizeLong() < b.ByteSizeLong();
    });
    times.clear();
    for (int i = 0; i < serialize_runs; ++i) {
      auto t0 = Clock::now();
      r.largest_rc_bytes = largest.SerializeAsString().size();
      times.push_back(ms_between(t0, Clock::now()));
    }
    r.largest_rc_serialize_ms = median(times);
  }

  // What the generated cluster must produce: both listeners take every route (no sectionName, the
  // HTTPS listener has no hostname), one Envoy route per match, one cluster per Service. The
  // Secret holds placeholder PEM: should certificates come to be validated, this says so.
  if (opt.with_policies) {
    const auto policy_status = out.statuses.find("policies");
    r.policy_count = policy_status == out.statuses.end() ? 0 : policy_status->second.size();
    for (const auto& rc : out.routes)
      for (const auto& vh : rc.virtual_hosts())
        for (const auto& route : vh.routes()) r.routes_with_policy_config += route.typed_per_filter_config_size() > 0;
    const size_t want = (n + 9) / 10 + 1;
    if (r.policy_count != want || r.routes_with_policy_config == 0)
      return fail(r, "policies not applied: " + num(r.policy_count) + " policy statuses (want " + num(want) + "), " +
                         num(r.routes_with_policy_config) + " routes with per-filter configuration");
  }
  const auto routes_status = out.statuses.find("httpRoutes");
  const size_t statuses = routes_status == out.statuses.end() ? 0 : routes_status->second.size();
  if (r.listeners != 2 || r.route_configs != 2 || r.envoy_routes != 2 * shape.matches ||
      out.clusters.size() != shape.services || statuses != n)
    return fail(r, "unexpected output: " + num(r.listeners) + " listeners, " + num(r.route_configs) +
                       " route configurations, " + num(r.envoy_routes) + " routes (want " + num(2 * shape.matches) +
                       "), " + num(out.clusters.size()) + " clusters (want " + num(shape.services) + "), " +
                       num(statuses) + " route statuses (want " + num(n) + ")");

  // One HTTPRoute changed, then changed back, and so on: each run is a real change. As kgw serve
  // does, the translation keeps a memo and is told which object changed; the first change's output
  // is checked against a translation without the memo.
  const size_t route_i = n / 2;
  const size_t route_at =
      find_object(input, "HTTPRoute", namespace_of_service(route_i % shape.services), "route-" + num(route_i));
  if (route_at == input.objects.size()) return fail(r, "changed route not found");
  translator::TranslationMemo memo;
  out = translator::Output();  // as in kgw serve, the memo's output is the one held
  out = translator::translate_gateway(input, gateway, settings, registry, &memo);
  times.clear();
  cpu_times.clear();
  for (int i = 0; i < r.runs; ++i) {
    const int variant = (i % 2 == 0) ? 1 : 0;
    if (!replace_object(input, route_at, route_yaml(route_i, shape.services, variant, nullptr)))
      return fail(r, "changed route does not parse");
    memo.invalidate({input.objects[route_at].ref});
    out = translate(&memo);
    if (i == 0) r.route_change_seen = serialize(out).digest != base.digest;
  }
  r.route_change_ms = median(times);
  r.route_change_cpu_ms = median(cpu_times);
  if (r.runs % 2) replace_object(input, route_at, route_yaml(route_i, shape.services, 0, nullptr));
  if (!r.route_change_seen) return fail(r, "a changed HTTPRoute did not change the route configuration");

  // One EndpointSlice changed: what kgw serve does for it. The Service's load assignments are
  // built again from its slices (found by a scan of every object, as the control loop does) and
  // put into a copy of the output that shares every other part with it; nothing is translated.
  const size_t slice_s = shape.services / 2;
  const size_t slice_at =
      find_object(input, "EndpointSlice", namespace_of_service(slice_s), service_name(slice_s) + "-x7k2p");
  const size_t service_at = find_object(input, "Service", namespace_of_service(slice_s), service_name(slice_s));
  if (slice_at == input.objects.size() || service_at == input.objects.size())
    return fail(r, "changed EndpointSlice or its Service not found");
  times.clear();
  cpu_times.clear();
  for (int i = 0; i < r.runs; ++i) {
    const int variant = (i % 2 == 0) ? 1 : 0;
    if (!replace_object(input, slice_at, endpoint_slice_yaml(slice_s, variant)))
      return fail(r, "changed EndpointSlice does not parse");
    memo.invalidate({input.objects[slice_at].ref});  // as kgw serve tells the memo
    const double cpu0 = thread_cpu_ms();
    auto t0 = Clock::now();
    translator::Output patched =
        translator::with_endpoints(out, translator::service_endpoints(input.objects[service_at], input.objects));
    times.push_back(ms_between(t0, Clock::now()));
    cpu_times.push_back(thread_cpu_ms() - cpu0);
    if (patched.changed_endpoints.empty()) return fail(r, "the changed EndpointSlice changed no load assignment");
    if (!patched.routes.shares_with(out.routes) || !patched.listeners.shares_with(out.listeners) ||
        !patched.statuses.shares_with(out.statuses))
      return fail(r, "an endpoint change copied routes, listeners or statuses");
    if (i == 0) r.endpoint_change_seen = serialize(patched).bytes != base.bytes || !patched.endpoints.empty();
    out = std::move(patched);
  }
  r.endpoint_change_ms = median(times);
  r.endpoint_change_cpu_ms = median(cpu_times);

  r.rss_peak_mb = std::max(ru_maxrss_mb(), proc_status_mb("VmHWM").value_or(0));

  // After the peak is read (a second output would count in it): the route changed once more
  // through the memo gives what a translation without the memo gives.
  replace_object(input, route_at, route_yaml(route_i, shape.services, 1, nullptr));
  memo.invalidate({input.objects[route_at].ref});
  if (!kgw::test_support::output_difference(translator::translate_gateway(input, gateway, settings, registry, &memo),
                                            translator::translate_gateway(input, gateway, settings, registry))
           .empty())
    return fail(r, "the translation with the memo differs from the one without");
  r.ok = true;
  return r;
}

bool write_result(int fd, const Result& r) {
  const char* p = reinterpret_cast<const char*>(&r);
  size_t left = sizeof r;
  while (left > 0) {
    const ssize_t w = write(fd, p, left);
    if (w <= 0) return false;
    p += w;
    left -= static_cast<size_t>(w);
  }
  return true;
}

// Runs one N in a fresh process (this program again, told to hand its Result back through a
// pipe), so each N's peak RSS is its own and counts the shared libraries as a real process does;
// a forked child without exec would leave untouched library pages out of its RSS.
Result measure_in_child(size_t n, const Options& opt) {
  int fds[2];
  if (pipe(fds) != 0) return measure(n, opt);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return measure(n, opt);
  }
  if (pid == 0) {
    close(fds[0]);
    std::vector<std::string> args = {"translate_bench", "--n", std::to_string(n), "--result-fd",
                                     std::to_string(fds[1])};
    if (opt.runs) args.insert(args.end(), {"--runs", std::to_string(opt.runs)});
    if (opt.quick) args.push_back("--quick");
    if (!opt.plugin.empty()) args.insert(args.end(), {"--policies", opt.plugin});
    if (opt.with_policies) args.push_back("--with-policies");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    write_result(fds[1], measure(n, opt));  // no exec: measure here, with the caveat above
    _exit(0);
  }
  close(fds[1]);
  Result r;
  char* p = reinterpret_cast<char*>(&r);
  size_t got = 0;
  while (got < sizeof r) {
    const ssize_t n_read = read(fds[0], p + got, sizeof r - got);
    if (n_read <= 0) break;
    got += static_cast<size_t>(n_read);
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != sizeof r) {
    Result failed;
    failed.n = n;
    return fail(failed, WIFSIGNALED(status) ? "child killed by signal " + std::to_string(WTERMSIG(status))
                                            : std::string("child gave no result"));
  }
  return r;
}

// ---- report ----

std::string grouped(size_t v) {
  const std::string digits = std::to_string(v);
  std::string s;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v >= 100 ? "%.1f" : v >= 1 ? "%.2f" : "%.3f", v);
  return buf;
}

void print_row(const char* label, const std::vector<Result>& results,
               const std::function<std::string(const Result&)>& cell, const std::string& target = "") {
  std::printf("%-40s", label);
  for (const auto& r : results) std::printf(" %14s", r.ok ? cell(r).c_str() : "-");
  std::printf("   %s\n", target.c_str());
}

void report(const std::vector<Result>& results, const Options& opt) {
  std::printf("\nkgw translation benchmark: one Gateway (HTTP :80, HTTPS :443), N HTTPRoutes over %d hostnames\n",
              kHostnames);
  std::printf("with 1-3 matches each, N/2 Services with a 3-endpoint EndpointSlice each; seed %#llx.\n",
              static_cast<unsigned long long>(kSeed));
#ifdef NDEBUG
  std::printf("Build: optimized (NDEBUG). Single translation thread.\n\n");
#else
  std::printf("Build: assertions on (not NDEBUG): the figures are not representative.\n\n");
#endif
  std::printf("%-40s", "");
  for (const auto& r : results) std::printf(" %14s", ("N=" + grouped(r.n) + (r.policies ? "+P" : "")).c_str());
  std::printf("   target at N=%s\n", grouped(kTargetN).c_str());

  print_row("objects (services / all)", results,
            [](const Result& r) { return grouped(r.services) + "/" + grouped(r.objects); });
  print_row("YAML input, MB", results, [](const Result& r) { return fixed(r.yaml_bytes / 1048576.0); });
  print_row("parse YAML, ms (once)", results, [](const Result& r) { return fixed(r.parse_ms); });
  print_row(
      "full translation, ms (median)", results, [](const Result& r) { return fixed(r.full_ms); },
      "< " + fixed(kTargetFullMs));
  print_row("  thread CPU, ms", results, [](const Result& r) { return fixed(r.full_cpu_ms); });
  print_row(
      "one HTTPRoute changed, ms (*)", results, [](const Result& r) { return fixed(r.route_change_ms); },
      "< " + fixed(kTargetRouteMs));
  print_row(
      "one EndpointSlice changed, ms (**)", results, [](const Result& r) { return fixed(r.endpoint_change_ms); },
      "< " + fixed(kTargetEndpointMs));
  print_row("RSS with the input loaded, MB", results, [](const Result& r) { return fixed(r.rss_input_mb); });
  print_row(
      "peak RSS, MB (***)", results, [](const Result& r) { return fixed(r.rss_peak_mb); }, "< " + fixed(kTargetRssMb));
  print_row("peak RSS incl. YAML parse, MB", results, [](const Result& r) { return fixed(r.rss_with_parse_mb); });
  print_row("Envoy routes / clusters / CLAs", results, [](const Result& r) {
    return grouped(r.envoy_routes) + "/" + grouped(r.clusters) + "/" + grouped(r.endpoints);
  });
  print_row("output, MB serialized", results, [](const Result& r) { return fixed(r.output_bytes / 1048576.0); });
  print_row("serialize output, ms (floor)", results, [](const Result& r) { return fixed(r.serialize_ms); });
  print_row("largest RouteConfiguration, MB", results,
            [](const Result& r) { return fixed(r.largest_rc_bytes / 1048576.0); });
  print_row("serialize it alone, ms", results, [](const Result& r) { return fixed(r.largest_rc_serialize_ms); });
  print_row(
      "translation / floor", results,
      [](const Result& r) { return fixed(r.serialize_ms > 0 ? r.full_ms / r.serialize_ms : 0) + "x"; },
      "< " + fixed(kTargetRatio) + "x");

  std::printf(
      "\n(*)   Incremental: the translation keeps a memo of the last one and is told which route changed;\n"
      "      only that route is parsed and built again (checked equal to a translation without the memo).\n");
  std::printf(
      "(**)  kgw serve's path: the Service's load assignments built again from its EndpointSlices, in a copy\n"
      "      of the output that shares its routes, listeners, clusters and statuses; nothing is translated.\n");
  std::printf("(***) Input objects held plus translation, peak mark reset after the YAML parse%s.\n",
              std::all_of(results.begin(), results.end(), [](const Result& r) { return !r.ok || r.peak_reset; })
                  ? ""
                  : " (reset unavailable: includes the parse)");
  std::printf("      Medians of %s runs per N after one warm-up; the floor of max(runs, 5).\n",
              opt.runs    ? std::to_string(opt.runs).c_str()
              : opt.quick ? "1"
                          : "5 (3 at N>=50,000)");

  for (const auto& r : results) {
    if (r.n != kTargetN || !r.ok || r.policies) continue;
    const double ratio = r.serialize_ms > 0 ? r.full_ms / r.serialize_ms : 0;
    auto line = [](const char* what, double value, double target, const char* unit) {
      std::printf("  %-28s %10s %-3s (target < %s %s)  %s\n", what, fixed(value).c_str(), unit, fixed(target).c_str(),
                  unit, value < target ? "met" : "MISSED");
    };
    std::printf("\nTargets at N=%s:\n", grouped(kTargetN).c_str());
    line("full translation", r.full_ms, kTargetFullMs, "ms");
    line("one-route change", r.route_change_ms, kTargetRouteMs, "ms");
    line("endpoint change", r.endpoint_change_ms, kTargetEndpointMs, "ms");
    line("peak RSS", r.rss_peak_mb, kTargetRssMb, "MB");
    line("translation / floor", ratio, kTargetRatio, "x");
    if (!r.endpoint_change_seen)
      std::printf("  (endpoint change: no endpoint output yet, the figure is not meaningful)\n");
  }

  if (std::any_of(results.begin(), results.end(), [](const Result& r) { return r.policies; })) {
    std::printf(
        "\n+P: a TrafficPolicy on every tenth route (timeouts, local rate limit, CORS, a header) and a\n"
        "ListenerPolicy on the Gateway; the filters plugin is loaded in both columns of an N.\n");
    for (const auto& with : results) {
      if (!with.policies || !with.ok) continue;
      for (const auto& without : results) {
        if (without.policies || !without.ok || without.n != with.n || without.full_ms <= 0) continue;
        const double ratio = with.full_ms / without.full_ms;
        const double cpu_ratio = without.full_cpu_ms > 0 ? with.full_cpu_ms / without.full_cpu_ms : 0;
        std::printf(
            "  N=%-8s %s policies, %s routes configured by them: full translation %s ms vs %s ms, %sx "
            "(target < %sx)  %s\n             thread CPU %s ms vs %s ms, %sx (the figure to trust on a busy "
            "machine)\n",
            grouped(with.n).c_str(), grouped(with.policy_count).c_str(),
            grouped(with.routes_with_policy_config).c_str(), fixed(with.full_ms).c_str(),
            fixed(without.full_ms).c_str(), fixed(ratio).c_str(), fixed(kTargetPolicyRatio).c_str(),
            ratio < kTargetPolicyRatio ? "met" : "MISSED", fixed(with.full_cpu_ms).c_str(),
            fixed(without.full_cpu_ms).c_str(), fixed(cpu_ratio).c_str());
      }
    }
  }

  std::printf("\n");
  for (const auto& r : results) {
    if (!r.ok) {
      std::printf("RESULT n=%zu error=\"%s\"\n", r.n, r.error);
      continue;
    }
    std::printf(
        "RESULT n=%zu full_ms=%.3f route_change_ms=%.3f endpoint_change_ms=%.3f full_cpu_ms=%.3f "
        "route_change_cpu_ms=%.3f endpoint_change_cpu_ms=%.3f rss_mb=%.1f rss_with_parse_mb=%.1f "
        "output_bytes=%zu serialize_ms=%.3f ratio=%.2f largest_rc_bytes=%zu largest_rc_serialize_ms=%.3f parse_ms=%.1f "
        "incremental=1 endpoints_translated=%d policies=%zu\n",
        r.n, r.full_ms, r.route_change_ms, r.endpoint_change_ms, r.full_cpu_ms, r.route_change_cpu_ms,
        r.endpoint_change_cpu_ms, r.rss_peak_mb, r.rss_with_parse_mb, r.output_bytes, r.serialize_ms,
        r.serialize_ms > 0 ? r.full_ms / r.serialize_ms : 0, r.largest_rc_bytes, r.largest_rc_serialize_ms, r.parse_ms,
        r.endpoints > 0 ? 1 : 0, r.policy_count);
  }
}

int usage(const char* self) {
  std::fprintf(stderr,
               "usage: %s [--n N[,N...]] [--max-n N] [--runs R] [--quick] [--no-fork] [--policies PLUGIN.so]\n"
               "  --n       the sizes to measure (default 1000,10000,50000)\n"
               "  --max-n   skip default sizes above N (default 50000)\n"
               "  --runs    timed runs per figure (default 5, 3 at N>=50000; 1 with --quick)\n"
               "  --quick   one run per figure (the smoke test)\n"
               "  --no-fork measure every N in this process (for profilers); peak RSS then accumulates\n"
               "  --policies measure each N also with policies, loading the filters plugin from PLUGIN.so\n",
               self);
  return 2;
}

std::optional<size_t> parse_size(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::strtoull(s.c_str(), nullptr, 10);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    if (arg == "--quick") {
      opt.quick = true;
    } else if (arg == "--no-fork") {
      opt.fork = false;
    } else if (arg == "--with-policies") {
      opt.with_policies = true;
    } else if (arg == "--policies") {
      auto v = value();
      if (!v || v->empty()) return usage(argv[0]);
      opt.plugin = *v;
    } else if (arg == "--n") {
      auto v = value();
      if (!v) return usage(argv[0]);
      size_t start = 0;
      while (start <= v->size()) {
        size_t comma = v->find(',', start);
        if (comma == std::string::npos) comma = v->size();
        auto n = parse_size(v->substr(start, comma - start));
        if (!n || *n == 0) return usage(argv[0]);
        opt.ns.push_back(*n);
        start = comma + 1;
      }
    } else if (arg == "--result-fd") {
      auto v = value();
      auto fd = v ? parse_size(*v) : std::nullopt;
      if (!fd) return usage(argv[0]);
      opt.result_fd = static_cast<int>(*fd);
    } else if (arg == "--max-n" || arg == "--runs") {
      auto v = value();
      auto n = v ? parse_size(*v) : std::nullopt;
      if (!n || *n == 0) return usage(argv[0]);
      if (arg == "--max-n")
        opt.max_n = *n;
      else
        opt.runs = static_cast<int>(*n);
    } else {
      return usage(argv[0]);
    }
  }

  if (opt.result_fd >= 0) {
    if (opt.ns.size() != 1) return usage(argv[0]);
    return write_result(opt.result_fd, measure(opt.ns[0], opt)) ? 0 : 1;
  }

  std::vector<size_t> ns = opt.ns;
  const bool explicit_ns = !ns.empty();
  if (!explicit_ns)
    for (size_t n : {size_t{1000}, size_t{10000}, size_t{50000}})
      if (n <= opt.max_n) ns.push_back(n);
  const bool fork_each = opt.fork && (ns.size() > 1 || !opt.plugin.empty());

  std::vector<Result> results;
  for (size_t n : ns) {
    // The default largest size runs only when memory allows: a 5x larger cluster than the last
    // one measured, with room to spare.
    if (!explicit_ns && n >= 50000 && !results.empty() && results.back().ok) {
      const Result& last = results.back();
      const double need_mb = std::max(last.rss_peak_mb, last.rss_with_parse_mb) * (double(n) / last.n) * 1.5;
      if (need_mb > double(memavailable_mb())) {
        std::fprintf(stderr, "skipping N=%zu: about %.0f MB needed, %zu MB available\n", n, need_mb, memavailable_mb());
        continue;
      }
    }
    for (bool with_policies : {false, true}) {
      if (with_policies && opt.plugin.empty()) break;
      Options each = opt;
      each.with_policies = with_policies;
      std::fprintf(stderr, "measuring N=%zu%s ...\n", n, with_policies ? " with policies" : "");
      results.push_back(fork_each ? measure_in_child(n, each) : measure(n, each));
      if (!results.back().ok) std::fprintf(stderr, "N=%zu: %s\n", n, results.back().error);
    }
  }
  report(results, opt);
  return std::all_of(results.begin(), results.end(), [](const Result& r) { return r.ok; }) ? 0 : 1;
}
