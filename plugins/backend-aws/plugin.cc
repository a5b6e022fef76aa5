// AWS backends (Lambda, EC2) for kgateway Backends of `spec.type: AWS`.
// The backend type and its function metadata arrive with their own work; today the plugin loads,
// rejects any configuration key, and registers nothing.
#include <kgw/sdk/plugin.h>

namespace {

kgw::sdk::Status register_backend_aws(kgw::sdk::RegistrationContext& ctx) {
  return kgw::sdk::check_keys(ctx.config(), {});
}

}  // namespace

KGW_PLUGIN("backend-aws", "0.1.0", "AWS Lambda and EC2 backend types", register_backend_aws)
