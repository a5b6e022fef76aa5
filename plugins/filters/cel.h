// A parser for the Common Expression Language, producing the ParsedExpr Envoy's CEL matcher takes,
// with expression ids and source positions numbered as the reference CEL parser numbers them (so
// the configuration matches what kgateway sends). Macros (has, all, exists, map, ...) and message
// construction are not supported: parse_cel reports them as errors.
#pragma once

#include <string>
#include <variant>

#include "cel/expr/syntax.pb.h"

namespace kgw::filters {

// The parsed expression, or an error message naming the position.
std::variant<cel::expr::ParsedExpr, std::string> parse_cel(const std::string& text);

}  // namespace kgw::filters
