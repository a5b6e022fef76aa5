// Source updates waiting for the control loop: pushed by the source's thread, taken by the loop's.
// Updates that arrive while the loop is busy are folded into one, so a slow translation never
// builds a backlog: the loop always works on the newest state of every file.
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>

#include "sources/dir_source.h"

namespace kgw::serve {

// Folds `next` into `into` so that applying the result equals applying `into`, then `next`.
void coalesce(sources::SourceUpdate& into, sources::SourceUpdate next);

class UpdateQueue {
 public:
  void push(sources::SourceUpdate update);

  // Waits until an update is pending and returns it (every update pushed since the last take,
  // coalesced); returns nullopt once close() was called.
  std::optional<sources::SourceUpdate> take();

  // Wakes take() for good; updates pending or pushed later are dropped.
  void close();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<sources::SourceUpdate> pending_;
  bool closed_ = false;
};

}  // namespace kgw::serve
