// xDS benchmark: many proxies on one Gateway. For each protocol (SotW and delta ADS) and client
// count C it writes the synthetic cluster of N routes (synthetic_cluster.h) into a temporary
// directory, one file per HTTPRoute, starts `kgw serve` on it, and measures:
// - start-up: spawn to `/readyz` 200;
// - server memory per client: VmRSS growth from before the C clients connect to when every one has
//   its routes, divided by C;
// - route changes: the file of one HTTPRoute is replaced (rename), and each client notes when the
//   RDS response carrying the new route configuration arrives; p50/p99/max of that time over every
//   client and change, and per change (the median change) the server CPU and the xDS bytes the
//   push cost. The same route changes back and forth (--changes times): the first change after
//   start-up pays for memory the server touches for the first time.
// The clients behave like Envoy on ADS: CDS (wildcard), EDS for the EDS clusters, LDS (wildcard),
// RDS for the route configurations the listeners name, and an ACK for every response.
//
// A program, not a test: nothing here fails on slowness. It exits non-zero only when something is
// functionally wrong (the server does not start, a client never gets its configuration or the
// update), so the smoke ctest (`--quick`) keeps it from rotting.
//
// The push's server CPU is split: the xDS server's own (snapshots, responses, gRPC's threads) apart
// from the control loop's translation and the source's reading.
//
// Usage: xds_bench --kgw PATH [--n N] [--clients C[,C...]] [--protocols sotw,delta] [--changes K]
//                  [--quick] [--perf-control FIFO [--perf-change route|endpoints]]
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_process.h"
#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "envoy/service/discovery/v3/ads.grpc.pb.h"
#include "synthetic_cluster.h"

