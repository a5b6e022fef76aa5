#include "serve/update_queue.h"

#include <algorithm>

namespace kgw::serve {

void coalesce(sources::SourceUpdate& into, sources::SourceUpdate next) {
  for (auto& file : next.removed) {
    into.upserts.erase(file);
    if (std::find(into.removed.begin(), into.removed.end(), file) == into.removed.end())
      into.removed.push_back(std::move(file));
  }
  for (auto& [file, objects] : next.upserts) {
    // An upsert replaces everything the file had, so an earlier removal of it is moot.
    std::erase(into.removed, file);
    into.upserts[file] = std::move(objects);
  }
  for (auto& [file, errors] : next.errors) into.errors[file] = std::move(errors);
  into.initial = into.initial || next.initial;
}

void UpdateQueue::push(sources::SourceUpdate update) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    if (pending_)
      coalesce(*pending_, std::move(update));
    else
      pending_ = std::move(update);
  }
  cv_.notify_one();
}

std::optional<sources::SourceUpdate> UpdateQueue::take() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return closed_ || pending_.has_value(); });
  if (closed_) return std::nullopt;
  std::optional<sources::SourceUpdate> out = std::move(pending_);
  pending_.reset();
  return out;
}

void UpdateQueue::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    pending_.reset();
  }
  cv_.notify_all();
}

}  // namespace kgw::serve
