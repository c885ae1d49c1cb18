#include "ui/axis_ticks.h"

#include <cmath>
#include <cstdio>
#include <initializer_list>

namespace qs {
namespace {

// m x 10^e for every mantissa and decade in [lo, hi] (a hair of tolerance: a range padded to end
// exactly on 100 keeps its tick at 100).
std::vector<double> decadeTicks(double lo, double hi, std::initializer_list<double> mantissas) {
  std::vector<double> out;
  const double eps = 1e-9;
  for (int e = static_cast<int>(std::floor(std::log10(lo))) - 1; e <= static_cast<int>(std::ceil(std::log10(hi))); ++e)
    for (double m : mantissas) {
      const double v = m * std::pow(10.0, e);
      if (v >= lo * (1 - eps) && v <= hi * (1 + eps)) out.push_back(v);
    }
  return out;
}

// Round values every 1, 2 or 5 x 10^k, the coarsest step that still gives three ticks.
std::vector<double> linearTicks(double lo, double hi) {
  const double magnitude = std::pow(10.0, std::floor(std::log10((hi - lo) / 2)));
  for (double step : {5 * magnitude, 2 * magnitude, magnitude, magnitude / 2, magnitude / 5}) {
    std::vector<double> out;
    for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi * (1 + 1e-12); v += step) out.push_back(v);
    if (out.size() >= 3) return out;
  }
  return {lo, hi};
}

}  // namespace

std::vector<AxisTick> logAxisTicks(double lo, double hi) {
  std::vector<double> values;
  if (lo > 0 && hi > lo) {
    for (auto mantissas : {std::initializer_list<double>{1}, std::initializer_list<double>{1, 2, 5},
                           std::initializer_list<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
      values = decadeTicks(lo, hi, mantissas);
      if (values.size() >= 3) break;
    }
    if (values.size() < 3) values = linearTicks(lo, hi);
    // Many decades: every second (third, ...) power of ten, so the labels do not collide.
    const size_t stride = (values.size() + 7) / 8;
    std::vector<double> kept;
    for (size_t i = 0; i < values.size(); i += stride) kept.push_back(values[i]);
    values = kept;
  } else {
    values = {lo, hi};
  }
  std::vector<AxisTick> ticks;
  for (double v : values) ticks.push_back({v, axisNumber(v, std::abs(hi))});
  return ticks;
}

std::string axisNumber(double value, double scale, int digits) {
  if (std::abs(value) < 1e-9 * std::max(std::abs(scale), 1e-300) || value == 0) return "0";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
  return buffer;
}

double dodgeOffset(int index, int count, double width) {
  if (count <= 1) return 0;
  return width * (static_cast<double>(index) / (count - 1) - 0.5);
}

}  // namespace qs
