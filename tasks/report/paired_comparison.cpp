#include "tasks/report/paired_comparison.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "tasks/metrics.h"

namespace qs {

McNemarTest mcnemar(int64_t lost, int64_t gained) {
  McNemarTest t;
  t.lost = lost;
  t.gained = gained;
  const int64_t n = lost + gained;
  if (n == 0) return t;
  // sum_{k <= m} C(n, k) / 2^n in log space: n can be tens of thousands of items.
  const int64_t m = std::min(lost, gained);
  const double logHalfN = -static_cast<double>(n) * std::log(2.0);
  double tail = 0;
  for (int64_t k = 0; k <= m; ++k) {
    double logC = std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
                  std::lgamma(static_cast<double>(n - k) + 1);
    tail += std::exp(logC + logHalfN);
  }
  t.pExact = std::min(1.0, 2 * tail);
  const double d = std::max(0.0, std::abs(static_cast<double>(lost - gained)) - 1);
  t.chiSquare = d * d / static_cast<double>(n);
  // The chi-square distribution with 1 degree of freedom: P(X > x) = erfc(sqrt(x / 2)).
  t.pChiSquare = std::erfc(std::sqrt(t.chiSquare / 2));
  return t;
}

namespace {

// Continued fraction of the incomplete beta function (modified Lentz), as in Press et al.,
// Numerical Recipes, 6.4; converges quickly for x < (a + 1) / (a + b + 2).
double betaContinuedFraction(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::abs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 300; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    c = 1 + aa / c;
    if (std::abs(d) < tiny) d = tiny;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    c = 1 + aa / c;
    if (std::abs(d) < tiny) d = tiny;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double step = d * c;
    h *= step;
    if (std::abs(step - 1) < 1e-15) break;
  }
  return h;
}

double regularizedIncompleteBeta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double logFront = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return std::exp(logFront) * betaContinuedFraction(a, b, x) / a;
  return 1 - std::exp(logFront) * betaContinuedFraction(b, a, 1 - x) / b;
}

}  // namespace

double studentTwoSidedP(double t, double df) {
  if (!(df > 0) || std::isnan(t)) return 1;
  if (std::isinf(t)) return 0;
  return regularizedIncompleteBeta(df / 2, 0.5, df / (df + t * t));
}

PairedComparison compareItems(const std::vector<ItemRecord>& reference, const std::vector<ItemRecord>& other) {
  using Key = std::pair<int64_t, std::string>;
  std::map<Key, const ItemRecord*> byKey;
  for (const auto& it : reference) byKey[{it.docIndex, it.docId}] = &it;
  PairedComparison c;
  std::vector<ItemPair> pairs;
  std::map<Key, bool> seen;
  for (const auto& it : other) {
    auto found = byKey.find({it.docIndex, it.docId});
    if (found == byKey.end()) {
      ++c.unmatched;
      continue;
    }
    seen[found->first] = true;
    if (!found->second->score || !it.score) continue;
    pairs.push_back({*found->second, it});
  }
  c.unmatched += static_cast<int64_t>(byKey.size() - seen.size());
  c.paired = static_cast<int64_t>(pairs.size());
  if (pairs.empty()) return c;

  auto isBinary = [](double v) { return v == 0.0 || v == 1.0; };
  std::vector<double> diff;
  for (const auto& p : pairs) {
    c.referenceMean += *p.reference.score;
    c.otherMean += *p.other.score;
    diff.push_back(*p.other.score - *p.reference.score);
    c.binary = c.binary && isBinary(*p.reference.score) && isBinary(*p.other.score);
  }
  c.referenceMean /= static_cast<double>(pairs.size());
  c.otherMean /= static_cast<double>(pairs.size());
  c.meanDifference = c.otherMean - c.referenceMean;
  c.meanDifferenceStderr = meanStderr(diff);
  if (diff.size() >= 2) {
    if (c.meanDifferenceStderr > 0) c.pairedTP = studentTwoSidedP(c.meanDifference / c.meanDifferenceStderr, static_cast<double>(diff.size() - 1));
    else c.pairedTP = c.meanDifference == 0 ? 1.0 : 0.0;
  }
  if (!c.binary) return c;

  std::vector<ItemPair> lost, gained;
  for (auto& p : pairs) {
    const bool r = *p.reference.score == 1.0, o = *p.other.score == 1.0;
    if (r && o) ++c.bothCorrect;
    else if (!r && !o) ++c.bothWrong;
    else (r ? lost : gained).push_back(std::move(p));
  }
  c.test = mcnemar(static_cast<int64_t>(lost.size()), static_cast<int64_t>(gained.size()));
  c.flips = std::move(lost);
  c.flips.insert(c.flips.end(), std::make_move_iterator(gained.begin()), std::make_move_iterator(gained.end()));
  return c;
}

}  // namespace qs
