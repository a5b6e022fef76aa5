#include "serve/status_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sources/manifest_parser.h"

namespace kgw::serve {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTempSuffix = ".tmp";

bool is_temp_name(const std::string& name) { return name.size() > 1 && name[0] == '.' && name.ends_with(kTempSuffix); }

std::string errno_text() { return std::strerror(errno); }

}  // namespace

StatusWriter::StatusWriter(fs::path dir, std::vector<std::string> owned_directories)
    : dir_(dir.lexically_normal()), owned_(std::move(owned_directories)) {
  // "status/" and "status" must compare equal when removing emptied directories.
  if (!dir_.has_filename() && dir_.has_relative_path()) dir_ = dir_.parent_path();
}

StatusWriter::Result StatusWriter::sync(const std::map<std::string, std::string>& files) {
  Result result;
  std::vector<sdk::FieldError> errors;
  if (!scanned_) scan(errors);
  failed_.clear();  // a full sync covers them
  for (const auto& [rel, content] : files) {
    auto it = on_disk_.find(rel);
    if (it != on_disk_.end() && it->second == content) continue;
    if (write_file(rel, content, errors))
      ++result.written;
    else
      failed_[rel] = content;
  }
  std::vector<std::string> stale;
  for (const auto& [rel, content] : on_disk_)
    if (!files.contains(rel)) stale.push_back(rel);
  for (const auto& rel : stale) {
    if (remove_file(rel, errors))
      ++result.removed;
    else
      failed_[rel] = std::nullopt;
  }
  result.status = sdk::Status::from(std::move(errors));
  return result;
}

StatusWriter::Result StatusWriter::update(const std::map<std::string, std::optional<std::string>>& changes) {
  Result result;
  std::vector<sdk::FieldError> errors;
  if (!scanned_) scan(errors);
  std::map<std::string, std::optional<std::string>> todo = std::move(failed_);
  failed_.clear();
  for (const auto& [rel, content] : changes) todo[rel] = content;
  for (const auto& [rel, content] : todo) {
    auto it = on_disk_.find(rel);
    if (!content) {
      if (it == on_disk_.end()) continue;
      if (remove_file(rel, errors))
        ++result.removed;
      else
        failed_[rel] = content;
    } else if (it == on_disk_.end() || it->second != *content) {
      if (write_file(rel, *content, errors))
        ++result.written;
      else
        failed_[rel] = content;
    }
  }
  result.status = sdk::Status::from(std::move(errors));
  return result;
}

// Learns what a previous run left in the owned directories.
void StatusWriter::scan(std::vector<sdk::FieldError>& errors) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    errors.push_back({dir_.string(), "cannot create the status directory: " + ec.message()});
    return;  // scanned again at the next sync
  }
  scanned_ = true;
  for (const auto& top : owned_) {
    const fs::path root = dir_ / top;
    if (!fs::is_directory(fs::symlink_status(root, ec))) continue;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      const std::string name = it->path().filename().string();
      if (is_temp_name(name)) {
        fs::remove(it->path(), ec);
        continue;
      }
      if (!name.ends_with(".yaml")) continue;
      std::string error;
      if (auto content = sources::read_file(it->path(), error))
        on_disk_[it->path().lexically_relative(dir_).string()] = std::move(*content);
      else
        on_disk_[it->path().lexically_relative(dir_).string()] = {};  // unreadable: rewritten or removed
    }
    if (ec) errors.push_back({root.string(), "cannot list: " + ec.message()});
  }
}

bool StatusWriter::write_file(const std::string& rel, const std::string& content,
                              std::vector<sdk::FieldError>& errors) {
  const fs::path path = dir_ / rel;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    errors.push_back({path.string(), "cannot create its directory: " + ec.message()});
    return false;
  }
  const fs::path temp = path.parent_path() / ("." + path.filename().string() + kTempSuffix);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    errors.push_back({path.string(), "cannot create " + temp.filename().string() + ": " + errno_text()});
    return false;
  }
  size_t done = 0;
  bool ok = true;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      errors.push_back({path.string(), "cannot write: " + errno_text()});
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 && ok) {
    errors.push_back({path.string(), "cannot write: " + errno_text()});
    ok = false;
  }
  if (ok && ::rename(temp.c_str(), path.c_str()) != 0) {
    errors.push_back({path.string(), "cannot rename into place: " + errno_text()});
    ok = false;
  }
  if (!ok) {
    ::unlink(temp.c_str());
    return false;
  }
  on_disk_[rel] = content;
  return true;
}

bool StatusWriter::remove_file(const std::string& rel, std::vector<sdk::FieldError>& errors) {
  const fs::path path = dir_ / rel;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    errors.push_back({path.string(), "cannot remove: " + errno_text()});
    return false;
  }
  on_disk_.erase(rel);
  // Directories left empty go too, up to the status directory itself (rmdir fails on a non-empty one).
  for (fs::path d = path.parent_path(); d != dir_ && d.string().size() > dir_.string().size(); d = d.parent_path())
    if (::rmdir(d.c_str()) != 0) break;
  return true;
}

}  // namespace kgw::serve