namespace {

using namespace kgw::bench;
namespace fs = std::filesystem;
namespace discovery = envoy::service::discovery::v3;
using Clock = std::chrono::steady_clock;
using Names = std::vector<std::string>;
using namespace std::chrono_literals;

constexpr const char* kCds = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
constexpr const char* kEds = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
constexpr const char* kLds = "type.googleapis.com/envoy.config.listener.v3.Listener";
constexpr const char* kRds = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
constexpr const char* kRolePrefix = "kgateway-kube-gateway-api";
constexpr size_t kClientsPerChannel = 100;
constexpr size_t kServicesPerFile = 1;  // an EndpointSlice change re-reads one small file
// The dir source waits this long after the last file event before it reads.
constexpr double kSourceDebounceMs = 10;  // [source] debounce_ms given to kgw serve

// Targets.
constexpr size_t kTargetClients = 1000;
constexpr double kTargetP99Ms = 100, kTargetKbPerClient = 50, kTargetPushCpuMs = 5;

// ---- the server process ----

std::optional<double> sent_bytes(uint16_t admin_port) {
  auto reply = http_get(admin_port, "/metrics");
  if (!reply || reply->first != 200) return std::nullopt;
  return metric(reply->second, "kgw_xds_sent_bytes_total", "server=\"envoy\"");
}

// The server's CPU, split: what the xDS server does (snapshots built on the publishing thread,
// responses made and queued there, and gRPC's threads: writes, reads, ACKs), apart from the
// control loop's translation and the source's reading.
struct CpuSplit {
  double total_ms = NAN, ticks_ms = NAN;
  double snapshot_ms = NAN, streams_ms = NAN, grpc_ms = NAN;
  double server_ms() const { return snapshot_ms + streams_ms + grpc_ms; }
  double translation_ms() const { return total_ms - server_ms(); }
};

struct CpuReading {
  double sched_ms = 0, stat_ms = 0, snapshot_ms = NAN, streams_ms = NAN;
  ThreadCpu threads;
};

CpuReading read_cpu(pid_t server, uint16_t admin_port) {
  CpuReading r;
  // /metrics first: the admin thread's answer is not counted in the reading that follows.
  if (auto reply = http_get(admin_port, "/metrics"); reply && reply->first == 200) {
    r.snapshot_ms =
        metric(reply->second, "kgw_xds_publish_cpu_seconds_total", "stage=\"snapshot\"").value_or(NAN) * 1e3;
    r.streams_ms = metric(reply->second, "kgw_xds_publish_cpu_seconds_total", "stage=\"streams\"").value_or(NAN) * 1e3;
  }
  r.sched_ms = cpu_ms_sched(server);
  r.stat_ms = cpu_ms_stat(server);
  r.threads = cpu_ms_by_thread(server);
  return r;
}

CpuSplit cpu_between(const CpuReading& a, const CpuReading& b) {
  CpuSplit s;
  s.ticks_ms = b.stat_ms - a.stat_ms;
  // Live-thread time misses threads that exited in between; then only the tick count is right.
  s.total_ms =
      (b.sched_ms >= a.sched_ms && b.sched_ms - a.sched_ms + 20 >= s.ticks_ms) ? b.sched_ms - a.sched_ms : s.ticks_ms;
  s.snapshot_ms = b.snapshot_ms - a.snapshot_ms;
  s.streams_ms = b.streams_ms - a.streams_ms;
  s.grpc_ms = std::max(0.0, b.threads.grpc_ms - a.threads.grpc_ms);
  return s;
}

// perf's control FIFO (`perf record --control fifo:PATH -D -1`): profiling is enabled around the
// push of one change only, the route's or the EndpointSlice's.
std::string perf_control, perf_change = "route";
size_t route_changes = 3;  // --changes: route changes measured per run
void perf_command(const char* change, const char* command) {
  if (perf_control.empty() || perf_change != change) return;
  std::ofstream out(perf_control);
  out << command << '\n';
}

// ---- the manifests ----

fs::path route_file(const fs::path& dir, size_t i) { return dir / ("route-" + std::to_string(i) + ".yaml"); }

// One file for the fixed objects, one per Service with its EndpointSlice, one per HTTPRoute: a
// route or an endpoint change then re-reads one small file.
void write_cluster(const fs::path& dir, size_t n) {
  using namespace kgw::bench;
  fs::create_directories(dir);
  write_file(dir / "fixed.yaml", fixed_objects_yaml());
  const size_t services = service_count(n);
  for (size_t first = 0; first < services; first += kServicesPerFile) {
    std::string y;
    for (size_t s = first; s < std::min(services, first + kServicesPerFile); ++s)
      y += "---\n" + service_yaml(s) + "---\n" + endpoint_slice_yaml(s, 0);
    write_file(dir / ("services-" + std::to_string(first / kServicesPerFile) + ".yaml"), y);
  }
  for (size_t i = 0; i < n; ++i) write_file(route_file(dir, i), route_yaml(i, services, 0, nullptr));
}

// ---- the clients ----

std::vector<const google::protobuf::Any*> anys_of(const discovery::DiscoveryResponse& r) {
  std::vector<const google::protobuf::Any*> out;
  for (const auto& a : r.resources()) out.push_back(&a);
  return out;
}

std::vector<const google::protobuf::Any*> anys_of(const discovery::DeltaDiscoveryResponse& r) {
  std::vector<const google::protobuf::Any*> out;
  for (const auto& res : r.resources()) out.push_back(&res.resource());
  return out;
}

// The EDS service names of the EDS clusters.
Names eds_names(const std::vector<const google::protobuf::Any*>& anys) {
  Names out;
  envoy::config::cluster::v3::Cluster cluster;
  for (const auto* any : anys) {
    if (!any->UnpackTo(&cluster) || cluster.type() != envoy::config::cluster::v3::Cluster::EDS) continue;
    const std::string& service = cluster.eds_cluster_config().service_name();
    out.push_back(service.empty() ? cluster.name() : service);
  }
  return out;
}

// The route configuration names the listeners' HttpConnectionManagers ask RDS for.
Names rds_names(const std::vector<const google::protobuf::Any*>& anys) {
  std::set<std::string> seen;
  Names out;
  envoy::config::listener::v3::Listener listener;
  envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager hcm;
  auto scan = [&](const envoy::config::listener::v3::FilterChain& chain) {
    for (const auto& filter : chain.filters())
      if (filter.has_typed_config() && filter.typed_config().UnpackTo(&hcm) && hcm.has_rds() &&
          seen.insert(hcm.rds().route_config_name()).second)
        out.push_back(hcm.rds().route_config_name());
  };
  for (const auto* any : anys) {
    if (!any->UnpackTo(&listener)) continue;
    for (const auto& chain : listener.filter_chains()) scan(chain);
    if (listener.has_default_filter_chain()) scan(listener.default_filter_chain());
  }
  return out;
}

// What the clients of one run share: the name lists, parsed once (every client gets the same
// resources, and the bench shares the CPU with the server), and the counts the main thread waits on.
struct Shared {
  std::string role;
  std::atomic<bool> armed{false};      // the change is about to be written: count updates from now
  std::atomic<bool> eds_armed{false};  // likewise for the EndpointSlice change
  size_t eds_updated = 0;

  std::mutex mu;
  std::condition_variable cv;
  size_t ready = 0, updated = 0, done = 0, failed = 0;
  bool stopping = false;
  std::vector<std::string> errors;

  std::mutex parse_mu;
  std::shared_ptr<const Names> eds, rds;

