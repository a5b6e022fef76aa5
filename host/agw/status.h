// Status conditions as agentgateway's controller writes them.
#pragma once

#include <optional>
#include <string>

#include "agw/output.h"
#include "kgw/sdk/value.h"

namespace kgw::agw {

inline sdk::Value condition(const std::string& type, bool status, const std::string& reason, const std::string& message,
                            int64_t observed_generation = 0) {
  sdk::Value c;
  c.set("type", type);
  c.set("status", status ? "True" : "False");
  c.set("reason", reason);
  c.set("message", message);
  if (observed_generation) c.set("observedGeneration", observed_generation);
  return c;
}

// Why a reference did not resolve: a condition's reason and message.
struct Problem {
  std::string reason, message;
};

// A route's (or model's) entry under `status.parents`: Accepted as given, then ResolvedRefs.
inline sdk::Value parent_status(sdk::Value parent_ref, sdk::Value accepted, const std::optional<Problem>& refs) {
  sdk::Value::List conditions;
  conditions.push_back(std::move(accepted));
  conditions.push_back(refs ? condition("ResolvedRefs", false, refs->reason, refs->message)
                            : condition("ResolvedRefs", true, "ResolvedRefs", ""));
  sdk::Value v;
  v.set("conditions", sdk::Value(std::move(conditions)));
  v.set("controllerName", kControllerName);
  v.set("parentRef", std::move(parent_ref));
  return v;
}

}  // namespace kgw::agw
