// Helpers for reading a plugin's `[plugins.config]` table.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "kgw/sdk/status.h"
#include "kgw/sdk/value.h"

namespace kgw::sdk {

// Errors for every key of `table` not in `allowed` (and for a non-table value), so a typo in the
// operator's TOML file is reported with its key rather than silently ignored.
inline Status check_keys(const Value& table, std::initializer_list<std::string_view> allowed) {
  if (table.is_null()) return {};
  const auto* map = table.as_map();
  if (!map) return Status::error(std::string("expected a table, got a ") + table.kind_name());
  std::vector<FieldError> errors;
  for (const auto& [key, value] : *map)
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      errors.push_back({key, allowed.size() == 0 ? "unknown key (this plugin takes no settings)" : "unknown key"});
  return Status::from(std::move(errors));
}

}  // namespace kgw::sdk