  template <class Response>
  std::shared_ptr<const Names> eds_for(const Response& r) {
    std::lock_guard lock(parse_mu);
    if (!eds) eds = std::make_shared<const Names>(eds_names(anys_of(r)));
    return eds;
  }
  template <class Response>
  std::shared_ptr<const Names> rds_for(const Response& r) {
    std::lock_guard lock(parse_mu);
    if (!rds) rds = std::make_shared<const Names>(rds_names(anys_of(r)));
    return rds;
  }
  void note(size_t Shared::*count) {
    std::lock_guard lock(mu);
    ++(this->*count);
    cv.notify_all();
  }
  void fail(const std::string& why) {
    std::lock_guard lock(mu);
    ++failed;
    if (errors.size() < 5) errors.push_back(why);
    cv.notify_all();
  }
};

// One ADS stream: writes are queued (one may be in flight at a time), reads loop until the end.
template <class Request, class Response>
class AdsClient : public grpc::ClientBidiReactor<Request, Response> {
 public:
  AdsClient(Shared& shared, size_t index) : shared_(shared), index_(index) {}

  bool updated() const { return updated_; }  // read under shared_.mu once updates are in
  void rearm() { updated_ = false; }         // under shared_.mu, before the next change
  bool eds_updated() const { return eds_updated_; }
  Clock::time_point eds_updated_at() const { return eds_updated_at_; }
  Clock::time_point updated_at() const { return updated_at_; }
  void cancel() { context_.TryCancel(); }

 protected:
  virtual void start_subscriptions() = 0;
  virtual void handle(Clock::time_point now) = 0;

  void fill_node(envoy::config::core::v3::Node& node) {
    node.set_id("xds-bench-" + std::to_string(index_));
    node.set_cluster("xds-bench");
    node.set_user_agent_name("envoy");  // "grpc..." would get the proxyless view
    (*node.mutable_metadata()->mutable_fields())["role"].set_string_value(shared_.role);
  }

  void send(Request request) {
    std::unique_lock lock(write_mu_);
    if (broken_) return;
    writes_.push_back(std::move(request));
    if (writing_) return;
    writing_ = true;
    Request* next = &writes_.front();  // deque: stays put while others are pushed
    lock.unlock();
    this->StartWrite(next);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock lock(write_mu_);
    writes_.pop_front();
    if (!ok) broken_ = true;
    if (!ok || writes_.empty()) {
      writing_ = false;
      writes_.clear();
      return;
    }
    Request* next = &writes_.front();
    lock.unlock();
    this->StartWrite(next);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone says why
    handle(Clock::now());
    response_ = Response();  // Clear() would keep the capacity: a full snapshot per client
    this->StartRead(&response_);
  }

  // Notifies under the lock: once the count is seen, the main thread frees the clients and Shared.
  void OnDone(const grpc::Status& status) override {
    std::lock_guard lock(shared_.mu);
    ++shared_.done;
    if (!shared_.stopping) {
      ++shared_.failed;
      if (shared_.errors.size() < 5)
        shared_.errors.push_back("client " + std::to_string(index_) + ": stream ended early: " +
                                 std::to_string(status.error_code()) + " " + status.error_message());
    }
    shared_.cv.notify_all();
  }

  void on_ready() {
    ready_ = true;
    shared_.note(&Shared::ready);
  }
  void on_eds_update(Clock::time_point now) {
    std::lock_guard lock(shared_.mu);
    eds_updated_ = true;
    eds_updated_at_ = now;
    ++shared_.eds_updated;
    shared_.cv.notify_all();
  }
  void on_update(Clock::time_point now) {
    std::lock_guard lock(shared_.mu);
    updated_ = true;
    updated_at_ = now;
    ++shared_.updated;
    shared_.cv.notify_all();
  }

  Shared& shared_;
  size_t index_;
  grpc::ClientContext context_;
  Response response_;
  std::shared_ptr<const Names> eds_, rds_;
  bool lds_requested_ = false;
  bool ready_ = false;

 private:
  std::mutex write_mu_;
  std::deque<Request> writes_;
  bool writing_ = false, broken_ = false;
  bool updated_ = false;
  Clock::time_point updated_at_{};

 protected:
  bool eds_updated_ = false;
  Clock::time_point eds_updated_at_{};
};

class SotwClient : public AdsClient<discovery::DiscoveryRequest, discovery::DiscoveryResponse> {
 public:
  using AdsClient::AdsClient;

  void start(discovery::AggregatedDiscoveryService::Stub& stub) {
    stub.async()->StreamAggregatedResources(&context_, this);
    start_subscriptions();
    StartRead(&response_);
    StartCall();
  }

 private:
  void start_subscriptions() override {
    discovery::DiscoveryRequest request;
    fill_node(*request.mutable_node());
    request.set_type_url(kCds);
    send(std::move(request));
  }

  void request(const char* type, const Names* names, const std::string& version, const std::string& nonce) {
    discovery::DiscoveryRequest r;
    r.set_type_url(type);
    if (names) r.mutable_resource_names()->Assign(names->begin(), names->end());
    r.set_version_info(version);
    r.set_response_nonce(nonce);
    send(std::move(r));
  }

  void request_lds() {
    if (lds_requested_) return;
    lds_requested_ = true;
    request(kLds, nullptr, "", "");
  }

