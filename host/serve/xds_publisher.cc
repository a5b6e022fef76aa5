#include "serve/xds_publisher.h"

#include <time.h>

#include "model/gateway_api.h"
#include "snapshot/snapshot.h"

namespace kgw::serve {

namespace {

// CPU seconds the calling thread has run.
double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

std::string gateway_key(const sdk::ObjectRef& gateway) { return gateway.ns + "/" + gateway.name; }

std::optional<sdk::ObjectRef> gateway_of_key(const std::string& key) {
  const auto slash = key.find('/');
  if (slash == std::string::npos) return std::nullopt;
  return sdk::ObjectRef{model::kGatewayGroup, "Gateway", key.substr(0, slash), key.substr(slash + 1)};
}

std::optional<sdk::Value> ProxyRejections::report(const xds::ProxyReport& report) {
  std::lock_guard lock(mu_);
  auto& by_type = rejections_[report.gateway_key];
  const std::string key = report.type_url + '\n' + report.node_id;  // one node's recovery is its own
  if (report.rejection)
    by_type[key] = report;
  else
    by_type.erase(key);
  if (by_type.empty()) {
    rejections_.erase(report.gateway_key);
    return std::nullopt;
  }
  std::string message;
  for (const auto& [key, r] : by_type) {
    if (!message.empty()) message += "; ";
    message += "node " + r.node_id + " rejected " + snapshot::short_type_name(r.type_url) + ": " + *r.rejection;
  }
  sdk::Value condition;
  condition.set("type", "ProxiesAccepted");
  condition.set("status", "False");
  condition.set("reason", "Rejected");
  condition.set("message", message);
  return condition;
}

XdsPublisher::XdsPublisher(xds::SnapshotCache& cache, metrics::Registry& metrics)
    : cache_(cache),
      metrics_(metrics),
      translations_(metrics.counter("kgw_translations_total", "Changes translated and published")),
      translation_seconds_(metrics.histogram("kgw_translation_seconds",
                                             "Time from taking up a change to publishing its snapshots",
                                             metrics::latency_buckets())),
      snapshot_cpu_(metrics.counter("kgw_xds_publish_cpu_seconds_total",
                                    "CPU time of publishing translations: building snapshots, and handing them to "
                                    "the xDS streams (their responses encoded and queued)",
                                    {{"stage", "snapshot"}})),
      streams_cpu_(metrics.counter("kgw_xds_publish_cpu_seconds_total", "", {{"stage", "streams"}})) {}

void XdsPublisher::publish(const GatewayOutputs& outputs, const std::set<sdk::ObjectRef>& changed,
                           std::chrono::steady_clock::time_point taken) {
  for (const auto& gateway : changed) {
    const std::string key = gateway_key(gateway);
    const auto it = outputs.find(gateway);
    if (it == outputs.end()) {
      cache_.remove(key);
      for (const auto& type : snapshot::envoy_types())
        metrics_
            .gauge("kgw_xds_resources", "Resources per Gateway and type",
                   {{"gateway", key}, {"type", snapshot::short_type_name(type)}})
            .set(0);
      continue;
    }
    bool known = false;
    const auto previous = cache_.get(key, &known);
    const double build_started = thread_cpu_seconds();
    auto snapshot = snapshot::build_snapshot(it->second, known ? previous.get() : nullptr, taken);
    snapshot_cpu_.inc(thread_cpu_seconds() - build_started);
    for (const auto& type : snapshot::envoy_types()) {
      const auto* resources = snapshot->envoy.type(type);
      metrics_
          .gauge("kgw_xds_resources", "Resources per Gateway and type",
                 {{"gateway", key}, {"type", snapshot::short_type_name(type)}})
          .set(resources ? static_cast<double>(resources->resources.size()) : 0);
    }
    const double push_started = thread_cpu_seconds();
    cache_.publish(key, std::move(snapshot));
    streams_cpu_.inc(thread_cpu_seconds() - push_started);
  }
  translations_.inc();
  translation_seconds_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - taken).count());
}

}  // namespace kgw::serve
