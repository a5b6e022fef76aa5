// What the AgentgatewayPolicy sections share: reading the spec tree, and the Policy resources of
// one target, keyed as agentgateway's controller keys them. Durations, quantities, JSON,
// references and Secrets are read as the AgentgatewayBackend translation reads them.
#pragma once

#include <kgw/sdk/agentgateway.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "json.h"
#include "references.h"
#include "spec_node.h"

namespace kgw::agw_plugin {

namespace api = ::agentgateway::dev::resource;
using sdk::Value;

// Spec access; every accessor takes a possibly null node.
const Value* at(const Value* v, const char* key);
const std::string* str(const Value* v, const char* key);
std::optional<int64_t> integer(const Value* v, const char* key);
std::optional<bool> boolean(const Value* v, const char* key);
const Value::List& list(const Value* v, const char* key);
const Value::Map& map(const Value* v, const char* key);
std::vector<std::string> strings(const Value* v, const char* key);
// A map of strings (numbers and booleans as their text).
std::map<std::string, std::string> string_map(const Value* v, const char* key);
std::string scalar_text(const Value& v);

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
  const sdk::Object& policy() const { return policy_; }
  const std::string& ns() const { return policy_.ref.ns; }
  const sdk::ObjectRef& ref() const { return policy_.ref; }

  // A new Policy keyed `<prefix><ns>/<name>:<feature>:<target key>`, with its name, target and
  // inheritance set.
  api::Policy& add(const std::string& prefix, const std::string& feature);
  void error(std::string path, std::string message) { diag_.error(std::move(path), std::move(message)); }
  sdk::Diagnostics& diag() const { return diag_; }
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

void translate_traffic(PolicyBuilder& b, const Value& traffic);
void translate_backend(PolicyBuilder& b, const Value& backend);
void translate_frontend(PolicyBuilder& b, const Value& frontend);

}  // namespace kgw::agw_plugin
