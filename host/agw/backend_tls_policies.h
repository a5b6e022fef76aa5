// BackendTLSPolicies for agentgateway: per target (a Service port, or an InferencePool) a backend
// policy with the TLS the proxy uses upstream, sent to every agentgateway Gateway with that
// Gateway's own client certificate (`spec.tls.backend.clientCertificateRef`), and the policy's
// status per Gateway.
#pragma once

#include "agw/inputs.h"
#include "agw/output.h"

namespace kgw::agw {

void translate_backend_tls_policies(const Inputs& inputs, Output& output);

}  // namespace kgw::agw