  void handle(Clock::time_point now) override {
    const std::string& type = response_.type_url();
    const std::string& version = response_.version_info();
    if (type == kCds) {
      request(kCds, nullptr, version, response_.nonce());
      if (eds_) return;
      eds_ = shared_.eds_for(response_);
      if (eds_->empty())
        request_lds();
      else
        request(kEds, eds_.get(), "", "");
    } else if (type == kEds) {
      request(kEds, eds_.get(), version, response_.nonce());
      request_lds();
      if (ready_ && shared_.eds_armed && !eds_updated_) on_eds_update(now);
    } else if (type == kLds) {
      request(kLds, nullptr, version, response_.nonce());
      if (rds_) return;
      rds_ = shared_.rds_for(response_);
      if (rds_->empty())
        shared_.fail("client " + std::to_string(index_) + ": the listeners name no route configuration");
      else
        request(kRds, rds_.get(), "", "");
    } else if (type == kRds) {
      request(kRds, rds_.get(), version, response_.nonce());
      if (!ready_) {
        if (rds_ && static_cast<size_t>(response_.resources_size()) >= rds_->size()) {
          initial_version_ = version;
          on_ready();
        }
      } else if (version != initial_version_ && !updated()) {
        if (shared_.armed) on_update(now);
        initial_version_ = version;  // a change before a measured one is part of the start
      }
    }
  }

  std::string initial_version_;
};

class DeltaClient : public AdsClient<discovery::DeltaDiscoveryRequest, discovery::DeltaDiscoveryResponse> {
 public:
  using AdsClient::AdsClient;

  void start(discovery::AggregatedDiscoveryService::Stub& stub) {
    stub.async()->DeltaAggregatedResources(&context_, this);
    start_subscriptions();
    StartRead(&response_);
    StartCall();
  }

 private:
  void start_subscriptions() override {
    discovery::DeltaDiscoveryRequest request;
    fill_node(*request.mutable_node());
    request.set_type_url(kCds);  // no names: wildcard
    send(std::move(request));
  }

  void subscribe(const char* type, const Names* names) {
    discovery::DeltaDiscoveryRequest r;
    r.set_type_url(type);
    if (names) r.mutable_resource_names_subscribe()->Assign(names->begin(), names->end());
    send(std::move(r));
  }

  void request_lds() {
    if (lds_requested_) return;
    lds_requested_ = true;
    subscribe(kLds, nullptr);
  }

  void handle(Clock::time_point now) override {
    const std::string& type = response_.type_url();
    discovery::DeltaDiscoveryRequest ack;
    ack.set_type_url(type);
    ack.set_response_nonce(response_.nonce());
    send(std::move(ack));
    if (type == kCds) {
      if (eds_) return;
      eds_ = shared_.eds_for(response_);
      if (eds_->empty())
        request_lds();
      else
        subscribe(kEds, eds_.get());
    } else if (type == kEds) {
      request_lds();
      if (ready_ && response_.resources_size() > 0 && shared_.eds_armed && !eds_updated_) on_eds_update(now);
    } else if (type == kLds) {
      if (rds_) return;
      rds_ = shared_.rds_for(response_);
      if (rds_->empty())
        shared_.fail("client " + std::to_string(index_) + ": the listeners name no route configuration");
      else
        subscribe(kRds, rds_.get());
    } else if (type == kRds) {
      if (!ready_) {
        routes_received_ += static_cast<size_t>(response_.resources_size());
        if (rds_ && routes_received_ >= rds_->size()) on_ready();
      } else if (response_.resources_size() > 0 && shared_.armed && !updated()) {
        on_update(now);
      }
    }
  }

  size_t routes_received_ = 0;
};

// ---- one run ----

struct RunResult {
  std::string protocol;
  size_t clients = 0;
  bool ok = true;
  double startup_ms = NAN, connect_ms = NAN;
  double rss_before_kb = NAN, rss_after_kb = NAN, rss_per_client_kb = NAN;
  double p50_ms = NAN, p99_ms = NAN, max_ms = NAN, fanout_p99_ms = NAN;
  double push_cpu_ms = NAN, push_cpu_stat_ms = NAN, push_bytes = NAN;
  CpuSplit push_cpu, eds_cpu;
  size_t not_ready = 0, not_updated = 0;
  size_t changes = 0;  // route changes measured
  // One EndpointSlice changed: change -> client, server CPU and bytes.
  double eds_p50_ms = NAN, eds_p99_ms = NAN, eds_cpu_ms = NAN, eds_bytes = NAN;
  size_t eds_not_updated = 0;
};

template <class Client>
void run_clients(RunResult& result, Shared& shared, uint16_t xds_port, pid_t server, uint16_t admin_port,
                 const fs::path& manifests, size_t n, Clock::duration ready_timeout) {
  const size_t c = result.clients;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<discovery::AggregatedDiscoveryService::Stub>> stubs;
  for (size_t i = 0; i < (c + kClientsPerChannel - 1) / kClientsPerChannel; ++i) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    args.SetInt("grpc.channel_id", static_cast<int>(i));  // distinct arguments: a connection each
    channels.push_back(grpc::CreateCustomChannel("ipv4:127.0.0.1:" + std::to_string(xds_port),
                                                 grpc::InsecureChannelCredentials(), args));
    stubs.push_back(discovery::AggregatedDiscoveryService::NewStub(channels.back()));
  }

