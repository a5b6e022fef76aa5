#include "xds/xds_server.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <deque>
#include <optional>

#include "logging/logging.h"
#include "snapshot/agentgateway.h"
#include "xds/session.h"

namespace kgw::xds {
namespace {

using envoy::service::discovery::v3::DeltaDiscoveryRequest;
using envoy::service::discovery::v3::DiscoveryRequest;

struct MethodSpec {
  Protocol protocol = Protocol::kSotw;
  std::string fixed_type;  // per-type services: the only type of the stream
  bool fetch = false;      // unary Fetch*: one request, one response
};

std::optional<MethodSpec> method_spec(const std::string& method) {
  static const std::map<std::string, MethodSpec, std::less<>> methods = [] {
    std::map<std::string, MethodSpec, std::less<>> m;
    m["/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"] = {Protocol::kSotw, "",
                                                                                             false};
    m["/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources"] = {Protocol::kDelta, "",
                                                                                            false};
    const std::pair<const char*, std::string_view> services[] = {
        {"cluster.v3.ClusterDiscoveryService/%sClusters", snapshot::kClusterType},
        {"endpoint.v3.EndpointDiscoveryService/%sEndpoints", snapshot::kEndpointType},
        {"listener.v3.ListenerDiscoveryService/%sListeners", snapshot::kListenerType},
        {"route.v3.RouteDiscoveryService/%sRoutes", snapshot::kRouteType},
    };
    for (const auto& [pattern, type] : services) {
      const std::string p = std::string("/envoy.service.") + pattern;
      const auto at = p.find("%s");
      auto name = [&](const char* verb) { return p.substr(0, at) + verb + p.substr(at + 2); };
      m[name("Stream")] = {Protocol::kSotw, std::string(type), false};
      m[name("Delta")] = {Protocol::kDelta, std::string(type), false};
      m[name("Fetch")] = {Protocol::kSotw, std::string(type), true};
    }
    return m;
  }();
  auto it = methods.find(method);
  if (it == methods.end()) return std::nullopt;
  return it->second;
}

bool is_proxyless(const envoy::config::core::v3::Node& node) {
  std::string agent = node.user_agent_name().substr(0, 4);
  for (auto& c : agent) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return agent == "grpc";
}

std::string node_role(const envoy::config::core::v3::Node& node) {
  const auto& fields = node.metadata().fields();
  auto it = fields.find("role");
  return it == fields.end() ? std::string() : it->second.string_value();
}

void release_encoding(void* user_data) { delete static_cast<snapshot::EncodingPtr*>(user_data); }

// The response's chunks as gRPC slices; the shared resource bytes are referenced, not copied.
grpc::ByteBuffer to_byte_buffer(const std::vector<Chunk>& chunks) {
  std::vector<grpc::Slice> slices;
  slices.reserve(chunks.size());
  for (const auto& chunk : chunks) {
    if (chunk.holder) {
      if (chunk.shared.empty()) continue;
      auto* hold = new snapshot::EncodingPtr(chunk.holder);
      slices.emplace_back(const_cast<char*>(chunk.shared.data()), chunk.shared.size(), &release_encoding, hold);
    } else if (!chunk.bytes.empty()) {
      slices.emplace_back(chunk.bytes);
    }
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

// Parses the request straight from gRPC's slices and empties the buffer: a stream would otherwise
// hold its last request (an EDS request names every cluster) until the next one arrives.
bool parse(grpc::ByteBuffer& buffer, google::protobuf::Message& message) {
  bool ok = false;
  {
    grpc::ProtoBufferReader reader(&buffer);
    ok = reader.status().ok() && message.ParseFromZeroCopyStream(&reader);
  }
  buffer.Clear();
  return ok;
}

// A DiscoveryRequest's bytes, its resource_names (field 3) apart from its other fields: an ACK
// repeats every name asked for (thousands for EDS), and read in place they cost no allocation.
// `names` view `bytes`; false when the bytes are not a well-formed message.
bool split_names(std::string_view bytes, std::vector<std::string_view>& names, std::string& rest) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  constexpr uint32_t kNamesTag = (3 << 3) | WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
  for (;;) {
    const int start = in.CurrentPosition();
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return static_cast<size_t>(start) == bytes.size();
    if (tag == kNamesTag) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return false;
      const size_t at = static_cast<size_t>(in.CurrentPosition());
      if (length > bytes.size() - at || !in.Skip(static_cast<int>(length))) return false;
      names.emplace_back(bytes.data() + at, length);
    } else {
      if (!WireFormatLite::SkipField(&in, tag)) return false;
      rest.append(bytes.substr(static_cast<size_t>(start), static_cast<size_t>(in.CurrentPosition() - start)));
    }
  }
}

// The buffer's bytes in one string; empties the buffer.
std::string take_bytes(grpc::ByteBuffer& buffer) {
  std::string bytes;
  std::vector<grpc::Slice> slices;
  if (buffer.Dump(&slices).ok()) {
    bytes.reserve(buffer.Length());
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  slices.clear();
  buffer.Clear();
  return bytes;
}

class StreamReactor;

// What the cache holds for a stream: it outlives the reactor, and forgets it when the stream ends.
struct StreamLink : Watcher {
  std::mutex mu;
  StreamReactor* reactor = nullptr;
  void on_snapshot(const snapshot::SnapshotPtr& snapshot) override;
};

}  // namespace

class XdsServer::Impl : public grpc::CallbackGenericService {
 public:
  Impl(ServerOptions options, SnapshotCache& cache, metrics::Registry& metrics)
      : options(std::move(options)), cache(cache), metrics(metrics) {
    const metrics::Labels server{{"server", this->options.name}};
    open_streams = &metrics.gauge("kgw_xds_open_streams", "xDS streams open now", server);
    bytes_sent = &metrics.counter("kgw_xds_sent_bytes_total", "Bytes of xDS responses sent", server);
    change_to_push = &metrics.histogram("kgw_xds_change_to_push_seconds",
                                        "Time from taking up a change to writing its response to a stream",
                                        metrics::latency_buckets(), server);
  }

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

