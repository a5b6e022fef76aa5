#include "builtin/builtin_extensions.h"

#include "builtin/dfp_backend.h"
#include "builtin/gcp_backend.h"
#include "builtin/priority_groups_backend.h"
#include "builtin/static_backend.h"

namespace kgw::builtin {

void register_builtin_extensions(plugins::ExtensionRegistry& registry) {
  // A fresh registry cannot refuse these: their keys are unique among built-ins.
  (void)registry.add_backend_type(make_static_backend_type());
  (void)registry.add_backend_type(make_dfp_backend_type());
  (void)registry.add_backend_type(make_gcp_backend_type());
  (void)registry.add_backend_type(make_priority_groups_backend_type());
}

}  // namespace kgw::builtin