  std::vector<std::unique_ptr<Client>> clients;
  for (size_t i = 0; i < c; ++i) clients.push_back(std::make_unique<Client>(shared, i));
  const auto connect_start = Clock::now();
  for (size_t i = 0; i < c; ++i) clients[i]->start(*stubs[i / kClientsPerChannel]);
  {
    std::unique_lock lock(shared.mu);
    shared.cv.wait_for(lock, ready_timeout, [&] { return shared.ready + shared.failed >= c; });
    result.not_ready = c - shared.ready;
  }
  result.connect_ms = ms_between(connect_start, Clock::now());
  std::this_thread::sleep_for(300ms);  // the last ACKs reach the server
  result.rss_after_kb = rss_kb(server);
  result.rss_per_client_kb = (result.rss_after_kb - result.rss_before_kb) / static_cast<double>(c);

  if (result.not_ready == 0) {
    std::vector<double> latencies, fanout;
    std::vector<std::pair<CpuSplit, double>> rounds;  // per change: server CPU and bytes sent
    const size_t changed = n / 2;
    const fs::path target = route_file(manifests, changed), temp = target.string() + ".tmp";
    for (size_t round = 0; round < route_changes; ++round) {
      {
        std::lock_guard lock(shared.mu);
        for (auto& client : clients) client->rearm();
        shared.updated = 0;
      }
      const std::optional<double> bytes0 = sent_bytes(admin_port);  // before the CPU reading: not counted
      perf_command("route", "enable");
      const CpuReading cpu0 = read_cpu(server, admin_port);
      write_file(temp, kgw::bench::route_yaml(changed, kgw::bench::service_count(n), round % 2 == 0 ? 1 : 0, nullptr));
      shared.armed = true;
      fs::rename(temp, target);
      const auto change = Clock::now();
      {
        std::unique_lock lock(shared.mu);
        shared.cv.wait_for(lock, 60s, [&] { return shared.updated + shared.failed >= c; });
        result.not_updated = std::max(result.not_updated, c - shared.updated);
        Clock::time_point first = Clock::time_point::max();
        for (const auto& client : clients)
          if (client->updated()) {
            latencies.push_back(ms_between(change, client->updated_at()));
            first = std::min(first, client->updated_at());
          }
        for (const auto& client : clients)
          if (client->updated()) fanout.push_back(ms_between(first, client->updated_at()));
      }
      std::this_thread::sleep_for(300ms);  // the ACKs and whatever else the push costs
      const CpuReading cpu1 = read_cpu(server, admin_port);
      perf_command("route", "disable");
      const std::optional<double> bytes1 = sent_bytes(admin_port);
      rounds.emplace_back(cpu_between(cpu0, cpu1), bytes0 && bytes1 ? *bytes1 - *bytes0 : NAN);
      if (result.not_updated) break;
    }
    std::sort(latencies.begin(), latencies.end());
    std::sort(fanout.begin(), fanout.end());
    result.p50_ms = percentile(latencies, 0.50);
    result.p99_ms = percentile(latencies, 0.99);
    result.max_ms = latencies.empty() ? NAN : latencies.back();
    result.fanout_p99_ms = percentile(fanout, 0.99);
    // The change of median server CPU stands for all.
    std::sort(rounds.begin(), rounds.end(),
              [](const auto& a, const auto& b) { return a.first.total_ms < b.first.total_ms; });
    const auto& median_round = rounds[rounds.size() / 2];
    result.changes = rounds.size();
    result.push_cpu = median_round.first;
    result.push_cpu_stat_ms = result.push_cpu.ticks_ms;
    result.push_cpu_ms = result.push_cpu.total_ms;
    result.push_bytes = median_round.second;

    // One EndpointSlice changes: its first endpoint moves.
    const std::optional<double> eds_bytes0 = sent_bytes(admin_port);
    perf_command("endpoints", "enable");
    const CpuReading eds_cpu0 = read_cpu(server, admin_port);
    const fs::path slice_file = manifests / "services-0.yaml", slice_temp = slice_file.string() + ".tmp";
    write_file(slice_temp, "---\n" + kgw::bench::service_yaml(0) + "---\n" + kgw::bench::endpoint_slice_yaml(0, 1));
    shared.eds_armed = true;
    fs::rename(slice_temp, slice_file);
    const auto eds_change = Clock::now();
    std::vector<double> eds_latencies;
    {
      std::unique_lock lock(shared.mu);
      shared.cv.wait_for(lock, 60s, [&] { return shared.eds_updated + shared.failed >= c; });
      result.eds_not_updated = c - shared.eds_updated;
      for (const auto& client : clients)
        if (client->eds_updated()) eds_latencies.push_back(ms_between(eds_change, client->eds_updated_at()));
    }
    std::this_thread::sleep_for(300ms);
    const CpuReading eds_cpu1 = read_cpu(server, admin_port);
    perf_command("endpoints", "disable");
    const std::optional<double> eds_bytes1 = sent_bytes(admin_port);
    std::sort(eds_latencies.begin(), eds_latencies.end());
    result.eds_p50_ms = percentile(eds_latencies, 0.50);
    result.eds_p99_ms = percentile(eds_latencies, 0.99);
    result.eds_cpu = cpu_between(eds_cpu0, eds_cpu1);
    result.eds_cpu_ms = result.eds_cpu.total_ms;
    if (eds_bytes0 && eds_bytes1) result.eds_bytes = *eds_bytes1 - *eds_bytes0;
  } else {
    result.not_updated = c;
    result.eds_not_updated = c;
  }

