// The listeners of agentgateway Gateways (their own and their ListenerSets') and which route
// attached to which listener: what routes attach to, and what policies targeting a Gateway,
// ListenerSet, listener or route need to find the Gateways they are sent to.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kgw/sdk/object.h"
#include "kgw/sdk/value.h"

namespace kgw::agw {

struct ListenerModel {
  std::string key;       // `<owner ns>/<owner name>.<listener name>`, owner the Gateway or ListenerSet
  std::string bind_key;  // `<port>/<gateway ns>/<gateway name>`
  sdk::ObjectRef gateway;
  std::optional<sdk::ObjectRef> listener_set;
  std::string name;
  std::string protocol;  // as written: HTTP, HTTPS, TLS, TCP, HBONE
  int64_t port = 0;
  std::optional<std::string> hostname;
  std::vector<sdk::GroupKind> supported_kinds;
  const sdk::Value* allowed_routes = nullptr;  // the listener's `allowedRoutes`
  // Suffix of the keys of routes on this listener: the listener name, or
  // `<listener set ns>.<listener set name>.<listener name>`.
  std::string route_key_suffix;
  int64_t attached_routes = 0;
  bool conflicted = false;   // shares its port with an earlier listener it cannot coexist with
  bool unsupported = false;  // of a protocol agentgateway does not serve
  // Whether the listener is sent to the proxy, and routes can attach to it.
  bool usable() const { return !conflicted && !unsupported; }
  sdk::Value status;  // the listener's status entry, without `attachedRoutes`
};

struct ListenerSetModel {
  const sdk::Object* listener_set = nullptr;
  bool accepted = false;  // counted in the Gateway's `attachedListenerSets`
  std::vector<ListenerModel> listeners;
  sdk::Value::List conditions;
};

struct GatewayModel {
  const sdk::Object* gateway = nullptr;
  std::vector<ListenerModel> listeners;  // the Gateway's own ones
  // The ListenerSets the Gateway allows, and their listeners.
  std::vector<ListenerSetModel> listener_sets;
  sdk::Value::List conditions;  // the Gateway's status conditions
};

// A route's attachment to one listener.
struct RouteAttachment {
  sdk::ObjectRef route;
  sdk::ObjectRef gateway;
  std::string listener_key;
};

struct GatewaysModel {
  std::vector<GatewayModel> gateways;
  std::vector<RouteAttachment> attachments;
  // Routes reached through delegation only (no listener), by the Gateway they are sent to.
  std::vector<std::pair<sdk::ObjectRef, sdk::ObjectRef>> delegated;
  // Keys of the listeners AgentgatewayModels attach to directly; a root model-serving HTTPRoute
  // on one of them conflicts.
  std::set<std::string> model_listeners;

  const GatewayModel* find_gateway(const sdk::ObjectRef& ref) const {
    for (const auto& g : gateways)
      if (g.gateway->ref.ns == ref.ns && g.gateway->ref.name == ref.name) return &g;
    return nullptr;
  }
};

}  // namespace kgw::agw
