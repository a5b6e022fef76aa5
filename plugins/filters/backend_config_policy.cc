#include "backend_config_policy.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/core/v3/health_check.pb.h"
#include "envoy/extensions/clusters/dns/v3/dns_cluster.pb.h"
#include "envoy/extensions/http/header_formatters/preserve_case/v3/preserve_case.pb.h"
#include "envoy/extensions/load_balancing_policies/least_request/v3/least_request.pb.h"
#include "envoy/extensions/load_balancing_policies/maglev/v3/maglev.pb.h"
#include "envoy/extensions/load_balancing_policies/random/v3/random.pb.h"
#include "envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.pb.h"
#include "envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.pb.h"
#include "envoy/extensions/transport_sockets/proxy_protocol/v3/upstream_proxy_protocol.pb.h"
#include "envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb.h"
#include "envoy/extensions/upstreams/http/v3/http_protocol_options.pb.h"
#include "value_helpers.h"

namespace kgw::filters {
namespace {

using Cluster = envoy::config::cluster::v3::Cluster;
using HttpProtocolOptions = envoy::extensions::upstreams::http::v3::HttpProtocolOptions;
constexpr const char* kHttpOptions = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

// One cluster setting, named by its field so the highest-precedence policy's wins.
struct Setting {
  std::string name;
  std::function<void(Cluster&)> apply;
};

class BackendConfigPolicyIr final : public sdk::PluginIr {
 public:
  Value spec;
  std::vector<Setting> settings;