  std::string gateway_key(const std::string& role) const {
    std::string_view rest = role;
    if (!options.role_prefix.empty()) {
      if (!rest.starts_with(options.role_prefix) || rest.size() <= options.role_prefix.size() ||
          rest[options.role_prefix.size()] != '~')
        return {};
      rest.remove_prefix(options.role_prefix.size() + 1);
    }
    const auto sep = rest.find('~');
    if (sep == std::string_view::npos || sep == 0 || sep + 1 == rest.size() ||
        rest.find('~', sep + 1) != std::string_view::npos)
      return {};
    return std::string(rest.substr(0, sep)) + "/" + std::string(rest.substr(sep + 1));
  }

  void record_nack(const std::string& key, const std::string& node_id, const Nack& nack,
                   const std::vector<Diagnostic>& diagnostics) {
    metrics
        .counter("kgw_xds_nacks_total", "Responses proxies rejected",
                 {{"server", options.name}, {"gateway", key}, {"type", snapshot::short_type_name(nack.type_url)}})
        .inc();
    count_diagnostics(key, nack.type_url, diagnostics);
    std::lock_guard lock(mu);
    auto& record = nacks[key][nack.type_url];
    record.node_id = node_id;
    record.message = nack.message;
    record.diagnostics = diagnostics;
    ++record.count;
  }

  void count_diagnostics(const std::string& key, const std::string& type_url,
                         const std::vector<Diagnostic>& diagnostics) {
    for (const auto& d : diagnostics)
      metrics
          .counter("kgw_xds_nack_diagnostics_total", "Per-resource errors and warnings in proxies' NACKs",
                   {{"server", options.name},
                    {"gateway", key},
                    {"type", snapshot::short_type_name(type_url)},
                    {"severity", d.error ? "error" : "warning"}})
          .inc();
  }

  // Logs once per Gateway key, until the Gateway is published.
  void note_unknown(const std::string& key, const std::string& role, const std::string& node_id) {
    {
      std::lock_guard lock(mu);
      if (!unknown_logged.insert(key).second) return;
    }
    logging::get("xds")->warn(
        "node '{}' (role '{}') names no known Gateway; it gets no Gateway's configuration until the Gateway appears",
        node_id, role);
  }

  ServerOptions options;
  SnapshotCache& cache;
  metrics::Registry& metrics;
  metrics::Gauge* open_streams;
  metrics::Counter* bytes_sent;
  metrics::Histogram* change_to_push;
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  mutable std::mutex mu;
  size_t streams = 0;
  std::map<std::string, std::map<std::string, NackRecord>> nacks;
  std::set<std::string> unknown_logged;
};

namespace {

class StreamReactor : public grpc::ServerGenericBidiReactor {
 public:
  static constexpr size_t kMaxQueued = 256;

