#pragma once
// Spearman's rank correlation (issue 17: does a tensor's sensitivity follow its kurtosis?): the
// Pearson correlation of the ranks, tied values sharing the average of their ranks, so that it is
// exact with ties (the 1 - 6 sum d^2 / (n (n^2 - 1)) shortcut is not).
#include <optional>
#include <vector>

namespace qs {

// Ranks from 1, ties averaged: {10, 20, 20, 30} -> {1, 2.5, 2.5, 4}. NaN values rank as given (callers
// drop them first).
std::vector<double> averageRanks(const std::vector<double>& values);

// rho in [-1, 1]; nullopt when the lengths differ, there are fewer than 3 pairs, or either side is
// constant (no ranking to correlate).
std::optional<double> spearman(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace qs