  {
    std::lock_guard lock(shared.mu);
    shared.stopping = true;
    if (!shared.errors.empty()) {
      for (const auto& e : shared.errors) std::fprintf(stderr, "  %s\n", e.c_str());
    }
  }
  for (auto& client : clients) client->cancel();
  std::unique_lock lock(shared.mu);
  if (!shared.cv.wait_for(lock, 30s, [&] { return shared.done >= c; })) {
    // A reactor must outlive its OnDone: leak the ones still running rather than free them.
    std::fprintf(stderr, "  %zu streams did not end within 30 s of cancelling\n", c - shared.done);
    for (auto& client : clients) (void)client.release();
    for (auto& stub : stubs) (void)stub.release();
  }
}

RunResult run(const std::string& kgw, const std::string& protocol, size_t n, size_t c, bool quick) {
  RunResult result;
  result.protocol = protocol;
  result.clients = c;

  std::string dir_template = (fs::temp_directory_path() / "xds_bench.XXXXXX").string();
  if (!::mkdtemp(dir_template.data())) throw std::runtime_error("cannot create a temporary directory");
  const fs::path dir = dir_template, manifests = dir / "manifests", config = dir / "kgw.toml", log = dir / "kgw.log";
  write_cluster(manifests, n);
  const auto ports = free_ports(2);
  write_file(config, "[server]\nxds_address = \"127.0.0.1\"\nxds_port = " + std::to_string(ports[0]) +
                         "\nadmin_address = \"127.0.0.1\"\nadmin_port = " + std::to_string(ports[1]) +
                         "\n[server.log]\nlevel = \"warn\"\n[source]\nkind = \"dir\"\ndebounce_ms = " +
                         std::to_string(static_cast<int>(kSourceDebounceMs)) + "\npaths = [\"" + manifests.string() +
                         "\"]\n");

  {
    const auto spawned = Clock::now();
    ServerProcess server(kgw, config, log);
    bool ready = false;
    while (!ready && server.running() && Clock::now() - spawned < 180s) {
      auto reply = http_get(ports[1], "/readyz");
      ready = reply && reply->first == 200;
      if (!ready) std::this_thread::sleep_for(5ms);
    }
    if (!ready) {
      std::fprintf(stderr, "%s C=%zu: kgw %s; its log ends:\n%s", protocol.c_str(), c,
                   server.running() ? "was not ready within 180 s" : "exited before it was ready",
                   tail(log, 20).c_str());
      result.ok = false;
      result.not_ready = result.not_updated = c;
    } else {
      result.startup_ms = ms_between(spawned, Clock::now());
      std::this_thread::sleep_for(200ms);  // whatever follows the first publication settles
      result.rss_before_kb = rss_kb(server.pid());

      Shared shared;
      shared.role = std::string(kRolePrefix) + "~" + kgw::bench::kGatewayNs + "~" + kgw::bench::kGatewayName;
      const Clock::duration ready_timeout = quick ? Clock::duration(60s) : Clock::duration(600s);
      if (protocol == "sotw")
        run_clients<SotwClient>(result, shared, ports[0], server.pid(), ports[1], manifests, n, ready_timeout);
      else
        run_clients<DeltaClient>(result, shared, ports[0], server.pid(), ports[1], manifests, n, ready_timeout);
      if (result.not_ready || result.not_updated || result.eds_not_updated) {
        result.ok = false;
        std::fprintf(stderr, "%s C=%zu: kgw's log ends:\n%s", protocol.c_str(), c, tail(log, 10).c_str());
      }
      if (!server.running()) {
        result.ok = false;
        std::fprintf(stderr, "%s C=%zu: kgw exited during the run; its log ends:\n%s", protocol.c_str(), c,
                     tail(log, 20).c_str());
      }
    }
  }  // SIGTERM and wait
  std::error_code ec;
  fs::remove_all(dir, ec);
  return result;
}

