// Whether two translation outputs are the same: resources byte for byte as the snapshot serves
// them (deterministic, map entries in key order), statuses as values. Empty when they are; else
// the first difference, named.
#pragma once

#include <string>

#include "snapshot/snapshot.h"
#include "translator/output.h"

namespace kgw::test_support {

inline std::string output_difference(const translator::Output& a, const translator::Output& b) {
  auto bytes = [](const google::protobuf::Message& m) { return snapshot::make_resource("", m)->any; };
  auto part = [&](const char* name, const auto& x, const auto& y) -> std::string {
    if (x.size() != y.size())
      return std::string(name) + ": " + std::to_string(x.size()) + " vs " + std::to_string(y.size());
    for (size_t i = 0; i < x.size(); ++i)
      if (bytes(x.get()[i]) != bytes(y.get()[i]))
        return std::string(name) + "[" + std::to_string(i) + "]: " + x.get()[i].ShortDebugString() + "\n  vs " +
               y.get()[i].ShortDebugString();
    return "";
  };
  for (auto d : {part("clusters", a.clusters, b.clusters), part("listeners", a.listeners, b.listeners),
                 part("routes", a.routes, b.routes), part("endpoints", a.endpoints, b.endpoints),
                 part("extra_clusters", a.extra_clusters, b.extra_clusters)})
    if (!d.empty()) return d;
  if (a.statuses.get() != b.statuses.get()) return "statuses differ";
  return "";
}

}  // namespace kgw::test_support
