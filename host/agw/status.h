// Status conditions as agentgateway's controller writes them.
#pragma once

#include <string>

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

}  // namespace kgw::agw
