// AgentgatewayModels into model routes on the listeners they attach to, each concrete model
// with its own AI backend, and their statuses.
#pragma once

#include <map>
#include <string>

#include "agw/gateway_model.h"
#include "agw/inputs.h"
#include "agw/output.h"

namespace kgw::agw {

// Models attach to listeners before routes do (a root model-serving HTTPRoute conflicts with
// them), and report on their HTTPRoute parents after routes have attached.
class ModelTranslation {
 public:
  ModelTranslation(const Inputs& inputs, GatewaysModel& model, Output& output)
      : inputs_(inputs), model_(model), output_(output) {}

  // Attaches models to Gateway and ListenerSet listeners and emits their backends and routes.
  void attach();
  // Writes the models' statuses, HTTPRoute parents included.
  void finish();

 private:
  const Inputs& inputs_;
  GatewaysModel& model_;
  Output& output_;
  // Per model, the status of each parentRef resolved by attach(), by parentRef index.
  std::map<const sdk::Object*, std::map<size_t, sdk::Value>> parents_;
};

}  // namespace kgw::agw
