// A syntax check for Common Expression Language expressions: agentgateway compiles the
// expressions of a policy, and its controller reports the ones that do not parse. Only the
// grammar is checked (no types, no function names), as a parser would.
#pragma once

#include <string_view>

namespace kgw::agw_plugin {

bool is_valid_cel(std::string_view text);

}  // namespace kgw::agw_plugin