  bool equals(const sdk::PluginIr& other) const noexcept override {
    const auto* o = dynamic_cast<const BackendConfigPolicyIr*>(&other);
    return o && o->spec == spec;
  }
};

// The cluster's upstream HTTP options, read and written back around `edit`.
void edit_http_options(Cluster& c, const std::function<void(HttpProtocolOptions&)>& edit) {
  auto& options = (*c.mutable_typed_extension_protocol_options())[kHttpOptions];
  HttpProtocolOptions http;
  if (!options.type_url().empty()) options.UnpackTo(&http);
  edit(http);
  options.PackFrom(http);
}

bool is_http2(const Cluster& c) {
  auto it = c.typed_extension_protocol_options().find(kHttpOptions);
  if (it == c.typed_extension_protocol_options().end()) return false;
  HttpProtocolOptions http;
  return it->second.UnpackTo(&http) && http.explicit_http_config().has_http2_protocol_options();
}

// loadBalancer: the policy (locality-weighted where the policy has a locality setting) and the
// common settings.
// The ring hash and maglev balancers' hash policies (spec.loadBalancer.<kind>.hashPolicies) and
// useHostnameForHashing, as the consistent hashing settings of the balancer.
template <typename Balancer>
void consistent_hashing(const Value& kind, const std::string& path, sdk::Diagnostics& diag, Balancer& balancer) {
  auto& hashing = *balancer.mutable_consistent_hashing_lb_config();
  if (bool_field(&kind, "useHostnameForHashing") == true) hashing.set_use_hostname_for_hashing(true);
  const Value* policies = kind.find("hashPolicies");
  if (!policies || !policies->is_list()) {
    if (hashing.ByteSizeLong() == 0) balancer.clear_consistent_hashing_lb_config();
    return;
  }
  const auto& list = *policies->as_list();
  for (size_t i = 0; i < list.size(); ++i) {
    const Value& p = list[i];
    auto* hash = hashing.add_hash_policy();
    if (const Value* header = p.find("header")) {
      if (auto name = string_field(header, "name")) hash->mutable_header()->set_header_name(*name);
    } else if (const Value* cookie = p.find("cookie")) {
      auto* c = hash->mutable_cookie();
      if (auto name = string_field(cookie, "name")) c->set_name(*name);
      if (auto cookie_path = string_field(cookie, "path")) c->set_path(*cookie_path);
      if (auto ttl = string_field(cookie, "ttl")) {
        auto ms = parse_duration_ms(*ttl);
        if (!ms) diag.error(path + ".hashPolicies[" + std::to_string(i) + "].cookie.ttl", "invalid duration: " + *ttl);
        set_duration(ms.value_or(0), *c->mutable_ttl());
      }
      auto attribute = [c](const char* name, std::string value) {
        auto* a = c->add_attributes();
        a->set_name(name);
        a->set_value(std::move(value));
      };
      if (bool_field(cookie, "secure") == true) attribute("Secure", "true");
      if (bool_field(cookie, "httpOnly") == true) attribute("HttpOnly", "true");
      if (auto same_site = string_field(cookie, "sameSite")) attribute("SameSite", *same_site);
    } else if (p.find("sourceIP")) {
      hash->mutable_connection_properties()->set_source_ip(true);
    }
    if (bool_field(&p, "terminal") == true) hash->set_terminal(true);
  }
}

void parse_load_balancer(const sdk::Object& policy, const Value& lb, sdk::Diagnostics& diag,
                         std::vector<Setting>& out) {
  namespace lbp = envoy::extensions::load_balancing_policies;
  std::string name;
  google::protobuf::Any config;
  auto weighted = [](auto& m) { m.mutable_locality_lb_config()->mutable_locality_weighted_lb_config(); };
  if (const Value* lr = lb.find("leastRequest")) {
    lbp::least_request::v3::LeastRequest m;
    if (auto n = int_field(lr, "choiceCount")) m.mutable_choice_count()->set_value(static_cast<uint32_t>(*n));
    weighted(m);
    name = "envoy.load_balancing_policies.least_request";
    config.PackFrom(m);
  } else if (const Value* rr = lb.find("roundRobin")) {
    lbp::round_robin::v3::RoundRobin m;
    weighted(m);
    if (const Value* ss = rr->find("slowStart")) {
      auto* slow = m.mutable_slow_start_config();
      if (auto w = string_field(ss, "window")) {
        auto ms = parse_duration_ms(*w);
        if (!ms) diag.error("spec.loadBalancer.roundRobin.slowStart.window", "invalid duration: " + *w);
        set_duration(ms.value_or(0), *slow->mutable_slow_start_window());
      }
      if (const Value* a = ss->find("aggression")) {
        std::optional<double> value = a->as_double();
        if (const std::string* text = a->as_string()) value = std::stod(*text);
        auto* aggression = slow->mutable_aggression();
        aggression->set_default_value(value.value_or(1.0));
        aggression->set_runtime_key(policy.ref.name + "." + policy.ref.ns + ".slowStart.aggression");
      }
      if (auto p = int_field(ss, "minWeightPercent")) slow->mutable_min_weight_percent()->set_value(double(*p));
    }
    name = "envoy.load_balancing_policies.round_robin";
    config.PackFrom(m);
  } else if (const Value* rh = lb.find("ringHash")) {
    lbp::ring_hash::v3::RingHash m;
    if (auto n = int_field(rh, "minimumRingSize")) m.mutable_minimum_ring_size()->set_value(static_cast<uint64_t>(*n));
    if (auto n = int_field(rh, "maximumRingSize")) m.mutable_maximum_ring_size()->set_value(static_cast<uint64_t>(*n));
    consistent_hashing(*rh, "spec.loadBalancer.ringHash", diag, m);
    name = "envoy.load_balancing_policies.ring_hash";
    config.PackFrom(m);
  } else if (lb.find("random")) {
    lbp::random::v3::Random m;
    weighted(m);
    name = "envoy.load_balancing_policies.random";
    config.PackFrom(m);
  } else if (const Value* maglev = lb.find("maglev")) {
    lbp::maglev::v3::Maglev m;
    consistent_hashing(*maglev, "spec.loadBalancer.maglev", diag, m);
    name = "envoy.load_balancing_policies.maglev";
    config.PackFrom(m);
  }
  const bool close = bool_field(&lb, "closeConnectionsOnHostSetChange") == true;
  out.push_back({"loadBalancer", [name, config, close](Cluster& c) {
                   if (!name.empty()) {
                     c.mutable_common_lb_config()->clear_locality_weighted_lb_config();
                     auto* policy = c.mutable_load_balancing_policy()->add_policies()->mutable_typed_extension_config();
                     policy->set_name(name);
                     *policy->mutable_typed_config() = config;
                   }
                   if (close) c.mutable_common_lb_config()->set_close_connections_on_host_set_change(true);
                 }});
}

void parse_settings(const sdk::Object& policy, const Value& spec, sdk::Diagnostics& diag, std::vector<Setting>& out) {
  auto duration = [&](const Value* v, const char* key, const std::string& path) -> std::optional<int64_t> {
    auto text = string_field(v, key);
    if (!text) return std::nullopt;
    auto ms = parse_duration_ms(*text);
    if (!ms) diag.error(path + "." + key, "invalid duration: " + *text);
    return ms;
  };
  if (auto ms = duration(&spec, "connectTimeout", "spec"))
    out.push_back({"connectTimeout", [ms = *ms](Cluster& c) { set_duration(ms, *c.mutable_connect_timeout()); }});
  if (auto v = int_field(&spec, "perConnectionBufferLimitBytes"))
    out.push_back({"perConnectionBufferLimitBytes", [v = *v](Cluster& c) {
                     c.mutable_per_connection_buffer_limit_bytes()->set_value(static_cast<uint32_t>(v));
                   }});
  if (const Value* cb = spec.find("circuitBreakers")) {
    envoy::config::cluster::v3::CircuitBreakers::Thresholds t;
    if (auto v = int_field(cb, "maxConnections")) t.mutable_max_connections()->set_value(static_cast<uint32_t>(*v));
    if (auto v = int_field(cb, "maxPendingRequests"))
      t.mutable_max_pending_requests()->set_value(static_cast<uint32_t>(*v));
    if (auto v = int_field(cb, "maxRequests")) t.mutable_max_requests()->set_value(static_cast<uint32_t>(*v));
    if (auto v = int_field(cb, "maxRetries")) t.mutable_max_retries()->set_value(static_cast<uint32_t>(*v));
    if (bool_field(cb, "trackRemaining") == true) t.set_track_remaining(true);
    out.push_back({"circuitBreakers", [t](Cluster& c) { *c.mutable_circuit_breakers()->add_thresholds() = t; }});
  }
  if (const Value* common = spec.find("commonHttpProtocolOptions")) {
    envoy::config::core::v3::HttpProtocolOptions o;
    const std::string path = "spec.commonHttpProtocolOptions";
    if (auto ms = duration(common, "idleTimeout", path)) set_duration(*ms, *o.mutable_idle_timeout());
    if (auto v = int_field(common, "maxHeadersCount"))
      o.mutable_max_headers_count()->set_value(static_cast<uint32_t>(*v));
    if (auto ms = duration(common, "maxStreamDuration", path)) set_duration(*ms, *o.mutable_max_stream_duration());
    if (auto v = int_field(common, "maxRequestsPerConnection"))
      o.mutable_max_requests_per_connection()->set_value(static_cast<uint32_t>(*v));
    out.push_back({"commonHttpProtocolOptions", [o](Cluster& c) {
                     const bool h2 = is_http2(c);
                     edit_http_options(c, [&](HttpProtocolOptions& http) {
                       *http.mutable_common_http_protocol_options() = o;
                       if (!h2) http.mutable_explicit_http_config()->mutable_http_protocol_options();
                     });
                   }});
  }
  if (const Value* h2 = spec.find("http2ProtocolOptions")) {
    envoy::config::core::v3::Http2ProtocolOptions o;
    auto size = [&](const char* key, google::protobuf::UInt32Value& to) {
      const Value* v = h2->find(key);
      if (!v) return;
      auto bytes = parse_quantity(*v);
      if (!bytes || *bytes > 4294967295u)
        diag.error(std::string("spec.http2ProtocolOptions.") + key, "invalid quantity");
      else
        to.set_value(static_cast<uint32_t>(*bytes));
    };
    size("initialStreamWindowSize", *o.mutable_initial_stream_window_size());
    size("initialConnectionWindowSize", *o.mutable_initial_connection_window_size());
    if (auto v = int_field(h2, "maxConcurrentStreams"))
      o.mutable_max_concurrent_streams()->set_value(static_cast<uint32_t>(*v));
    if (auto v = bool_field(h2, "overrideStreamErrorOnInvalidHttpMessage"))
      o.mutable_override_stream_error_on_invalid_http_message()->set_value(*v);
    // Only clusters that already speak HTTP/2 to their backend take these.
    out.push_back({"http2ProtocolOptions", [o](Cluster& c) {
                     if (!is_http2(c)) return;
                     edit_http_options(c, [&](HttpProtocolOptions& http) {
                       http.mutable_explicit_http_config()->mutable_http2_protocol_options()->MergeFrom(o);
                     });
                   }});
  }
  if (const Value* lb = spec.find("loadBalancer")) parse_load_balancer(policy, *lb, diag, out);
  if (const Value* ka = spec.find("tcpKeepalive")) {
    envoy::config::core::v3::TcpKeepalive keepalive;
    if (auto n = int_field(ka, "keepAliveProbes"))
      keepalive.mutable_keepalive_probes()->set_value(static_cast<uint32_t>(*n));
    auto seconds = [&](const char* key, google::protobuf::UInt32Value& to) {
      if (auto ms = duration(ka, key, "spec.tcpKeepalive")) to.set_value(static_cast<uint32_t>(*ms / 1000));
    };
    seconds("keepAliveTime", *keepalive.mutable_keepalive_time());
    seconds("keepAliveInterval", *keepalive.mutable_keepalive_interval());
    out.push_back({"tcpKeepalive", [keepalive](Cluster& c) {
                     *c.mutable_upstream_connection_options()->mutable_tcp_keepalive() = keepalive;
                   }});
  }
  if (const Value* h1 = spec.find("http1ProtocolOptions")) {
    envoy::config::core::v3::Http1ProtocolOptions o;
    if (auto v = bool_field(h1, "enableTrailers")) o.set_enable_trailers(*v);
    if (auto v = bool_field(h1, "overrideStreamErrorOnInvalidHttpMessage"))
      o.mutable_override_stream_error_on_invalid_http_message()->set_value(*v);
    if (bool_field(h1, "preserveHttp1HeaderCase") == true) {
      auto* f = o.mutable_header_key_format()->mutable_stateful_formatter();
      f->set_name("envoy.http.stateful_header_formatters.preserve_case");
      f->mutable_typed_config()->PackFrom(
          envoy::extensions::http::header_formatters::preserve_case::v3::PreserveCaseFormatterConfig());
    }
    // HTTP/1 only: a cluster speaking HTTP/2 to its backend keeps that.
    out.push_back({"http1ProtocolOptions", [o](Cluster& c) {
                     if (is_http2(c)) return;
                     edit_http_options(c, [&](HttpProtocolOptions& http) {
                       *http.mutable_explicit_http_config()->mutable_http_protocol_options() = o;
                     });
                   }});
  }
  if (const Value* dns = spec.find("dns")) {
    auto refresh = duration(dns, "refreshRate", "spec.dns");
    auto jitter = duration(dns, "jitter", "spec.dns");
    auto ttl = bool_field(dns, "respectTTL");
    out.push_back({"dns", [=](Cluster& c) {
                     if (c.cluster_type().name() != "envoy.clusters.dns") return;
                     envoy::extensions::clusters::dns::v3::DnsCluster config;
                     if (!c.cluster_type().typed_config().UnpackTo(&config)) return;
                     if (refresh) set_duration(*refresh, *config.mutable_dns_refresh_rate());
                     if (jitter) set_duration(*jitter, *config.mutable_dns_jitter());
                     if (ttl) config.set_respect_dns_ttl(*ttl);
                     c.mutable_cluster_type()->mutable_typed_config()->PackFrom(config);
                   }});
  }
  if (const Value* hc = spec.find("healthCheck")) {
    envoy::config::core::v3::HealthCheck check;
    const std::string path = "spec.healthCheck";
    if (auto ms = duration(hc, "timeout", path)) set_duration(*ms, *check.mutable_timeout());
    if (auto ms = duration(hc, "interval", path)) set_duration(*ms, *check.mutable_interval());
    if (auto v = int_field(hc, "unhealthyThreshold"))
      check.mutable_unhealthy_threshold()->set_value(static_cast<uint32_t>(*v));
    if (auto v = int_field(hc, "healthyThreshold"))
      check.mutable_healthy_threshold()->set_value(static_cast<uint32_t>(*v));
    const Value* http = hc->find("http");
    if (http) {
      auto* h = check.mutable_http_health_check();
      if (auto v = string_field(http, "host")) h->set_host(*v);
      if (auto v = string_field(http, "path")) h->set_path(*v);
    }
    const bool host_set = http && string_field(http, "host");
    out.push_back({"healthCheck", [check, host_set](Cluster& c) {
                     *c.add_health_checks() = check;
                     // An endpoint's health check hostname would override the host asked for.
                     if (!host_set) return;
                     for (auto& locality : *c.mutable_load_assignment()->mutable_endpoints())
                       for (auto& e : *locality.mutable_lb_endpoints())
                         if (e.has_endpoint()) e.mutable_endpoint()->mutable_health_check_config()->clear_hostname();
                   }});
  }
  if (const Value* pp = spec.find("upstreamProxyProtocol")) {
    envoy::extensions::transport_sockets::proxy_protocol::v3::ProxyProtocolUpstreamTransport transport;
    const std::string version = string_field(pp, "version").value_or("V1");
    transport.mutable_config()->set_version(version == "V2" ? envoy::config::core::v3::ProxyProtocolConfig::V2
                                                            : envoy::config::core::v3::ProxyProtocolConfig::V1);
    // Wraps the transport the cluster has by then: settings apply in name order, so after "tls".
    out.push_back({"upstreamProxyProtocol", [transport](Cluster& c) mutable {
                     auto* inner = transport.mutable_transport_socket();
                     if (c.has_transport_socket()) {
                       *inner = c.transport_socket();
                     } else {
                       inner->set_name("envoy.transport_sockets.raw_buffer");
                       inner->mutable_typed_config()->PackFrom(
                           envoy::extensions::transport_sockets::raw_buffer::v3::RawBuffer());
                     }
                     auto* socket = c.mutable_transport_socket();
                     socket->set_name("envoy.transport_sockets.upstream_proxy_protocol");
                     socket->mutable_typed_config()->PackFrom(transport);
                   }});
  }
  const Value* tls = spec.find("tls");
  const bool insecure = tls && bool_field(tls, "insecureSkipVerify") == true;
  const bool system_ca = tls && string_field(tls, "wellKnownCACertificates") == "System";
  if (insecure || system_ca) {
    envoy::extensions::transport_sockets::tls::v3::UpstreamTlsContext context;
    if (insecure) {
      context.mutable_common_tls_context()->mutable_validation_context();
    } else {
      // The system's CAs, served as the SDS secret SYSTEM_CA_CERT, and the SANs to match.
      auto* combined = context.mutable_common_tls_context()->mutable_combined_validation_context();
      auto* defaults = combined->mutable_default_validation_context();
      if (const Value* sans = tls->find("verifySubjectAltNames"); sans && sans->as_list())
        for (const auto& san : *sans->as_list())
          if (const std::string* name = san.as_string()) {
            auto* m = defaults->add_match_typed_subject_alt_names();
            m->set_san_type(envoy::extensions::transport_sockets::tls::v3::SubjectAltNameMatcher::DNS);
            m->mutable_matcher()->set_exact(*name);
          }
      combined->mutable_validation_context_sds_secret_config()->set_name("SYSTEM_CA_CERT");
    }
    if (auto sni = string_field(tls, "sni")) context.set_sni(*sni);
    out.push_back({"tls", [context](Cluster& c) {
                     auto* socket = c.mutable_transport_socket();
                     socket->set_name("envoy.transport_sockets.tls");
                     socket->mutable_typed_config()->PackFrom(context);
                   }});
  }
}

class BackendConfigPolicyKind final : public sdk::PolicyKind {
 public:
  sdk::GroupKind group_kind() const noexcept override { return {"gateway.kgateway.dev", "BackendConfigPolicy"}; }

