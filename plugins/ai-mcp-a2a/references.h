// What an AgentgatewayBackend refers to: Secrets and ConfigMaps holding credentials, and other
// backends (Services, AgentgatewayBackends, URLs) its policies send traffic to.
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

// One object's translation: the hook's context and the object.
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
// object is an error that says what failed to build (`what`).
std::optional<agw_api::BackendReference> backend_reference(const Translation& t, const Node& ref,
                                                           bool inference_pool = false, std::string_view what = {});

// An `http://` or `https://` URL split for a BackendReference: host, port (the scheme's by
// default), path ("/" when absent) and whether TLS is on.
struct Url {
  std::string host;
  uint32_t port = 0;
  std::string path;
  bool tls = false;
};
std::optional<Url> parse_url(const Node& url);

// `backendRef` or `url` of an endpoint (tunnel, token endpoint); `tls` is set when the URL is
// https. An error when neither or both are set.
std::optional<agw_api::BackendReference> endpoint_reference(const Translation& t, const Node& endpoint,
                                                            std::string* url_path, bool* tls,
                                                            std::string_view what = {});

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
