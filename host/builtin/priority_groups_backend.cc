#include "builtin/priority_groups_backend.h"

#include "builtin/dns_cluster.h"
#include "model/value_reader.h"

namespace kgw::builtin {
namespace {

class PriorityGroupsIr final : public sdk::PluginIr {
 public:
  std::vector<std::vector<std::string>> groups;  // Backend names per group, in priority order
  bool equals(const sdk::PluginIr& other) const noexcept override {
    const auto* o = dynamic_cast<const PriorityGroupsIr*>(&other);
    return o && o->groups == groups;
  }
};

bool is_static(const sdk::Object& backend) {
  const sdk::Value* spec = backend.spec();
  if (!spec) return false;
  if (const auto* type = spec->find("type"); type && type->as_string()) return *type->as_string() == "Static";
  return spec->find("static") != nullptr;
}

class PriorityGroupsBackendType final : public sdk::BackendType {
 public:
  std::string_view type() const noexcept override { return "PriorityGroups"; }

  std::shared_ptr<const sdk::PluginIr> parse(const sdk::Object& backend, const sdk::HostApi&,
                                             sdk::Diagnostics& diag) const noexcept override {
    try {
      auto ir = std::make_shared<PriorityGroupsIr>();
      auto groups = model::ValueReader(&backend.body, "", diag)["spec"]["priorityGroups"];
      if (!groups.present()) groups.error("Required value");
      groups.each([&](const model::ValueReader& group) {
        auto& names = ir->groups.emplace_back();
        auto refs = group["backendRefs"];
        if (!refs.present()) refs.error("Required value");
        refs.each([&](const model::ValueReader& ref) { names.push_back(ref["name"].required_string()); });
      });
      return ir;
    } catch (const std::exception& e) {
      diag.error("spec.priorityGroups", e.what());
      return nullptr;
    }
  }

  void build_cluster(const sdk::TranslationContext& ctx, const sdk::Object& backend, const sdk::PluginIr& ir,
                     sdk::ClusterOutput& out, sdk::Diagnostics& diag) const noexcept override {
    try {
      const auto& groups = static_cast<const PriorityGroupsIr&>(ir).groups;
      std::vector<std::vector<const sdk::Object*>> members(groups.size());
      for (size_t i = 0; i < groups.size(); ++i)
        for (const auto& name : groups[i]) {
          const std::string where = "priority group " + std::to_string(i) + ": backend \"" + name + "\"";
          const sdk::Object* member =
              ctx.host().find_object(backend.ref, {"gateway.kgateway.dev", "Backend", backend.ref.ns, name});
          if (!member)
            diag.error("", where + " not found");
          else if (!is_static(*member))
            diag.error("", where + " is not a static backend; only static backends are supported in priority groups");
          else
            members[i].push_back(member);
        }
      if (diag.has_errors()) return;
      // One locality per group, its priority the group's index: Envoy fails over in that order.
      auto& assignment = make_dns_cluster(out.cluster);
      for (size_t i = 0; i < members.size(); ++i) {
        auto* locality = assignment.add_endpoints();
        locality->set_priority(static_cast<uint32_t>(i));
        for (const sdk::Object* member : members[i]) {
          sdk::Diagnostics member_diag;
          auto hosts = model::ValueReader(&member->body, "", member_diag)["spec"]["static"]["hosts"];
          hosts.each([&](const model::ValueReader& h) {
            auto host = h["host"].string();
            auto port = h["port"].integer();
            if (!host || !port || *port < 1 || *port > 65535) return;  // the member's own status says why
            auto* endpoint = locality->add_lb_endpoints()->mutable_endpoint();
            auto* address = endpoint->mutable_address()->mutable_socket_address();
            address->set_address(*host);
            address->set_port_value(static_cast<uint32_t>(*port));
            endpoint->mutable_health_check_config()->set_hostname(*host);
            endpoint->set_hostname(*host);
          });
        }
      }
    } catch (const std::exception& e) {
      diag.error("spec.priorityGroups", e.what());
    }
  }
};

}  // namespace

std::unique_ptr<sdk::BackendType> make_priority_groups_backend_type() {
  return std::make_unique<PriorityGroupsBackendType>();
}

}  // namespace kgw::builtin
