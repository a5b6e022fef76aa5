// Keeps a directory's files equal to a wanted set of (relative path, content), for the status
// directory of `kgw serve`.
//
// A file is written only when its content differs from what is on disk (as last written, or as
// found at the first sync), so an unchanged status keeps its inode and mtime and file watchers
// see nothing. A write goes to a hidden temporary file in the same directory, then is renamed
// over the old one: a reader sees the old content or the new, never a mix. Files of the owned
// top-level directories that are no longer wanted are removed, with directories left empty;
// the first sync also removes what a previous run left there (and its stray temporary files).
// Nothing outside the owned directories is touched.
//
// A failed write or removal is reported and tried again at the next call; the rest goes on.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kgw/sdk/status.h"

namespace kgw::serve {

class StatusWriter {
 public:
  StatusWriter(std::filesystem::path dir, std::vector<std::string> owned_directories);

  struct Result {
    size_t written = 0;
    size_t removed = 0;
    sdk::Status status;  // every failure, with the file as its path
  };

  // Makes the owned directories hold exactly `files`: relative path (inside one of the owned
  // directories) -> content.
  Result sync(const std::map<std::string, std::string>& files);

  // Changes some files only: relative path -> new content, or nullopt to remove the file. What
  // failed at an earlier call is tried again first.
  Result update(const std::map<std::string, std::optional<std::string>>& changes);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  void scan(std::vector<sdk::FieldError>& errors);
  bool write_file(const std::string& rel, const std::string& content, std::vector<sdk::FieldError>& errors);
  bool remove_file(const std::string& rel, std::vector<sdk::FieldError>& errors);

  std::filesystem::path dir_;
  std::vector<std::string> owned_;
  bool scanned_ = false;
  std::map<std::string, std::string> on_disk_;                // relative path -> content
  std::map<std::string, std::optional<std::string>> failed_;  // to try again at the next update
};

}  // namespace kgw::serve
