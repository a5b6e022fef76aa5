#include "agw/gateways.h"

#include "agw/listeners.h"
#include "agw/models.h"
#include "agw/routes.h"

namespace kgw::agw {

GatewaysModel translate_gateways(const Inputs& inputs, Output& output) {
  GatewaysModel model = translate_listeners(inputs, output);
  ModelTranslation models(inputs, model, output);
  models.attach();
  translate_routes(inputs, model, output);
  models.finish();
  // Listener statuses count the routes attached above.
  write_listener_statuses(model, output);
  return model;
}

}  // namespace kgw::agw
