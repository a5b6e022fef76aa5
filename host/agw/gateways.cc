#include "agw/gateways.h"

namespace kgw::agw {

void translate_gateways(const Inputs& inputs, Output& output) {
  // Binds, listeners, routes and their statuses come here.
}

}  // namespace kgw::agw
