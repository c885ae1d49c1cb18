#pragma once
// Spearman's rank correlation, for questions such as "do weight outliers (kurtosis) predict which
// tensors are sensitive to quantization?" (issue 17).
#include <optional>
#include <vector>

namespace qs {

// 1-based ranks in ascending order; tied values share the mean of the ranks they span
// ({10, 20, 20, 30} -> {1, 2.5, 2.5, 4}). NaN is not allowed (qs::Error).
std::vector<double> averageRanks(const std::vector<double>& values);

// Pearson correlation of the average ranks of x and y (the tie-corrected Spearman rho). nullopt
// when there are fewer than two pairs or either side is constant (no ranking to compare).
// Throws qs::Error when the sizes differ.
std::optional<double> spearmanCorrelation(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace qs
