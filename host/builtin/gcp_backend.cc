#include "builtin/gcp_backend.h"

#include "builtin/dns_cluster.h"
#include "envoy/extensions/filters/http/gcp_authn/v3/gcp_authn.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb.h"
#include "model/value_reader.h"

namespace kgw::builtin {
namespace {

class GcpBackendIr final : public sdk::PluginIr {
 public:
  std::string host;
  std::string audience;
  bool equals(const sdk::PluginIr& other) const noexcept override {
    const auto* o = dynamic_cast<const GcpBackendIr*>(&other);
    return o && o->host == host && o->audience == audience;
  }
};

class GcpBackendType final : public sdk::BackendType {
 public:
  std::string_view type() const noexcept override { return "GCP"; }

  std::shared_ptr<const sdk::PluginIr> parse(const sdk::Object& backend, const sdk::HostApi&,
                                             sdk::Diagnostics& diag) const noexcept override {
    try {
      auto ir = std::make_shared<GcpBackendIr>();
      auto gcp = model::ValueReader(&backend.body, "", diag)["spec"]["gcp"];
      ir->host = gcp["host"].required_string();
      ir->audience = gcp["audience"].string().value_or("https://" + ir->host);
      return ir;
    } catch (const std::exception& e) {
      diag.error("spec.gcp", e.what());
      return nullptr;
    }
  }

  void build_cluster(const sdk::TranslationContext&, const sdk::Object&, const sdk::PluginIr& ir,
                     sdk::ClusterOutput& out, sdk::Diagnostics& diag) const noexcept override {
    try {
      const auto& gcp = static_cast<const GcpBackendIr&>(ir);
      auto& cluster = out.cluster;
      auto& assignment = make_dns_cluster(cluster);
      auto* address = assignment.add_endpoints()
                          ->add_lb_endpoints()
                          ->mutable_endpoint()
                          ->mutable_address()
                          ->mutable_socket_address();
      address->set_address(gcp.host);
      address->set_port_value(443);
      envoy::extensions::filters::http::gcp_authn::v3::Audience audience;
      audience.set_url(gcp.audience);
      (*cluster.mutable_metadata()->mutable_typed_filter_metadata())["envoy.filters.http.gcp_authn"].PackFrom(audience);
      envoy::extensions::transport_sockets::tls::v3::UpstreamTlsContext tls;
      tls.set_sni(gcp.host);
      cluster.mutable_transport_socket()->set_name("envoy.transport_sockets.tls");
      cluster.mutable_transport_socket()->mutable_typed_config()->PackFrom(tls);
    } catch (const std::exception& e) {
      diag.error("spec.gcp", e.what());
    }
  }
};

}  // namespace

std::unique_ptr<sdk::BackendType> make_gcp_backend_type() { return std::make_unique<GcpBackendType>(); }

}  // namespace kgw::builtin
