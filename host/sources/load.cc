#include "sources/load.h"

#include <algorithm>

#include "sources/dir_source.h"

namespace kgw::sources {

LoadedObjects load_manifest_paths(const std::vector<std::filesystem::path>& paths) {
  DirSource source(DirSourceOptions{paths});
  SourceUpdate update = source.load_once();
  LoadedObjects out;
  for (auto& [file, objects] : update.upserts)
    for (auto& parsed : objects) out.objects.push_back(std::move(parsed.object));
  // The map is ordered by path string, not by load order: the timestamps are.
  std::stable_sort(out.objects.begin(), out.objects.end(), [](const sdk::Object& a, const sdk::Object& b) {
    return a.creation_timestamp < b.creation_timestamp;
  });
  for (const auto& [file, errors] : update.errors)
    for (const auto& e : errors) out.errors.push_back(e.to_string());
  return out;
}

}  // namespace kgw::sources