  StreamReactor(XdsServer::Impl& server, MethodSpec spec, grpc::GenericCallbackServerContext* ctx)
      : server_(server), spec_(std::move(spec)), peer_(ctx->peer()) {
    {
      std::lock_guard lock(server_.mu);
      ++server_.streams;
    }
    server_.open_streams->add(1);
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    std::lock_guard lock(mu_);
    if (!ok) {  // the client closed its side, or the call is cancelled
      close(grpc::Status::OK);
      return;
    }
    if (!handle()) return;
    if (spec_.fetch)
      drain_then_finish_ = true, finish_if_drained();
    else
      StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!queue_.empty()) queue_.pop_front();
    if (closing_) {
      finish(close_status_.value_or(grpc::Status::OK));
      return;
    }
    if (!ok) {
      close(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
      return;
    }
    write_next();
    finish_if_drained();
  }

  void OnDone() override {
    if (link_) {
      {
        std::lock_guard lock(link_->mu);
        link_->reactor = nullptr;
      }
      server_.cache.unwatch(key_, link_.get());
    }
    for (auto* gauge : type_gauges_) gauge->add(-1);
    server_.open_streams->add(-1);
    {
      std::lock_guard lock(server_.mu);
      --server_.streams;
    }
    delete this;
  }

  // From the publishing thread, through the link.
  void push_snapshot(const snapshot::SnapshotPtr& snapshot) {
    std::lock_guard lock(mu_);
    if (!session_ || finished_ || spec_.fetch) return;  // a Fetch answers once, with what is current
    enqueue(session_->on_snapshot(snapshot), snapshot.get());
  }

 private:
  // Takes the request in `in_`; false when the stream was closed for it.
  bool handle() {
    std::optional<Nack> nack;
    std::vector<Response> responses;
    // Requests are parsed into an arena: their strings are a few allocations, not one each.
    google::protobuf::Arena arena;
    if (spec_.protocol == Protocol::kSotw) {
      DiscoveryRequest& request = *google::protobuf::Arena::CreateMessage<DiscoveryRequest>(&arena);
      const std::string bytes = take_bytes(in_);
      std::vector<std::string_view> names;
      std::string rest;
      if (!split_names(bytes, names, rest) || !request.ParseFromString(rest))
        return close_invalid("the request is not a DiscoveryRequest");
      if (!spec_.fixed_type.empty()) request.set_type_url(spec_.fixed_type);
      if (request.type_url().empty()) return close_invalid("the request has no type_url");
      if (spec_.fetch) {  // a Fetch is always answered with the current resources
        request.clear_response_nonce();
        request.clear_error_detail();
      }
      if (!session_ && server_.options.require_node_id && request.node().id().empty())
        return close_invalid("missing node information");
      if (!session_) identify(request.node());
      count_type(request.type_url());
      responses = session_->on_request(request, names, nack);
    } else {
      DeltaDiscoveryRequest& request = *google::protobuf::Arena::CreateMessage<DeltaDiscoveryRequest>(&arena);
      if (!parse(in_, request)) return close_invalid("the request is not a DeltaDiscoveryRequest");
      if (!spec_.fixed_type.empty()) request.set_type_url(spec_.fixed_type);
      if (request.type_url().empty()) return close_invalid("the request has no type_url");
      if (!session_ && server_.options.require_node_id && request.node().id().empty())
        return close_invalid("missing node information");
      if (!session_) identify(request.node());
      count_type(request.type_url());
      responses = session_->on_request(request, nack);
    }
    std::vector<Diagnostic> diagnostics;
    if (nack && !nack->recovered && server_.options.diagnostic_nacks) {
      if (auto parsed = parse_diagnostics(nack->message)) diagnostics = std::move(*parsed);
      if (!diagnostics.empty() && errors_text(diagnostics).empty()) {
        // Warnings only: the proxy applied everything.
        server_.count_diagnostics(key_, nack->type_url, diagnostics);
        if (nack->first_time)
          logging::get("xds")->warn("node '{}' of Gateway {} accepted {} with warnings: {}", node_id_,
                                    key_.empty() ? "(none)" : key_, snapshot::short_type_name(nack->type_url),
                                    warnings_text(diagnostics));
        if (server_.options.on_report)
          server_.options.on_report({key_, node_id_, nack->type_url, std::nullopt, diagnostics});
        nack.reset();
      } else if (!diagnostics.empty()) {
        nack->message = errors_text(diagnostics);
      }
    }
    if (nack && nack->recovered) {
      logging::get("xds")->info("node '{}' of Gateway {} accepts {} again", node_id_, key_.empty() ? "(none)" : key_,
                                snapshot::short_type_name(nack->type_url));
      if (server_.options.on_report) server_.options.on_report({key_, node_id_, nack->type_url, std::nullopt, {}});
    } else if (nack) {
      server_.record_nack(key_, node_id_, *nack, diagnostics);
      if (server_.options.on_report)
        server_.options.on_report({key_, node_id_, nack->type_url, nack->message, diagnostics});
      if (nack->first_time)
        logging::get("xds")->warn("node '{}' of Gateway {} rejected {}: {}; it keeps its last accepted configuration",
                                  node_id_, key_.empty() ? "(none)" : key_, snapshot::short_type_name(nack->type_url),
                                  nack->message);
    }
    enqueue(std::move(responses), nullptr);
    return !closing_ && !finished_;  // enqueue closes a stream that does not keep up
  }

