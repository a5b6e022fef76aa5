#include "agw/translate.h"

namespace kgw::agw {

bool is_agentgateway_gateway(const sdk::Object& gateway, const std::vector<sdk::Object>& objects) {
  if (gateway.ref.kind != "Gateway") return false;
  const sdk::Value* spec = gateway.spec();
  const sdk::Value* class_name = spec ? spec->find("gatewayClassName") : nullptr;
  if (!class_name || !class_name->is_string()) return false;
  if (*class_name->as_string() == "agentgateway") return true;
  for (const auto& object : objects) {
    if (object.ref.kind != "GatewayClass" || object.ref.name != *class_name->as_string()) continue;
    const sdk::Value* class_spec = object.spec();
    const sdk::Value* controller = class_spec ? class_spec->find("controllerName") : nullptr;
    return controller && controller->is_string() && *controller->as_string() == kControllerName;
  }
  return false;
}

Output translate(const std::vector<sdk::Object>& objects) {
  Output output;
  for (const auto& object : objects) {
    if (!is_agentgateway_gateway(object, objects)) continue;
    // The Gateway's binds, listeners, routes and policies come here.
  }
  return output;
}

}  // namespace kgw::agw
