// Typing of plain (unquoted) YAML scalars by the YAML 1.2 core schema, shared by the manifest
// parser and the golden format.
#pragma once

#include <string>

#include "kgw/sdk/value.h"

namespace kgw::sources {

// What to do with a number outside what int64_t or double can hold.
enum class Overflow {
  Approximate,  // a double with the magnitude (inf for floats beyond double)
  KeepText,     // the scalar's text, as a string
};

// null/~/empty, true/false, decimal, 0x and 0o integers, floats, .inf and .nan; anything else
// is a string.
sdk::Value resolve_plain_scalar(const std::string& s, Overflow overflow);

}  // namespace kgw::sources
