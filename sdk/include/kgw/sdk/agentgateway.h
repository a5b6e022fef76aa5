// Extension point for the agentgateway data plane: kinds (AgentgatewayBackend variants,
// AgentgatewayPolicy sections) that a plugin translates into agentgateway's own xDS resources.
#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>
#include <string>
#include <vector>

#include "kgw/sdk/ir.h"
#include "kgw/sdk/status.h"

namespace kgw::sdk {

// Resources produced for one Gateway, each packed in an Any holding an
// `agentgateway.dev.resource.Resource` (or `istio.workload.Address`), keyed by resource name.
struct AgentgatewayOutput {
  std::vector<std::pair<std::string, google::protobuf::Any>> resources;
};

class AgentgatewayTranslator {
 public:
  virtual ~AgentgatewayTranslator() = default;

  // The kind this translates, e.g. {"agentgateway.dev", "AgentgatewayBackend"}.
  virtual GroupKind group_kind() const noexcept = 0;
  // Which variant of the kind (e.g. "ai", "mcp", "a2a"); empty for all objects of the kind.
  // Several translators may share a kind when their variants differ.
  virtual std::string variant() const noexcept { return {}; }
  // Whether `object` is of this translator's variant.
  virtual bool handles(const Object& object) const noexcept { return true; }

  virtual std::shared_ptr<const PluginIr> parse(const Object& object, const HostApi& host,
                                                Diagnostics& diag) const noexcept = 0;
  virtual void translate(const TranslationContext& ctx, const Object& object, const PluginIr& ir,
                         AgentgatewayOutput& out, Diagnostics& diag) const noexcept = 0;
};

}  // namespace kgw::sdk
