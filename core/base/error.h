#pragma once
// The one exception type QuantScope throws for bad input or failed operations.
// The message always names what was being read (a file, a tensor, a line) and what is wrong.
#include <stdexcept>
#include <string>

namespace qs {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Thrown by cooperative cancellation; callers treat it as "stopped", not as a failure.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace qs
