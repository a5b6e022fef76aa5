// What an AgentgatewayBackend or AgentgatewayPolicy refers to: Secrets and ConfigMaps holding
// credentials, and other backends (Services, AgentgatewayBackends, URLs) its policies send
// traffic to.
#pragma once

#include <kgw/sdk/agentgateway.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec_node.h"

namespace kgw::agw_backend {

namespace agw_api = ::agentgateway::dev::resource;

inline constexpr const char* kGroup = "agentgateway.dev";
inline constexpr const char* kKind = "AgentgatewayBackend";

// One object's translation: the hook's context and the object (a backend or a policy).
struct Translation {
  const sdk::AgentgatewayContext& ctx;
  const sdk::Object& object;
  // An AgentgatewayPolicy's backendRefs must name existing objects; a backend's may name a
  // Service or backend of its namespace that appears later.
  bool require_backends = false;
  const std::string& ns() const { return object.ref.ns; }
  // `<ns>/<name>` of this object.
  std::string key() const { return object.ref.ns + "/" + object.ref.name; }
};

// The value under `key` (or `default_key` when the reference names none) of the Secret that
// `ref` ({name, key, kind, group}) names in the object's namespace. A missing Secret or key is an
// error, or a warning when `required` is false. The value never appears in a message.
std::optional<std::string> secret_value(const Translation& t, const Node& ref, std::string_view default_key,
                                        bool required = true);

// PEM data under `key` of a ConfigMap or Secret named by `ref` ({kind, name}); missing is an error.
std::optional<std::string> ca_bundle(const Translation& t, const Node& ref);

// A backendRef ({group, kind, name, namespace, port}) as agentgateway's BackendReference: a
// Service by hostname and port, or an AgentgatewayBackend by key; with `inference_pool`, also
// a namespace-local InferencePool (by its inference hostname, on its first target port by
// default). Cross-namespace references need a ReferenceGrant. With `require_backends`, a missing
// object is an error, prefixed with `what` ("failed to build tunnel").
std::optional<agw_api::BackendReference> backend_reference(const Translation& t, const Node& ref,
                                                           bool inference_pool = false, std::string_view what = {});

// `backendRef` or `url` of an endpoint (tunnel, token endpoint, remote service); an https URL adds
// backend TLS to `inline_policies`, verified against the URL's host. `url_path` gets the URL's
// path, empty when it has none. An error when neither or both are set.
std::optional<agw_api::BackendReference> endpoint_target(
    const Translation& t, const Node& endpoint, std::string_view what,
    google::protobuf::RepeatedPtrField<agw_api::BackendPolicySpec>& inline_policies, std::string* url_path = nullptr);

// A Kubernetes label selector ({matchLabels, matchExpressions}).
struct LabelSelector {
  struct Requirement {
    std::string key, op;
    std::vector<std::string> values;
  };
  std::map<std::string, std::string> labels;
  std::vector<Requirement> requirements;
  bool matches(const std::map<std::string, std::string>& object_labels) const;
};
// The selector at `node`; operators other than In, NotIn, Exists and DoesNotExist are errors.
LabelSelector label_selector(const Node& node);

}  // namespace kgw::agw_backend
