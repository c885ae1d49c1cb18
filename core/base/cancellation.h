#pragma once
// Cooperative cancellation: long loops call throwIfCancelled() between units of work (a batch,
// a window), so a cancel takes effect within one unit and leaves stored data consistent.
#include <atomic>

#include "core/base/error.h"

namespace qs {

class CancelToken {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  void reset() { cancelled_.store(false, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  void throwIfCancelled() const {
    if (cancelled()) throw Cancelled();
  }

 private:
  std::atomic<bool> cancelled_{false};
};

}  // namespace qs
