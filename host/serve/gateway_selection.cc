#include "serve/gateway_selection.h"

namespace kgw::serve {

bool is_managed(const sdk::Object& gateway, const store::ObjectStore& store) {
  const sdk::Value* spec = gateway.spec();
  const sdk::Value* class_name = spec ? spec->find("gatewayClassName") : nullptr;
  if (!class_name || !class_name->is_string()) return false;
  const std::string& name = *class_name->as_string();
  if (name == "kgateway" || name == "kgateway-waypoint") return true;
  const store::StoredObject* cls = store.find({"gateway.networking.k8s.io", "GatewayClass", "", name});
  if (!cls) return false;
  const sdk::Value* class_spec = cls->object->spec();
  const sdk::Value* controller = class_spec ? class_spec->find("controllerName") : nullptr;
  return controller && controller->is_string() && *controller->as_string() == kControllerName;
}

}  // namespace kgw::serve
