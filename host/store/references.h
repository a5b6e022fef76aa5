// How objects relate, for deciding which Gateways a change affects: the edges an object's own
// fields declare, each meaning "a change of `from` can change the translation of `to`".
//
// Read from the object's `spec` (walked entirely, lists and nested maps included), whatever its
// kind, so policy and backend kinds the host does not model still relate through their fields:
//  - `parentRefs`, `parentRef`, `targetRefs`, `targetRef` point up: this object -> the named one
//    (a route to its Gateway or ListenerSet, a ListenerSet to its Gateway, a policy to its target).
//  - any other key ending in `Ref` (a map) or `Refs` (a list of maps) points down: the named object
//    -> this one (a Service to the route using it, a Secret to its Gateway, a GatewayExtension to
//    its policy). The walk continues inside the reference (a backendRef's own filters).
//  - `gatewayClassName` of a Gateway: the GatewayClass -> the Gateway.
//  - the `kubernetes.io/service-name` label of an EndpointSlice: the slice -> its Service.
// A reference without a `name` string is ignored. Group and kind default per key as the APIs
// define them (parents: Gateway; backends: Service; certificates and secrets: Secret; config maps:
// ConfigMap); a reference whose kind is neither written nor implied gets kind and group kAny and
// matches any object with that namespace and name. A name "*" matches every object of its kind in
// its namespace. The namespace defaults to the object's own; cluster-scoped kinds have none.
//
// `unsure` marks an object whose effect the store cannot bound: a kind it does not know (policies
// of any kind are known by how they attach, see references.cc), a ReferenceGrant or Namespace
// (they change what other objects may reference or select), and any object selecting by labels
// (`targetSelectors`, `secretSelector`). A change to one of these affects every Gateway.
#pragma once

#include <vector>

#include "kgw/sdk/object.h"

namespace kgw::store {

inline constexpr const char* kAny = "*";

struct Edge {
  sdk::ObjectRef from;
  sdk::ObjectRef to;

  friend auto operator<=>(const Edge&, const Edge&) = default;
};

struct References {
  std::vector<Edge> edges;  // sorted, without duplicates
  bool unsure = false;
};

References references_of(const sdk::Object& object);

// The keys a reference to `ref` may have been recorded under: itself, the any-kind form of its
// namespace and name, and the any-name form of its kind and namespace.
std::vector<sdk::ObjectRef> reference_keys(const sdk::ObjectRef& ref);

}  // namespace kgw::store
