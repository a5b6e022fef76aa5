// What one translation of a Gateway leaves for the next translation of the same Gateway, so that a
// change to a few routes parses and builds only those routes again.
//
// The caller owns one memo per Gateway and tells it what changed between two translations
// (invalidate). Routes are remembered per route object: its parsed model, the Envoy routes built
// for it (unnamed: a route's name carries its position in the virtual host, which other routes
// move) and the outcome of building them (parent conditions, clusters and DirectResponses used).
// A route with a policy attached is never remembered: policy hooks may report or keep state.
// What every route depends on (the Gateway, Services, Backends, ReferenceGrants, policies,
// Secrets, ...) is not tracked finely: a change to any object that is not a route forgets it all.
// EndpointSlices feed only the load assignments, so their changes keep the routes. While only
// routes change, phase A's outcome (where every route attached) and the last statuses are kept
// and patched too. See docs/adr/004-incremental-translation.md.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "envoy/config/route/v3/route.pb.h"
#include "kgw/sdk/object.h"
#include "model/gateway_api.h"
#include "translator/copy_on_write.h"
#include "translator/output.h"
#include "translator/route_precedence.h"
#include "translator/shared_list.h"
#include "translator/shared_status.h"
#include "translator/status_builder.h"

namespace kgw::translator {

class TranslationMemo {
 public:
  // Objects added, changed or removed since the last translation. Secrets held apart from the
  // objects are reported by `forget_all`.
  void invalidate(const std::vector<sdk::ObjectRef>& changed) {
    for (const auto& ref : changed) {
      if (is_route_kind(ref)) {
        changed_routes.insert(ref);
        if (auto it = routes.find(ref); it != routes.end()) {
          if (it->second.scan_position < scan_order.size()) scan_order[it->second.scan_position] = nullptr;
          if (it->second.model) {
            if (attachments && it->second.attachment)
              attachments->removed.emplace_back(it->second.model.get(), std::move(*it->second.attachment));
            retired.push_back(std::move(it->second.model));
          }
          routes.erase(it);
        }
        // Lent virtual hosts know routes by address: retired ones are kept so that no new route
        // takes an address they know. Past a bound, everything is forgotten instead.
        if (retired.size() > kRetiredBound) forget_all();
      } else if (ref.group == "discovery.k8s.io" && ref.kind == "EndpointSlice") {
        backends_valid = false;
      } else {
        forget_all();
        return;
      }
    }
  }
  void forget_all() {
    routes.clear();
    retired.clear();
    virtual_hosts.clear();
    services.reset();
    backends_valid = false;
    statuses.reset();
    changed_routes.clear();
    attachments.reset();
    scan_order.clear();
  }

  static bool is_route_kind(const sdk::ObjectRef& ref) {
    const std::string_view kind = ref.kind;  // compared by size first: most objects are not routes
    return (kind == "HTTPRoute" || kind == "GRPCRoute" || kind == "TCPRoute" || kind == "TLSRoute") &&
           std::string_view(ref.group) == model::kGatewayGroup;
  }

  // What translation remembers; read and written by translate_gateway only.

