#pragma once
// Two runs of one task compared item by item (issue 17): which items flip from correct to wrong
// (lost) and from wrong to correct (gained), and whether the difference is more than noise.
//
// McNemar's test of the paired difference uses only the discordant pairs, b = lost and c = gained:
//   exact:      two-sided binomial test of min(b, c) under Binomial(b + c, 1/2),
//               p = min(1, 2 * sum_{k <= min(b,c)} C(b+c, k) / 2^(b+c))     (reported p)
//   chi-square: (|b - c| - 1)^2 / (b + c) with Yates' continuity correction, 1 degree of freedom
// The exact test is what the tool reports and marks significance with (valid for any count); the
// chi-square statistic is given for comparison with papers that use it. b + c = 0 gives p = 1.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/store/store_records.h"

namespace qs {

struct McNemarTest {
  int64_t lost = 0;    // b: correct in the reference run, wrong in the other
  int64_t gained = 0;  // c: wrong in the reference run, correct in the other
  double pExact = 1;
  double chiSquare = 0;   // with continuity correction
  double pChiSquare = 1;
};

McNemarTest mcnemar(int64_t lost, int64_t gained);

// Two-sided p-value of Student's t statistic with df degrees of freedom:
// P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2), the regularized incomplete beta function.
double studentTwoSidedP(double t, double df);

struct ItemPair {
  ItemRecord reference;  // e.g. the FP16 baseline's item
  ItemRecord other;
};

struct PairedComparison {
  // McNemar needs a right / wrong outcome per item: false when some paired score is not 0 or 1
  // (perplexity windows, judge scores); the counts below are then empty.
  bool binary = true;
  int64_t paired = 0;     // items present in both runs with a score in both
  int64_t unmatched = 0;  // items present in only one run (different limit or data)
  int64_t bothCorrect = 0;
  int64_t bothWrong = 0;
  double referenceMean = 0;  // mean score of the paired items
  double otherMean = 0;
  McNemarTest test;
  std::vector<ItemPair> flips;  // lost then gained, each in item order
  // Every pair: the mean paired difference of the scores (other - reference), its standard error
  // and the paired t-test's two-sided p-value (n - 1 degrees of freedom; 1 when n < 2 or the
  // differences are all equal to zero, 0 when they are all equal and not zero).
  double meanDifference = 0;
  double meanDifferenceStderr = 0;
  double pairedTP = 1;
};

// Items pair by (document index, document id).
PairedComparison compareItems(const std::vector<ItemRecord>& reference, const std::vector<ItemRecord>& other);

}  // namespace qs