  void identify(const envoy::config::core::v3::Node& node) {
    node_id_ = node.id();
    const std::string role = node_role(node);
    key_ = server_.gateway_key(role);
    const bool proxyless = server_.options.proxyless_clients && is_proxyless(node);
    session_.emplace(spec_.protocol, server_.options.wildcard_types, proxyless);
    link_ = std::make_shared<StreamLink>();
    link_->reactor = this;
    bool known = false;
    auto snapshot = server_.cache.watch(key_, link_, &known);
    if (!known) server_.note_unknown(key_, role, node_id_);
    session_->on_snapshot(std::move(snapshot));  // nothing is asked for yet: sets the snapshot only
    logging::get("xds")->debug("{} stream from {} (node '{}', Gateway {}, {})",
                               spec_.protocol == Protocol::kSotw ? "SotW" : "delta", peer_, node_id_,
                               key_.empty() ? "(none)" : key_, proxyless ? "proxyless" : server_.options.name);
  }

  void count_type(const std::string& type_url) {
    if (!counted_types_.insert(type_url).second) return;
    auto& gauge = server_.metrics.gauge(
        "kgw_xds_streams", "xDS streams per Gateway and resource type",
        {{"server", server_.options.name}, {"gateway", key_}, {"type", snapshot::short_type_name(type_url)}});
    gauge.add(1);
    type_gauges_.push_back(&gauge);
  }

  void enqueue(std::vector<Response> responses, const snapshot::Snapshot* origin) {
    if (finished_ || closing_) return;
    // A client that stops reading would hold ever more responses; it is cut off instead, and gets
    // the whole current state when it reconnects.
    if (queue_.size() + responses.size() > kMaxQueued) {
      logging::get("xds")->warn("node '{}' of Gateway {} does not keep up ({} responses waiting); closing its stream",
                                node_id_, key_.empty() ? "(none)" : key_, queue_.size());
      close(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too many responses waiting for the client to read"));
      return;
    }
    for (auto& response : responses) {
      grpc::ByteBuffer buffer = to_byte_buffer(encode(response));
      server_.bytes_sent->inc(static_cast<double>(buffer.Length()));
      push_counter(response.type_url).inc();
      queue_.push_back(std::move(buffer));
    }
    if (origin && !responses.empty() && origin->origin != std::chrono::steady_clock::time_point{})
      server_.change_to_push->observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - origin->origin).count());
    write_next();
  }

  metrics::Counter& push_counter(const std::string& type_url) {
    auto it = push_counters_.find(type_url);
    if (it != push_counters_.end()) return *it->second;
    auto& counter =
        server_.metrics.counter("kgw_xds_pushes_total", "xDS responses sent",
                                {{"server", server_.options.name}, {"type", snapshot::short_type_name(type_url)}});
    push_counters_[type_url] = &counter;
    return counter;
  }

  void write_next() {
    if (writing_ || queue_.empty() || finished_ || closing_) return;
    writing_ = true;
    StartWrite(&queue_.front());
  }

  void finish_if_drained() {
    if (drain_then_finish_ && !writing_ && queue_.empty()) finish(grpc::Status::OK);
  }

