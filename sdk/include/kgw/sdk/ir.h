// Plugin-owned intermediate representations and the contexts hooks run in.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "kgw/sdk/host_api.h"
#include "kgw/sdk/object.h"

namespace kgw::sdk {

// What a plugin parses an object into. The host stores it, never looks inside, and hands it back
// to the same plugin's hooks. Immutable once returned; shared between translations.
class PluginIr {
 public:
  virtual ~PluginIr() = default;
  // Equality lets the host skip re-translation when an object changed in ways that do not matter.
  virtual bool equals(const PluginIr& other) const noexcept = 0;
};

// The translation a hook runs in. Owned by the host; valid only during the hook call.
class TranslationContext {
 public:
  // The Gateway being translated.
  virtual const ObjectRef& gateway() const noexcept = 0;
  // Same HostApi as at registration; secret lookups made through it are attributed to this
  // translation (and so re-run it when the Secret changes).
  virtual const HostApi& host() const noexcept = 0;
  // Since ABI 1.1. How the operator set policies of `kind` (kgateway's settings name, such as
  // "trafficPolicy") attached at several levels to merge `field` (such as "acl"): "DeepMerge",
  // "ShallowMerge", or "" when nothing is set and the kind's own default applies.
  virtual std::string merge_strategy(std::string_view kind, std::string_view field) const noexcept = 0;
  // Since ABI 1.1. The BackendTLSPolicy that sets the upstream TLS of cluster `cluster`, or
  // nullptr: it takes precedence over TLS a cluster hook sets, which a kind may report as
  // overridden.
  virtual const ObjectRef* upstream_tls_policy(std::string_view cluster) const noexcept = 0;

 protected:
  ~TranslationContext() = default;
};

// One policy attached at the level a hook is called for, in precedence order (highest first).
struct AttachedPolicy {
  ObjectRef policy;
  const PluginIr* ir = nullptr;  // owned by the host; valid during the hook call
};
using AttachedPolicies = std::span<const AttachedPolicy>;

}  // namespace kgw::sdk
