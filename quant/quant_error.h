#pragma once
// How far a quantized tensor is from the original: the relative error ||q - x|| / ||x|| and the
// signal-to-quantization-noise ratio SQNR = -20 log10(rel) dB (issue 17). Sums of squares are kept
// in double so that errors far below float32's epsilon of the norm still register.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>

namespace qs {

// Accumulates ||q - x||^2 and ||x||^2 over several tensors (the calls of one linear on each
// calibration batch), so that the ratio is over everything seen, not a mean of ratios.
class RelativeErrorSum {
 public:
  // approx and exact: same shape, any float dtype and device.
  void add(const at::Tensor& approx, const at::Tensor& exact);
  bool empty() const { return !seen_; }
  // Rows added (elements / last dimension): the tokens behind an output error.
  int64_t rows() const { return rows_; }
  // nullopt when nothing was added or the exact tensors are all zero (no signal to compare with).
  std::optional<double> relativeError() const;

 private:
  double errorSquares_ = 0;
  double signalSquares_ = 0;
  int64_t rows_ = 0;
  bool seen_ = false;
};

// ||approx - exact|| / ||exact||; nullopt when exact is all zero.
std::optional<double> relativeError(const at::Tensor& approx, const at::Tensor& exact);

// -20 log10(rel): +inf for an exact copy (rel 0), which the store keeps as NULL.
double sqnrDb(double relError);

}  // namespace qs
