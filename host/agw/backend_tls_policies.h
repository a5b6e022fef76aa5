// BackendTLSPolicy for agentgateway (`<ns>/<name>:backend-tls:<ns>/<hostname>[/<port>]`), sent
// to every agentgateway Gateway with that Gateway's backend client certificate, and its
// per-Gateway status.
#pragma once

#include "agw/inputs.h"
#include "agw/output.h"

namespace kgw::agw {

void translate_backend_tls_policies(const Inputs& inputs, Output& output);

}  // namespace kgw::agw
