// One-shot loading of manifest files and directories, for `kgw translate` and the golden runner.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "kgw/sdk/object.h"

namespace kgw::sources {

struct LoadedObjects {
  // Every object, in load order (files in the order given, directories walked in sorted order),
  // with creation timestamps assigned in that order (epoch + 1 s, + 2 s, ...).
  std::vector<sdk::Object> objects;
  // Parse errors, each "file:line:column: message".
  std::vector<std::string> errors;
};

LoadedObjects load_manifest_paths(const std::vector<std::filesystem::path>& paths);

}  // namespace kgw::sources
