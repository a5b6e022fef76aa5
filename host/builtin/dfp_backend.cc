#include "builtin/dfp_backend.h"

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/extensions/clusters/dynamic_forward_proxy/v3/cluster.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb.h"
#include "model/value_reader.h"

namespace kgw::builtin {
namespace {

class DfpBackendIr final : public sdk::PluginIr {
 public:
  bool enable_tls = false;
  bool equals(const sdk::PluginIr& other) const noexcept override {
    const auto* o = dynamic_cast<const DfpBackendIr*>(&other);
    return o && o->enable_tls == enable_tls;
  }
};

class DfpBackendType final : public sdk::BackendType {
 public:
  std::string_view type() const noexcept override { return "DynamicForwardProxy"; }

  std::shared_ptr<const sdk::PluginIr> parse(const sdk::Object& backend, const sdk::HostApi&,
                                             sdk::Diagnostics& diag) const noexcept override {
    try {
      auto ir = std::make_shared<DfpBackendIr>();
      ir->enable_tls =
          model::ValueReader(&backend.body, "", diag)["spec"]["dynamicForwardProxy"]["enableTls"].boolean().value_or(
              false);
      return ir;
    } catch (const std::exception& e) {
      diag.error("spec.dynamicForwardProxy", e.what());
      return nullptr;
    }
  }

  void build_cluster(const sdk::TranslationContext&, const sdk::Object&, const sdk::PluginIr& ir,
                     sdk::ClusterOutput& out, sdk::Diagnostics& diag) const noexcept override {
    try {
      auto& cluster = out.cluster;
      envoy::extensions::clusters::dynamic_forward_proxy::v3::ClusterConfig config;
      config.mutable_sub_clusters_config()->set_lb_policy(envoy::config::cluster::v3::Cluster::LEAST_REQUEST);
      cluster.mutable_cluster_type()->set_name("envoy.clusters.dynamic_forward_proxy");
      cluster.mutable_cluster_type()->mutable_typed_config()->PackFrom(config);
      cluster.set_lb_policy(envoy::config::cluster::v3::Cluster::CLUSTER_PROVIDED);
      if (static_cast<const DfpBackendIr&>(ir).enable_tls) {
        // The system CAs validate the upstream; SNI and SAN come from the request's host.
        envoy::extensions::transport_sockets::tls::v3::UpstreamTlsContext tls;
        auto* combined = tls.mutable_common_tls_context()->mutable_combined_validation_context();
        combined->mutable_default_validation_context();
        combined->mutable_validation_context_sds_secret_config()->set_name("SYSTEM_CA_CERT");
        cluster.mutable_transport_socket()->set_name("envoy.transport_sockets.tls");
        cluster.mutable_transport_socket()->mutable_typed_config()->PackFrom(tls);
      }
    } catch (const std::exception& e) {
      diag.error("spec.dynamicForwardProxy", e.what());
    }
  }
};

}  // namespace

std::unique_ptr<sdk::BackendType> make_dfp_backend_type() { return std::make_unique<DfpBackendType>(); }

}  // namespace kgw::builtin