  bool close_invalid(const std::string& why) {
    logging::get("xds")->warn("closing the stream from {}: {}", peer_, why);
    close(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, why));
    return false;
  }

  // No more writes; finishes now, or once the write on the wire is done.
  void close(grpc::Status status) {
    closing_ = true;
    if (!writing_)
      finish(std::move(status));
    else if (!close_status_)
      close_status_ = std::move(status);
  }

  void finish(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    Finish(std::move(status));
  }

  XdsServer::Impl& server_;
  const MethodSpec spec_;
  const std::string peer_;
  std::mutex mu_;
  grpc::ByteBuffer in_;
  std::optional<Session> session_;
  std::shared_ptr<StreamLink> link_;
  std::string key_, node_id_;
  std::deque<grpc::ByteBuffer> queue_;
  bool writing_ = false, closing_ = false, finished_ = false, drain_then_finish_ = false;
  std::optional<grpc::Status> close_status_;
  std::set<std::string> counted_types_;
  std::vector<metrics::Gauge*> type_gauges_;
  std::map<std::string, metrics::Counter*> push_counters_;
};

void StreamLink::on_snapshot(const snapshot::SnapshotPtr& snapshot) {
  std::lock_guard lock(mu);
  if (reactor) reactor->push_snapshot(snapshot);
}

}  // namespace

grpc::ServerGenericBidiReactor* XdsServer::Impl::CreateReactor(grpc::GenericCallbackServerContext* ctx) {
  auto spec = method_spec(ctx->method());
  if (spec && options.delta_ads_only && (spec->protocol != Protocol::kDelta || !spec->fixed_type.empty())) spec.reset();
  if (!spec) {
    class Unimplemented : public grpc::ServerGenericBidiReactor {
     public:
      explicit Unimplemented(const std::string& method) {
        Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "kgw does not serve " + method));
      }
      void OnDone() override { delete this; }
    };
    return new Unimplemented(ctx->method());
  }
  return new StreamReactor(*this, std::move(*spec), ctx);
}

ServerOptions agentgateway_server_options(std::string address, uint16_t port) {
  ServerOptions options;
  options.address = std::move(address);
  options.port = port;
  options.name = "agentgateway";
  options.role_prefix.clear();
  options.wildcard_types = {std::string(snapshot::kAgentgatewayResourceType), std::string(snapshot::kAddressType)};
  options.delta_ads_only = true;
  options.require_node_id = true;
  options.diagnostic_nacks = true;
  options.proxyless_clients = false;
  return options;
}

XdsServer::XdsServer(ServerOptions options, SnapshotCache& cache, metrics::Registry& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), cache, metrics)) {}

XdsServer::~XdsServer() { stop(); }

sdk::Status XdsServer::start() {
  if (impl_->server) return sdk::Status::error("the xDS server is already started");
  const std::string address = impl_->options.address.find(':') != std::string::npos
                                  ? "[" + impl_->options.address + "]:" + std::to_string(impl_->options.port)
                                  : impl_->options.address + ":" + std::to_string(impl_->options.port);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &impl_->port);
  builder.RegisterCallbackGenericService(impl_.get());
  builder.SetMaxReceiveMessageSize(impl_->options.max_message_bytes);
  builder.SetMaxSendMessageSize(impl_->options.max_message_bytes);
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || impl_->port == 0) {
    impl_->server.reset();
    return sdk::Status::error("cannot serve xDS on " + address + " (is the port in use, or the address not local?)");
  }
  logging::get("xds")->info("{} xDS server listening on {}", impl_->options.name,
                            address.substr(0, address.rfind(':') + 1) + std::to_string(impl_->port));
  return sdk::Status::ok();
}

void XdsServer::stop() {
  if (!impl_->server) return;
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  impl_->server->Wait();
  impl_->server.reset();
}

uint16_t XdsServer::port() const { return static_cast<uint16_t>(impl_->port); }

size_t XdsServer::streams() const {
  std::lock_guard lock(impl_->mu);
  return impl_->streams;
}

std::map<std::string, std::map<std::string, NackRecord>> XdsServer::nacks() const {
  std::lock_guard lock(impl_->mu);
  return impl_->nacks;
}

std::string XdsServer::gateway_key(const std::string& role) const { return impl_->gateway_key(role); }

}  // namespace kgw::xds
