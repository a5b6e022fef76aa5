// A TrafficPolicy feature carried by HTTP filters, and the small builders its parsers share.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "envoy/config/route/v3/route_components.pb.h"
#include "google/protobuf/any.pb.h"
#include "kgw/sdk/policy_kind.h"

namespace kgw::filters {

// The filters a feature needs on the chain (usually disabled there) and their configuration for
// the level the feature applies at, by filter name.
struct FilterFeature {
  std::vector<sdk::StagedHttpFilter> filters;
  std::vector<std::pair<std::string, google::protobuf::Any>> configs;
};

namespace feature {

// A filter for the chain, disabled until a level's configuration enables it.
inline sdk::StagedHttpFilter disabled(const sdk::FilterStage& stage, const std::string& name,
                                      const google::protobuf::Message& config) {
  sdk::StagedHttpFilter f;
  f.stage = stage;
  f.filter.set_name(name);
  f.filter.set_disabled(true);
  f.filter.mutable_typed_config()->PackFrom(config);
  return f;
}

inline std::pair<std::string, google::protobuf::Any> config(const std::string& name,
                                                            const google::protobuf::Message& message) {
  std::pair<std::string, google::protobuf::Any> out{name, {}};
  out.second.PackFrom(message);
  return out;
}

// Turns on, for one level, a filter the chain holds disabled.
inline std::pair<std::string, google::protobuf::Any> enable(const std::string& name) {
  envoy::config::route::v3::FilterConfig filter_config;
  filter_config.mutable_config();
  return config(name, filter_config);
}

}  // namespace feature
}  // namespace kgw::filters
