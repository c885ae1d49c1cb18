#include "quant/quant_error.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

#include "core/base/error.h"

namespace qs {

void RelativeErrorSum::add(const at::Tensor& approx, const at::Tensor& exact) {
  if (!approx.sizes().equals(exact.sizes()))
    throw Error("relative error: shapes differ (" + std::to_string(approx.numel()) + " vs " +
                std::to_string(exact.numel()) + " elements)");
  const auto e = exact.to(at::kDouble);
  errorSquares_ += (approx.to(at::kDouble) - e).square().sum().item<double>();
  signalSquares_ += e.square().sum().item<double>();
  rows_ += exact.dim() > 0 && exact.size(-1) > 0 ? exact.numel() / exact.size(-1) : exact.numel();
  seen_ = true;
}

std::optional<double> RelativeErrorSum::relativeError() const {
  if (!seen_ || signalSquares_ == 0) return std::nullopt;
  return std::sqrt(errorSquares_ / signalSquares_);
}

std::optional<double> relativeError(const at::Tensor& approx, const at::Tensor& exact) {
  RelativeErrorSum sum;
  sum.add(approx, exact);
  return sum.relativeError();
}

double sqnrDb(double relError) {
  if (relError == 0) return std::numeric_limits<double>::infinity();
  return -20.0 * std::log10(relError);
}

}  // namespace qs
