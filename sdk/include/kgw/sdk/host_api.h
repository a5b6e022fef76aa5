// What the host offers a plugin: logging, secret and object lookup, backend clusters, condition
// reporting, and a way to ask for translation again when state outside the manifests changes.
//
// The HostApi reference a plugin receives at registration stays valid for the life of the process
// (the host outlives every plugin, and plugins are never unloaded), so a plugin may keep it. All
// methods are thread-safe and never throw.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "kgw/sdk/object.h"

namespace kgw::sdk {

enum class LogLevel { Trace, Debug, Info, Warn, Error };

// A Secret's data. Its values are credentials: never log them, never put them in errors or status.
// The host owns the Secret; the shared_ptr keeps this version alive as long as the plugin holds
// it, but a plugin should look the Secret up again on every translation to see rotations.
struct Secret {
  ObjectRef ref;
  std::string type;                         // e.g. "Opaque", "kubernetes.io/tls"
  std::map<std::string, std::string> data;  // decoded bytes of `data` and `stringData`
};

class HostApi {
 public:
  // Logs under the plugin's name as the component.
  virtual void log(LogLevel level, std::string_view message) const noexcept = 0;

  // Looks up Secret `ns/name` on behalf of object `from`, applying ReferenceGrant rules when the
  // namespaces differ. The host records the dependency, so a change to that Secret re-translates
  // exactly what asked for it. Returns nullptr when the Secret does not exist or may not be used.
  virtual std::shared_ptr<const Secret> find_secret(const ObjectRef& from, std::string_view ns,
                                                    std::string_view name) const noexcept = 0;

  // Sets a condition on an object the plugin owns (a Backend of its type, a policy of its kind).
  // `ancestor` is the Gateway or route the condition is about, for per-ancestor policy status;
  // nullptr for object-level conditions.
  virtual void report_condition(const ObjectRef& object, const ObjectRef* ancestor,
                                const Condition& condition) const noexcept = 0;

  // Since ABI 1.1.

  // Looks up object `target` (group, kind, namespace, name) on behalf of object `from`, applying
  // ReferenceGrant rules when the namespaces differ (between two kgateway kinds, such as a policy
  // and its GatewayExtension, only in the Strict ReferenceGrant mode, as kgateway does). The
  // host records the dependency like find_secret's. Returns nullptr when the object does not
  // exist or may not be used, and then, with `why`, "not found" or "missing reference grant"; the
  // pointer is valid until the hook that received this HostApi
  // returns (only the contexts handed to translation hooks see objects; the registration-time
  // HostApi always returns nullptr).
  virtual const Object* find_object(const ObjectRef& from, const ObjectRef& target,
                                    std::string* why = nullptr) const noexcept = 0;

  // Resolves a backend that object `from` refers to (a core Service and its `port`, or a kgateway
  // Backend with port 0), applying ReferenceGrant rules, and makes sure the Gateway's output holds
  // its cluster (and endpoints) even when no route uses it: the service of an ext_authz filter,
  // say. Returns the cluster name, or "" with the reason in `error` (as a route's ResolvedRefs
  // condition would word it). Translation hooks only; the registration-time HostApi returns "".
  virtual std::string backend_cluster(const ObjectRef& from, const ObjectRef& target, int32_t port,
                                      std::string& error) const noexcept = 0;

  // Tells the host that state outside the manifests that `object` (a Backend or policy of the
  // plugin's) depends on has changed, for example endpoints the plugin discovers itself: every
  // Gateway that uses `object` is translated again shortly. Callable from any thread, at any time
  // after registration; several calls in a short time coalesce into one translation.
  virtual void refresh(const ObjectRef& object) const noexcept = 0;

 protected:
  ~HostApi() = default;
};

}  // namespace kgw::sdk
