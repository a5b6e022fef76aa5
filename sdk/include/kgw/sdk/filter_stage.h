// Where an HTTP or network filter sits in a filter chain. Filters are ordered by well-known stage,
// then by position relative to it, then by weight, then by filter name, so the order never depends
// on plugin load order.
#pragma once

#include <compare>
#include <string>

namespace kgw::sdk {

enum class WellKnownStage : int {
  Fault = 0,  // fault injection
  Cors = 1,
  Waf = 2,
  AuthN = 3,  // authentication (JWT, basic auth, API keys, OAuth2)
  AuthZ = 4,  // authorization (RBAC, ext_authz)
  RateLimit = 5,
  Accepted = 6,  // the request is accepted: transformation, buffering, ...
  OutAuth = 7,   // credentials for the upstream (request signing)
  Route = 8,     // just before the router
};

struct FilterStage {
  enum class Relative : int { Before = -1, During = 0, After = 1 };
  WellKnownStage stage = WellKnownStage::Accepted;
  Relative relative = Relative::During;
  int weight = 0;

  friend auto operator<=>(const FilterStage&, const FilterStage&) = default;
};

inline const char* stage_name(WellKnownStage s) {
  switch (s) {
    case WellKnownStage::Fault:
      return "fault";
    case WellKnownStage::Cors:
      return "cors";
    case WellKnownStage::Waf:
      return "waf";
    case WellKnownStage::AuthN:
      return "authn";
    case WellKnownStage::AuthZ:
      return "authz";
    case WellKnownStage::RateLimit:
      return "ratelimit";
    case WellKnownStage::Accepted:
      return "accepted";
    case WellKnownStage::OutAuth:
      return "outauth";
    case WellKnownStage::Route:
      return "route";
  }
  return "?";
}

}  // namespace kgw::sdk
