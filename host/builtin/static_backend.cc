#include "builtin/static_backend.h"

#include "builtin/dns_cluster.h"
#include "model/value_reader.h"

namespace kgw::builtin {
namespace {

struct StaticHost {
  std::string host;
  uint32_t port = 0;
};

class StaticBackendIr final : public sdk::PluginIr {
 public:
  std::vector<StaticHost> hosts;
  bool equals(const sdk::PluginIr& other) const noexcept override {
    const auto* o = dynamic_cast<const StaticBackendIr*>(&other);
    if (!o || o->hosts.size() != hosts.size()) return false;
    for (size_t i = 0; i < hosts.size(); ++i)
      if (o->hosts[i].host != hosts[i].host || o->hosts[i].port != hosts[i].port) return false;
    return true;
  }
};

class StaticBackendType final : public sdk::BackendType {
 public:
  std::string_view type() const noexcept override { return "Static"; }

  std::shared_ptr<const sdk::PluginIr> parse(const sdk::Object& backend, const sdk::HostApi&,
                                             sdk::Diagnostics& diag) const noexcept override {
    try {
      auto ir = std::make_shared<StaticBackendIr>();
      auto hosts = model::ValueReader(&backend.body, "", diag)["spec"]["static"]["hosts"];
      if (!hosts.present()) hosts.error("Required value");
      hosts.each([&](const model::ValueReader& h) {
        StaticHost host{h["host"].required_string(), 0};
        auto port = h["port"].integer();
        if (!port)
          h["port"].error("Required value");
        else if (*port < 1 || *port > 65535)
          h["port"].error("Invalid value: " + std::to_string(*port) + ": must be between 1 and 65535");
        else
          host.port = static_cast<uint32_t>(*port);
        ir->hosts.push_back(std::move(host));
      });
      return ir;
    } catch (const std::exception& e) {
      diag.error("spec.static", e.what());
      return nullptr;
    }
  }

  void build_cluster(const sdk::TranslationContext&, const sdk::Object&, const sdk::PluginIr& ir,
                     sdk::ClusterOutput& out, sdk::Diagnostics& diag) const noexcept override {
    try {
      const auto& backend = static_cast<const StaticBackendIr&>(ir);
      auto& cluster = out.cluster;
      auto& assignment = make_dns_cluster(cluster);
      auto* locality = assignment.add_endpoints();
      for (const auto& h : backend.hosts) {
        auto* endpoint = locality->add_lb_endpoints()->mutable_endpoint();
        auto* address = endpoint->mutable_address()->mutable_socket_address();
        address->set_address(h.host);
        address->set_port_value(h.port);
        endpoint->mutable_health_check_config()->set_hostname(h.host);
        endpoint->set_hostname(h.host);
      }
    } catch (const std::exception& e) {
      diag.error("spec.static", e.what());
    }
  }
};

}  // namespace

std::unique_ptr<sdk::BackendType> make_static_backend_type() { return std::make_unique<StaticBackendType>(); }

}  // namespace kgw::builtin
