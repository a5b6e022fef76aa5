// kgateway's policies (TrafficPolicy, ListenerPolicy, HTTPListenerPolicy, BackendConfigPolicy,
// GatewayExtension) as HTTP and network filters. The policy kinds arrive with their own work;
// today the plugin loads, rejects any configuration key, and registers nothing.
#include <kgw/sdk/plugin.h>

namespace {

kgw::sdk::Status register_filters(kgw::sdk::RegistrationContext& ctx) { return kgw::sdk::check_keys(ctx.config(), {}); }

}  // namespace

KGW_PLUGIN("filters", "0.1.0", "kgateway policies as HTTP and TCP filters", register_filters)