  // Where phase A attached a route: its parents on this Gateway with the conditions attaching left
  // on them, the listeners it attached to (by position, once per attachment) and the Envoy routes
  // its matches made.
  struct Attachment {
    std::vector<std::pair<const model::ParentRef*, Conditions>> parents;
    std::vector<size_t> listeners;
    size_t entries = 0;
  };
  struct Route {
    // The parsed route; null when it does not parse.
    std::shared_ptr<const model::HttpRoute> model;
    // Whether `built` and the rest hold the outcome of building every Envoy route of it.
    bool built_complete = false;
    size_t entries = 0;  // Envoy routes built for it
    // (route configuration, hostname, rule, match) -> the Envoy route, without its name; kept only
    // when virtual hosts are not lent (lent ones hold the routes).
    std::vector<std::pair<std::tuple<std::string, std::string, size_t, size_t>, envoy::config::route::v3::Route>> built;
    size_t parents = 0;                  // its parents on this Gateway
    std::optional<SharedStatus> status;  // its status, when it has parents here
    std::vector<std::string> used_clusters;
    std::vector<std::string> direct_responses_used;
    std::optional<Attachment> attachment;  // while `attachments` holds it
    // Its key in `routes`, and its place in the last scan's order (`scan_order`).
    const sdk::ObjectRef* key = nullptr;
    size_t scan_position = SIZE_MAX;
    // Whether `ref` (a route kind, as every key here is) is this route's.
    bool is(const sdk::ObjectRef& ref) const {
      return key->name == ref.name && key->ns == ref.ns && key->kind == ref.kind;
    }
  };
  struct RefHash {
    size_t operator()(const sdk::ObjectRef& r) const {
      std::hash<std::string> h;
      size_t seed = h(r.name);
      for (const std::string* part : {&r.ns, &r.kind})
        seed ^= h(*part) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
      return seed;
    }
  };
  std::unordered_map<sdk::ObjectRef, Route, RefHash> routes;
  // The routes in the order the last translation met them in its input; null where one was
  // changed since.
  std::vector<Route*> scan_order;
  static constexpr size_t kRetiredBound = 4096;
  std::vector<std::shared_ptr<const model::HttpRoute>> retired;
  // A virtual host as built, lent to each output while the same route matches make it up.
  struct VirtualHost {
    std::vector<RouteEntry> entries;  // in attachment order, before sorting
    std::vector<RouteEntry> sorted;   // the order of `built`'s routes
    std::shared_ptr<const envoy::config::route::v3::VirtualHost> built;
    // How many virtual hosts, `built` and those it borrowed routes from, hold its routes.
    size_t generations = 1;
  };
  // Past this, a changed virtual host copies its unchanged routes rather than borrow them: a
  // virtual host keeps alive those it borrowed from, and they the ones they borrowed from.
  static constexpr size_t kGenerationsBound = 8;
  // By route configuration and hostname. Only while no policy applies to the Gateway: policy
  // hooks may change virtual hosts after they are built.
  std::map<std::pair<std::string, std::string>, VirtualHost> virtual_hosts;
  // The parsed Services ("ns/name"), while no object other than a route changed.
  std::shared_ptr<const std::map<std::string, model::Service>> services;
  // The last output's statuses, whose route sections the next translation patches: it sets the
  // routes built again whose status differs and drops those changed since (`changed_routes`) that
  // have none now, instead of rebuilding a map of every route.
  std::optional<CopyOnWrite<std::map<std::string, StatusSection>>> statuses;
  std::set<sdk::ObjectRef> changed_routes;
  // Phase A's outcome, while only routes changed: the next translation takes the routes changed
  // since out and attaches their new versions, instead of attaching every route again. Listeners
  // and route models are held here, so what points at them stays valid.
  struct L4Attachment {
    const model::Listener* listener;
    const model::HttpRoute* route;
    std::vector<std::string> hostnames;
  };
  struct Attachments {
    std::shared_ptr<const model::Gateway> gateway;
    std::vector<model::ListenerSet> listener_sets;  // those this Gateway lets in
    std::vector<int64_t> attached;                  // routes attached, by listener position
    // route configuration name -> hostname -> Envoy route matches, in the order attached
    std::map<std::string, std::map<std::string, std::vector<RouteEntry>>> vhosts;
    // route configuration name -> hostname -> how specifically the listeners serving it match it
    std::map<std::string, std::map<std::string, size_t>> vhost_rank;
    // The listener that serves each virtual host, by route configuration and hostname.
    std::map<std::string, std::map<std::string, const model::Listener*>> vhost_listener;
    std::map<int32_t, std::vector<L4Attachment>> l4;  // port -> TCP/TLS routes, in route order
    // Attached routes without rules: the only ones that make a virtual host without routes.
    size_t ruleless = 0;
    // Routes changed since, by their last model (kept in `retired`), with where they attached.
    std::vector<std::pair<const model::HttpRoute*, Attachment>> removed;
  };
  std::optional<Attachments> attachments;
  size_t attachments_patched = 0;  // translations that patched phase A (for tests and figures)
  size_t mismatches = 0;           // translations that found the memo out of step and began again
  // The last output's clusters and load assignments, reused while only routes changed.
  bool backends_valid = false;
  CopyOnWrite<std::vector<envoy::config::cluster::v3::Cluster>> clusters;
  CopyOnWrite<SharedList<envoy::config::endpoint::v3::ClusterLoadAssignment>> endpoints;
};

}  // namespace kgw::translator
