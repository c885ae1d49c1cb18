#include "ui/run_significance.h"

#include <cstdio>

#include "core/store/experiment_store.h"
#include "tasks/report/baseline_run.h"
#include "tasks/report/paired_comparison.h"
#include "tasks/report/results_table.h"

namespace qs {

SignificanceMap testAgainstBaselines(const ExperimentStore& store, const std::vector<int64_t>& runIds) {
  SignificanceMap out;
  std::map<int64_t, std::vector<ItemRecord>> baselineItems;  // runs of one task share their baseline
  for (int64_t id : runIds) {
    const auto run = store.run(id);
    if (!run || run->status != RunStatus::Done || isBaselineQuant(run->quantName)) continue;
    RunSignificance& s = out[id];
    const auto base = baselineRunFor(store, *run);
    if (!base) {
      s.why = "no FP16 run of the same task, version, limit and seed to pair with";
      continue;
    }
    s.baselineRunId = base->id;
    auto [it, fresh] = baselineItems.try_emplace(base->id);
    if (fresh) it->second = store.items(base->id);
    const auto items = store.items(id);
    if (items.empty() || it->second.empty()) {
      s.why = "no per-item results" + std::string(items.empty() ? "" : " in the FP16 run") + " (stored before schema v5)";
      continue;
    }
    const PairedComparison c = compareItems(it->second, items);
    s.paired = c.paired;
    if (c.binary && c.paired > 0) {
      s.p = c.test.pExact;
      s.test = "McNemar";
    } else if (!c.binary && c.paired > 1) {
      s.p = c.pairedTP;
      s.test = "paired t";
    } else {
      s.why = "no items in common with the FP16 run";
    }
  }
  return out;
}

std::string significanceText(const RunSignificance& s) {
  if (!s.p) return "not tested: " + s.why;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s p = %.3g (n = %lld)%s", s.test.c_str(), *s.p, static_cast<long long>(s.paired),
                s.significant() ? ", differs from FP16 at p < 0.05" : ", not significant at p < 0.05");
  return buf;
}

}  // namespace qs