// ---- the report ----

std::vector<size_t> parse_sizes(const std::string& list) {
  std::vector<size_t> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(std::stoul(item));
  return out;
}

std::vector<std::string> parse_words(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string cpu_text(const CpuSplit& c) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "server CPU %.2f ms (ticks: %.0f ms): xDS %.2f ms (snapshot %.2f, streams %.2f, gRPC threads %.2f), "
                "translation and input %.2f ms",
                c.total_ms, c.ticks_ms, c.server_ms(), c.snapshot_ms, c.streams_ms, c.grpc_ms, c.translation_ms());
  return buf;
}

void print_run(const RunResult& r, size_t n) {
  std::printf(
      "%-5s C=%-5zu %zu route changes: change->client p50 %.1f p99 %.1f max %.1f ms (after the first client: p99 "
      "%.1f ms) | median push: "
      "%s, %.0f bytes | server RSS %.1f KB/client | start-up to ready %.0f ms | all clients configured in %.0f ms | "
      "not configured %zu, not updated %zu\n",
      r.protocol.c_str(), r.clients, r.changes, r.p50_ms, r.p99_ms, r.max_ms, r.fanout_p99_ms,
      cpu_text(r.push_cpu).c_str(), r.push_bytes, r.rss_per_client_kb, r.startup_ms, r.connect_ms, r.not_ready,
      r.not_updated);
  std::printf(
      "%-5s C=%-5zu one EndpointSlice changed: change->client p50 %.1f p99 %.1f ms | %s | %.0f bytes | "
      "not updated %zu\n",
      r.protocol.c_str(), r.clients, r.eds_p50_ms, r.eds_p99_ms, cpu_text(r.eds_cpu).c_str(), r.eds_bytes,
      r.eds_not_updated);
  std::printf(
      "RESULT protocol=%s n=%zu clients=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f fanout_p99_ms=%.2f push_cpu_ms=%.3f "
      "push_cpu_ticks_ms=%.0f push_bytes=%.0f rss_per_client_kb=%.2f rss_before_kb=%.0f rss_after_kb=%.0f "
      "startup_ms=%.1f configured_ms=%.1f not_configured=%zu not_updated=%zu eds_p50_ms=%.2f eds_p99_ms=%.2f "
      "eds_cpu_ms=%.3f eds_bytes=%.0f eds_not_updated=%zu push_xds_cpu_ms=%.3f push_snapshot_cpu_ms=%.3f "
      "push_streams_cpu_ms=%.3f push_grpc_cpu_ms=%.3f push_translation_cpu_ms=%.3f eds_xds_cpu_ms=%.3f ok=%d\n",
      r.protocol.c_str(), n, r.clients, r.p50_ms, r.p99_ms, r.max_ms, r.fanout_p99_ms, r.push_cpu_ms,
      r.push_cpu_stat_ms, r.push_bytes, r.rss_per_client_kb, r.rss_before_kb, r.rss_after_kb, r.startup_ms,
      r.connect_ms, r.not_ready, r.not_updated, r.eds_p50_ms, r.eds_p99_ms, r.eds_cpu_ms, r.eds_bytes,
      r.eds_not_updated, r.push_cpu.server_ms(), r.push_cpu.snapshot_ms, r.push_cpu.streams_ms, r.push_cpu.grpc_ms,
      r.push_cpu.translation_ms(), r.eds_cpu.server_ms(), r.ok ? 1 : 0);
  std::fflush(stdout);
}

const char* verdict(bool met) { return met ? "met" : "NOT met"; }

