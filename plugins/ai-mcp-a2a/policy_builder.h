// What the AgentgatewayPolicy sections share: the Policy resources of one target, keyed as
// agentgateway's controller keys them. The spec, durations, quantities, JSON, references and
// Secrets are read as the AgentgatewayBackend translation reads them.
#pragma once

#include <kgw/sdk/agentgateway.h>

#include <memory>
#include <string>
#include <vector>

#include "json.h"
#include "references.h"
#include "spec_node.h"

namespace kgw::agw_plugin {

namespace api = ::agentgateway::dev::resource;
using sdk::Value;

using agw_backend::parse_duration;
using agw_backend::parse_json;
using agw_backend::parse_quantity;
using agw_backend::to_proto_value;

// One AgentgatewayPolicy translated for one of its targets.
class PolicyBuilder {
 public:
  PolicyBuilder(const sdk::AgentgatewayContext& ctx, const sdk::Object& policy,
                const sdk::AgentgatewayPolicyTarget& target, std::vector<api::Policy>& out, sdk::Diagnostics& diag);

  const sdk::AgentgatewayContext& ctx() const { return ctx_; }
  const std::string& ns() const { return policy_.ref.ns; }

  // A new Policy keyed `<prefix><ns>/<name>:<feature>:<target key>`, with its name, target and
  // inheritance set.
  api::Policy& add(const std::string& prefix, const std::string& feature);
  // The policy for the translation it shares with AgentgatewayBackends: its backendRefs must exist.
  agw_backend::Translation translation() const { return {ctx_, policy_, /*require_backends=*/true}; }
  // A field of the policy's spec, read with its path.
  agw_backend::Node node(const Value* v, std::string path) const { return {v, std::move(path), diag_}; }

  // A Secret in the policy's namespace, or nullptr.
  std::shared_ptr<const sdk::Secret> secret(const std::string& name) const;

 private:
  const sdk::AgentgatewayContext& ctx_;
  const sdk::Object& policy_;
  const sdk::AgentgatewayPolicyTarget& target_;
  std::vector<api::Policy>& out_;
  sdk::Diagnostics& diag_;
};

// The sections of the policy's spec.
void translate_traffic(PolicyBuilder& b, const agw_backend::Node& traffic);
void translate_backend(PolicyBuilder& b, const agw_backend::Node& backend);
void translate_frontend(PolicyBuilder& b, const agw_backend::Node& frontend);

}  // namespace kgw::agw_plugin
