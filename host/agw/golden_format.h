// The document `kgw translate --proxy agentgateway` prints and the agentgateway reference cases
// hold: `output:` every resource as `{gateway: {Name, Namespace}, resource: <protobuf JSON>}`,
// sorted by resource name; `addresses:` the Addresses in protobuf JSON, sorted by name; `status:`
// each object's `apiVersion`, `kind`, `metadata` (name, namespace) and `status`.
#pragma once

#include <string>

#include "agw/output.h"
#include "translator/golden_format.h"

namespace kgw::agw {

sdk::Value document(const Output& output);
std::string render(const Output& output, translator::Format format);

}  // namespace kgw::agw
