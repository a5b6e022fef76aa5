#include "agw/backends.h"

#include "agw/status.h"
#include "logging/logging.h"
#include "plugins/extension_registry.h"

namespace kgw::agw {
namespace {

// agentgateway's controller words a rejected backend as one message: the errors, one per line,
// after a fixed prefix. Paths stay out of it (they are in the errors' text when they help).
std::string rejection_message(const sdk::Diagnostics& diag) {
  std::string out = "failed to translate backend: ";
  for (size_t i = 0; i < diag.errors().size(); ++i) {
    if (i) out += "\n";
    out += diag.errors()[i].message;
  }
  return out;
}

}  // namespace

void translate_backends(const Inputs& inputs, const plugins::ExtensionRegistry& registry, Output& output) {
  const PluginContext ctx(inputs);
  for (const auto& [group_kind, owned] : registry.agentgateway_backend_kinds()) {
    for (const sdk::Object* object : inputs.of_kind(group_kind.kind)) {
      if (object->ref.group != group_kind.group) continue;
      std::vector<::agentgateway::dev::resource::Backend> backends;
      sdk::Diagnostics diag;
      owned.extension->translate(ctx, *object, backends, diag);
      for (const auto& w : diag.warnings())
        logging::get("agentgateway")->warn("{}: {}", object->ref.to_string(), w.to_string());

      sdk::Value conditions{sdk::Value::List{}};
      if (diag.has_errors()) {
        conditions.as_list()->push_back(condition("Accepted", false, "TranslationError", rejection_message(diag)));
      } else {
        conditions.as_list()->push_back(condition("Accepted", true, "Accepted", "Backend successfully accepted"));
        // Every agentgateway Gateway may route to any backend, so each one gets them all.
        for (const sdk::Object* gateway : inputs.gateways())
          for (const auto& backend : backends) {
            GatewayResource r;
            r.gateway = gateway->ref;
            *r.resource.mutable_backend() = backend;
            output.resources.push_back(std::move(r));
          }
      }
      sdk::Value status;
      status.set("conditions", std::move(conditions));
      output.statuses.push_back({object->ref, object->api_version, std::move(status)});
    }
  }
}

}  // namespace kgw::agw
