// Policies the host makes from Gateway API and Inference API objects, sent to every agentgateway
// Gateway: an InferencePool's endpoint picker (`<ns>/<pool>:inference`) and the TLS its proxy
// uses to reach the picker (`<ns>/<pool>:inferencetls`); BackendTLSPolicy
// (`<ns>/<name>:backend-tls:<ns>/<hostname>[/<port>]`), with each Gateway's backend client
// certificate, and its per-Gateway status.
#pragma once

#include "agw/inputs.h"
#include "agw/output.h"

namespace kgw::agw {

void translate_inference_pool_policies(const Inputs& inputs, Output& output);
void translate_backend_tls_policies(const Inputs& inputs, Output& output);

}  // namespace kgw::agw
