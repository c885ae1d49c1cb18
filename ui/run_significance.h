#pragma once
// Whether a quantized run differs from its FP16 partner by more than noise, from the per-item
// results: McNemar's exact test when the items are right / wrong, the paired t-test otherwise
// (tasks/report/paired_comparison.h). The curves mark the points with p < 0.05. No Qt; reads the
// store, so it runs off the GUI thread on its own connection.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qs {

class ExperimentStore;

struct RunSignificance {
  int64_t baselineRunId = 0;  // 0: no done FP16 run of the same model, task, version, limit and seed
  std::optional<double> p;    // nullopt: not testable, `why` says why
  std::string test;           // "McNemar", "paired t"
  int64_t paired = 0;
  std::string why;
  bool significant(double alpha = 0.05) const { return p && *p < alpha; }
};

using SignificanceMap = std::map<int64_t, RunSignificance>;  // by run id

// Tests each of the given runs (done, quantized) against baselineRunFor(store, run). Runs that are
// missing or are baselines themselves are left out of the map.
SignificanceMap testAgainstBaselines(const ExperimentStore& store, const std::vector<int64_t>& runIds);

// "McNemar p = 0.0031 (n = 200)", "not tested: no per-item results (stored before schema v5)".
std::string significanceText(const RunSignificance& s);

}  // namespace qs
