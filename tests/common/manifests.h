// Manifest text to objects for tests: every document parsed, in file order; a parse error fails
// the calling test.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kgw/sdk/object.h"
#include "sources/manifest_parser.h"

namespace kgw::test_support {

inline std::vector<sdk::Object> objects_from_yaml(const std::string& yaml) {
  auto parsed = sources::parse_manifests(yaml, "test.yaml");
  EXPECT_TRUE(parsed.errors.empty()) << (parsed.errors.empty() ? "" : parsed.errors.front().to_string());
  std::vector<sdk::Object> objects;
  for (auto& p : parsed.objects) objects.push_back(std::move(p.object));
  return objects;
}

}  // namespace kgw::test_support
