#include "tasks/report/rank_correlation.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/base/error.h"

namespace qs {

std::vector<double> averageRanks(const std::vector<double>& values) {
  for (double v : values)
    if (std::isnan(v)) throw Error("rank correlation: a value is NaN");
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double mean = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;  // ranks i+1 .. j+1
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = mean;
    i = j + 1;
  }
  return ranks;
}

std::optional<double> spearmanCorrelation(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size())
    throw Error("rank correlation: " + std::to_string(x.size()) + " values against " + std::to_string(y.size()));
  if (x.size() < 2) return std::nullopt;
  const auto rx = averageRanks(x), ry = averageRanks(y);
  const double mean = (static_cast<double>(x.size()) + 1.0) / 2.0;  // the mean of any average ranking
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  if (sxx == 0 || syy == 0) return std::nullopt;
  return sxy / std::sqrt(sxx * syy);
}

}  // namespace qs
