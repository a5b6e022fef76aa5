#include "agw/translate.h"

#include "agw/addresses.h"
#include "agw/backend_tls_policies.h"
#include "agw/backends.h"
#include "agw/gateways.h"
#include "agw/inference_pools.h"
#include "agw/inputs.h"
#include "agw/policies.h"

namespace kgw::agw {

Output translate(const std::vector<sdk::Object>& objects, const plugins::ExtensionRegistry& registry,
                 SecretLookup find_secret) {
  Inputs inputs(objects);
  inputs.set_secret_lookup(std::move(find_secret));
  Output output;
  const GatewaysModel model = translate_gateways(inputs, output);
  translate_backends(inputs, registry, output);
  const PolicyTargets targets(inputs, model, policy_kinds(registry));
  translate_inference_pools(inputs, targets, output);
  translate_backend_tls_policies(inputs, output);
  translate_policies(inputs, registry, targets, output);
  translate_addresses(inputs, output);
  return output;
}

}  // namespace kgw::agw
