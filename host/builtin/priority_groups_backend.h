// The kgateway Backend type PriorityGroups: ordered groups of Static Backends of the same
// namespace, for failover. Built in, registered through the same SDK registry as plugins' types.
#pragma once

#include <memory>

#include "kgw/sdk/backend_type.h"

namespace kgw::builtin {

std::unique_ptr<sdk::BackendType> make_priority_groups_backend_type();

}  // namespace kgw::builtin
