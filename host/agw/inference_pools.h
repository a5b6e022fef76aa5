// InferencePools (Gateway API Inference Extension): each is a Service of its own (see
// addresses.h) whose requests an endpoint picker routes. Per pool, a backend policy with the
// picker (`<ns>/<name>:inference`), one that lets the proxy reach the picker over TLS
// (`:inferencetls`), and the pool's status under each Gateway it serves.
#pragma once

#include "agw/inputs.h"
#include "agw/output.h"
#include "agw/policy_targets.h"

namespace kgw::agw {

// `targets` says which Gateways' routes send to a pool.
void translate_inference_pools(const Inputs& inputs, const PolicyTargets& targets, Output& output);

}  // namespace kgw::agw
