// kgateway's policies (TrafficPolicy, ListenerPolicy, HTTPListenerPolicy, BackendConfigPolicy,
// GatewayExtension) as HTTP and network filters, built on the SDK alone.
#include <kgw/sdk/plugin.h>

#include "backend_config_policy.h"
#include "listener_policy.h"
#include "traffic_policy.h"

namespace {

kgw::sdk::Status register_filters(kgw::sdk::RegistrationContext& ctx) {
  if (auto st = kgw::sdk::check_keys(ctx.config(), {}); !st) return st;
  for (auto* make : {&kgw::filters::make_traffic_policy_kind, &kgw::filters::make_listener_policy_kind,
                     &kgw::filters::make_http_listener_policy_kind, &kgw::filters::make_backend_config_policy_kind})
    if (auto st = ctx.registry().add_policy_kind(make()); !st) return st;
  return kgw::sdk::Status::ok();
}

}  // namespace

KGW_PLUGIN("filters", "0.1.0", "kgateway policies as HTTP and TCP filters", register_filters)