void print_targets(const std::vector<RunResult>& results, const std::vector<std::string>& protocols) {
  std::printf("\ntargets:\n");
  for (const auto& protocol : protocols) {
    std::vector<const RunResult*> runs;
    for (const auto& r : results)
      if (r.protocol == protocol && r.ok) runs.push_back(&r);
    if (runs.empty()) {
      std::printf("  %s: no complete run\n", protocol.c_str());
      continue;
    }
    const RunResult* largest = *std::max_element(
        runs.begin(), runs.end(), [](const RunResult* a, const RunResult* b) { return a->clients < b->clients; });
    if (largest->clients >= kTargetClients)
      std::printf(
          "  %-5s %zu clients all updated within %.0f ms p99: %s (p99 %.1f ms from the file change, %.0f ms of it the "
          "source's debounce; %.1f ms after the first client)\n",
          protocol.c_str(), largest->clients, kTargetP99Ms, verdict(largest->p99_ms <= kTargetP99Ms), largest->p99_ms,
          kSourceDebounceMs, largest->fanout_p99_ms);
    else
      std::printf(
          "  %-5s %zu clients updated within %.0f ms p99: not measured (largest run: %zu clients, p99 %.1f ms)\n",
          protocol.c_str(), kTargetClients, kTargetP99Ms, largest->clients, largest->p99_ms);
    std::printf("  %-5s under %.0f KB server memory per client: %s (%.1f KB/client at %zu clients)\n", protocol.c_str(),
                kTargetKbPerClient, verdict(largest->rss_per_client_kb < kTargetKbPerClient),
                largest->rss_per_client_kb, largest->clients);
    bool cpu_met = true;
    std::string cpus;
    for (const auto* r : runs) {
      cpu_met = cpu_met && r->push_cpu.server_ms() <= kTargetPushCpuMs;
      char buf[128];
      std::snprintf(buf, sizeof buf, "%s%.2f ms at C=%zu (%.2f ms with translation)", cpus.empty() ? "" : ", ",
                    r->push_cpu.server_ms(), r->clients, r->push_cpu.total_ms);
      cpus += buf;
    }
    std::printf("  %-5s one-route change at most %.0f ms of xDS server CPU whatever C: %s (%s)\n", protocol.c_str(),
                kTargetPushCpuMs, verdict(cpu_met), cpus.c_str());
  }
}

int usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: xds_bench --kgw PATH [--n N] [--clients C[,C...]] [--protocols sotw,delta] [--changes K]\n"
               "                [--quick]\n"
               "                [--perf-control FIFO [--perf-change route|endpoints]]\n"
               "  --n          routes in the synthetic cluster (default 10000)\n"
               "  --clients    client counts, one run each (default 1,100,1000)\n"
               "  --protocols  sotw, delta or both (default both)\n"
               "  --changes    route changes per run (default 3): latencies over all, CPU and bytes of the median\n"
               "  --quick      the smoke run: --n 200 --clients 1,10\n"
               "  --perf-control FIFO\n"
               "               perf's control FIFO (perf record --control fifo:FIFO -D -1 ... kgw): profiling\n"
               "               is enabled during each run's route change only\n"
               "  --perf-change route|endpoints\n"
               "               the change profiled (default: route)\n");
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  std::string kgw;
  std::optional<size_t> n;
  std::optional<std::vector<size_t>> clients;
  std::vector<std::string> protocols{"sotw", "delta"};
  bool quick = false;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--kgw")
        kgw = value();
      else if (arg == "--n")
        n = std::stoul(value());
      else if (arg == "--clients")
        clients = parse_sizes(value());
      else if (arg == "--protocols")
        protocols = parse_words(value());
      else if (arg == "--quick")
        quick = true;
      else if (arg == "--changes")
        route_changes = std::stoul(value());
      else if (arg == "--perf-control")
        perf_control = value();
      else if (arg == "--perf-change")
        perf_change = value();
      else if (arg == "--help" || arg == "-h")
        return usage(0);
      else
        throw std::invalid_argument("unknown argument " + arg);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xds_bench: %s\n", e.what());
    return usage(2);
  }
  for (const auto& p : protocols)
    if (p != "sotw" && p != "delta") {
      std::fprintf(stderr, "xds_bench: unknown protocol %s\n", p.c_str());
      return usage(2);
    }
  if (kgw.empty() || !fs::exists(kgw)) {
    std::fprintf(stderr, "xds_bench: --kgw must name the kgw binary\n");
    return usage(2);
  }
  const size_t routes = n.value_or(quick ? 200 : 10000);
  const std::vector<size_t> counts =
      clients.value_or(quick ? std::vector<size_t>{1, 10} : std::vector<size_t>{1, 100, 1000});
  if (routes == 0 || counts.empty() || std::find(counts.begin(), counts.end(), 0) != counts.end() || route_changes == 0)
    return usage(2);

  std::string client_counts;
  for (size_t c : counts) client_counts += (client_counts.empty() ? "" : ",") + std::to_string(c);
  std::printf("xds_bench: N=%zu routes, %zu services; clients %s; one HTTPRoute file rewritten %zu times per run\n",
              routes, kgw::bench::service_count(routes), client_counts.c_str(), route_changes);
  std::fflush(stdout);
  std::vector<RunResult> results;
  bool ok = true;
  for (const auto& protocol : protocols)
    for (size_t c : counts) {
      try {
        results.push_back(run(kgw, protocol, routes, c, quick));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s C=%zu: %s\n", protocol.c_str(), c, e.what());
        RunResult failed;
        failed.protocol = protocol;
        failed.clients = c;
        failed.ok = false;
        results.push_back(failed);
      }
      print_run(results.back(), routes);
      ok = ok && results.back().ok;
    }
  print_targets(results, protocols);
  return ok ? 0 : 1;
}
