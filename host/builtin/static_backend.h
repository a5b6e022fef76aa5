// The kgateway Backend type Static: fixed hosts, resolved by DNS. Built in, but registered
// through the same SDK registry as plugins' backend types.
#pragma once

#include <memory>

#include "kgw/sdk/backend_type.h"

namespace kgw::builtin {

std::unique_ptr<sdk::BackendType> make_static_backend_type();

}  // namespace kgw::builtin