  std::shared_ptr<const sdk::PluginIr> parse(const sdk::Object& policy, const sdk::HostApi&,
                                             sdk::Diagnostics& diag) const noexcept override {
    try {
      auto ir = std::make_shared<BackendConfigPolicyIr>();
      if (const Value* spec = policy.spec()) {
        ir->spec = *spec;
        parse_settings(policy, *spec, diag, ir->settings);
      }
      if (diag.has_errors()) return nullptr;
      return ir;
    } catch (const std::exception& e) {
      diag.error("spec", e.what());
      return nullptr;
    }
  }

  void apply_cluster(const sdk::TranslationContext& ctx, sdk::AttachedPolicies policies,
                     envoy::config::cluster::v3::Cluster& cluster) const noexcept override {
    std::map<std::string, std::pair<const Setting*, const sdk::ObjectRef*>> merged;
    for (const auto& p : policies)
      for (const auto& s : static_cast<const BackendConfigPolicyIr*>(p.ir)->settings)
        merged.emplace(s.name, std::make_pair(&s, &p.policy));
    // A BackendTLSPolicy sets the cluster's TLS instead of the policy, which says so.
    const sdk::ObjectRef* tls_owner = ctx.upstream_tls_policy(cluster.name());
    for (const auto& [name, setting] : merged) {
      if (name == "tls" && tls_owner) {
        try {
          ctx.host().report_condition(
              *setting.second, nullptr,
              {"Overridden", sdk::Condition::Status::True, "ConflictedWithBackendTLSPolicy",
               "spec.tls overridden by BackendTLSPolicy " + tls_owner->ns + "/" + tls_owner->name});
        } catch (...) {
        }
        continue;
      }
      setting.first->apply(cluster);
    }
  }
};

}  // namespace

std::unique_ptr<sdk::PolicyKind> make_backend_config_policy_kind() {
  return std::make_unique<BackendConfigPolicyKind>();
}

}  // namespace kgw::filters
