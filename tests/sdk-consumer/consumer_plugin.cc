// A vendor-style plugin built against the installed SDK: one backend type that builds a static
// cluster, so the host's `plugins inspect` shows what it registered.
#include <envoy/config/cluster/v3/cluster.pb.h>
#include <kgw/sdk/plugin.h>

namespace {

class VendorIr final : public kgw::sdk::PluginIr {
 public:
  bool equals(const kgw::sdk::PluginIr& other) const noexcept override {
    return dynamic_cast<const VendorIr*>(&other) != nullptr;
  }
};

class VendorBackend final : public kgw::sdk::BackendType {
 public:
  std::string_view type() const noexcept override { return "Vendor"; }
  std::shared_ptr<const kgw::sdk::PluginIr> parse(const kgw::sdk::Object&, const kgw::sdk::HostApi&,
                                                  kgw::sdk::Diagnostics&) const noexcept override {
    return std::make_shared<VendorIr>();
  }
  void build_cluster(const kgw::sdk::TranslationContext&, const kgw::sdk::Object&, const kgw::sdk::PluginIr&,
                     kgw::sdk::ClusterOutput& out, kgw::sdk::Diagnostics&) const noexcept override {
    out.cluster.set_type(envoy::config::cluster::v3::Cluster::STATIC);
  }
};

kgw::sdk::Status register_consumer(kgw::sdk::RegistrationContext& ctx) {
  if (auto st = kgw::sdk::check_keys(ctx.config(), {}); !st) return st;
  return ctx.registry().add_backend_type(std::make_unique<VendorBackend>());
}

}  // namespace

KGW_PLUGIN("consumer", "0.0.1", "a plugin built against the installed SDK alone", register_consumer)
