#include "agw/addresses.h"

#include <arpa/inet.h>

#include <map>
#include <set>

#include "agw/value_access.h"

namespace kgw::agw {
namespace {

using ::istio::workload::AppProtocol;

// Istio's protocol names, as a port's name prefix or appProtocol says them.
AppProtocol protocol_named(std::string name) {
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "http") return AppProtocol::HTTP11;
  if (name == "http2" || name == "kubernetes.io/h2c") return AppProtocol::HTTP2;
  if (name == "grpc" || name == "grpc-web") return AppProtocol::GRPC;
  if (name == "https" || name == "tls" || name == "kubernetes.io/tls") return AppProtocol::TLS;
  return AppProtocol::UNKNOWN;
}

// An IP address's bytes (4 or 16), or "" when `text` is not one.
std::string ip_bytes(const std::string& text) {
  unsigned char buf[16];
  if (::inet_pton(AF_INET, text.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
  if (::inet_pton(AF_INET6, text.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 16);
  return {};
}

void kubernetes_services(const Inputs& in, Output& out) {
  for (const sdk::Object* svc : in.of_kind("Service")) {
    if (!svc->ref.group.empty()) continue;
    auto& s = *out.addresses.emplace_back().mutable_service();
    s.set_name(svc->ref.name);
    s.set_namespace_(svc->ref.ns);
    s.set_hostname(in.service_hostname(svc->ref.ns, svc->ref.name));
    s.set_canonical(true);
    for (const auto& p : items(svc->spec(), "ports")) {
      auto& port = *s.add_ports();
      port.set_service_port(static_cast<uint32_t>(integer(&p, "port").value_or(0)));
      // A named targetPort is resolved per endpoint (the slice's port), so the Service says none.
      if (auto target = integer(&p, "targetPort")) port.set_target_port(static_cast<uint32_t>(*target));
      const std::string* field = string_at(&p, "appProtocol");
      const std::string* name = string_at(&p, "name");
      port.set_app_protocol(app_protocol(field ? *field : "", name ? *name : ""));
    }
  }
}

// An InferencePool is a Service of its own, `<name>.<ns>.inference.<domain>`, on its target ports.
void inference_pools(const Inputs& in, Output& out) {
  for (const sdk::Object* pool : in.of_kind("InferencePool")) {
    auto& s = *out.addresses.emplace_back().mutable_service();
    s.set_name(pool->ref.name);
    s.set_namespace_(pool->ref.ns);
    s.set_hostname(in.inference_hostname(pool->ref.ns, pool->ref.name));
    const std::string* field = string_at(pool->spec(), "appProtocol");
    const AppProtocol proto = field ? protocol_named(*field) : AppProtocol::UNKNOWN;
    for (const auto& p : items(pool->spec(), "targetPorts")) {
      const uint32_t number = static_cast<uint32_t>(integer(&p, "number").value_or(0));
      auto& port = *s.add_ports();
      port.set_service_port(number);
      port.set_target_port(number);
      port.set_app_protocol(proto);
    }
  }
}

// A ServiceEntry's hosts are Services; its endpoints are Workloads of every host.
void service_entries(const Inputs& in, Output& out) {
  for (const sdk::Object* se : in.of_kind("ServiceEntry")) {
    const sdk::Value* spec = se->spec();
    std::vector<std::string> hosts;
    for (const auto& v : items(spec, "hosts"))
      if (const auto* s = v.as_string()) hosts.push_back(*s);
    ::istio::workload::PortList ports;
    for (const auto& p : items(spec, "ports")) {
      auto& port = *ports.add_ports();
      const uint32_t number = static_cast<uint32_t>(integer(&p, "number").value_or(0));
      port.set_service_port(number);
      port.set_target_port(static_cast<uint32_t>(integer(&p, "targetPort").value_or(number)));
      if (const auto* protocol = string_at(&p, "protocol")) port.set_app_protocol(protocol_named(*protocol));
    }
    for (const auto& host : hosts) {
      auto& s = *out.addresses.emplace_back().mutable_service();
      s.set_name(se->ref.name);
      s.set_namespace_(se->ref.ns);
      s.set_hostname(host);
      s.set_canonical(true);
      *s.mutable_ports() = ports.ports();
    }
    for (const auto& e : items(spec, "endpoints")) {
      const std::string* address = string_at(&e, "address");
      if (!address) continue;
      auto& w = *out.addresses.emplace_back().mutable_workload();
      w.set_uid("Kubernetes/networking.istio.io/ServiceEntry/" + se->ref.ns + "/" + se->ref.name + "/" + *address);
      w.set_name(se->ref.name);
      w.set_namespace_(se->ref.ns);
      if (std::string ip = ip_bytes(*address); !ip.empty())
        w.add_addresses(ip);
      else
        w.set_hostname(*address);
      w.set_canonical_name(se->ref.name);
      w.set_canonical_revision("latest");
      w.set_cluster_id("Kubernetes");
      w.set_workload_name(se->ref.name);
      w.set_workload_type(::istio::workload::WorkloadType::POD);
      // Without ports of its own an endpoint serves the entry's ports.
      ::istio::workload::PortList endpoint_ports;
      for (const auto& port : ports.ports()) {
        auto& p = *endpoint_ports.add_ports();
        p.set_service_port(port.service_port());
        p.set_target_port(port.target_port());
      }
      for (const auto& host : hosts) (*w.mutable_services())[se->ref.ns + "/" + host] = endpoint_ports;
    }
  }
}

// Every ready address of an EndpointSlice is a Workload of its Service, named by the Pod it
// targets when it says so.
void endpoint_slices(const Inputs& in, Output& out) {
  std::map<std::string, ::istio::workload::Workload> workloads;  // by uid, merged across slices
  for (const sdk::Object* slice : in.of_kind("EndpointSlice")) {
    auto service_label = slice->labels.find("kubernetes.io/service-name");
    if (service_label == slice->labels.end()) continue;
    const sdk::Object* svc = in.find("", "Service", slice->ref.ns, service_label->second);
    if (!svc) continue;
    // Slice ports by name -> their number; the Service's ports say which service port each is.
    std::map<std::string, uint32_t> slice_ports;
    for (const auto& p : items(&slice->body, "ports")) {
      const std::string* name = string_at(&p, "name");
      slice_ports[name ? *name : ""] = static_cast<uint32_t>(integer(&p, "port").value_or(0));
    }
    ::istio::workload::PortList ports;
    for (const auto& p : items(svc->spec(), "ports")) {
      const std::string* name = string_at(&p, "name");
      auto it = slice_ports.find(name ? *name : "");
      if (it == slice_ports.end()) continue;
      auto& port = *ports.add_ports();
      port.set_service_port(static_cast<uint32_t>(integer(&p, "port").value_or(0)));
      port.set_target_port(it->second);
    }
    const std::string service_key = slice->ref.ns + "/" + in.service_hostname(slice->ref.ns, svc->ref.name);
    for (const auto& e : items(&slice->body, "endpoints")) {
      const sdk::Value* conditions = e.find("conditions");
      const sdk::Value* ready = conditions ? conditions->find("ready") : nullptr;
      const bool healthy = !ready || !ready->as_bool() || *ready->as_bool();
      const sdk::Value* target = e.find("targetRef");
      const std::string* target_kind = string_at(target, "kind");
      const std::string* target_name = string_at(target, "name");
      for (const auto& a : items(&e, "addresses")) {
        const std::string* ip = a.as_string();
        if (!ip || ip_bytes(*ip).empty()) continue;
        const bool pod = target_kind && *target_kind == "Pod" && target_name;
        const std::string uid =
            pod ? "Kubernetes//Pod/" + slice->ref.ns + "/" + *target_name
                : "Kubernetes/discovery.k8s.io/EndpointSlice/" + slice->ref.ns + "/" + slice->ref.name + "/" + *ip;
        auto [it, added] = workloads.try_emplace(uid);
        auto& w = it->second;
        if (added) {
          w.set_uid(uid);
          w.set_name(pod ? *target_name : slice->ref.name);
          w.set_namespace_(slice->ref.ns);
          w.add_addresses(ip_bytes(*ip));
          w.set_cluster_id("Kubernetes");
          w.set_workload_name(pod ? *target_name : svc->ref.name);
          w.set_workload_type(::istio::workload::WorkloadType::POD);
          w.set_status(healthy ? ::istio::workload::WorkloadStatus::HEALTHY
                               : ::istio::workload::WorkloadStatus::UNHEALTHY);
        }
        (*w.mutable_services())[service_key] = ports;
      }
    }
  }
  for (auto& [uid, w] : workloads) *out.addresses.emplace_back().mutable_workload() = std::move(w);
}

}  // namespace

AppProtocol app_protocol(const std::string& app_protocol_field, const std::string& port_name) {
  AppProtocol proto = protocol_named(app_protocol_field);
  if (proto == AppProtocol::UNKNOWN) proto = protocol_named(port_name.substr(0, port_name.find('-')));
  return proto;
}

void translate_addresses(const Inputs& inputs, Output& output) {
  kubernetes_services(inputs, output);
  inference_pools(inputs, output);
  service_entries(inputs, output);
  endpoint_slices(inputs, output);
}

}  // namespace kgw::agw
