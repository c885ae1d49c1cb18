#include "ui/flips_report.h"

#include <cstdio>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "tasks/evaluator.h"
#include "tasks/report/baseline_run.h"
#include "tasks/report/results_table.h"
#include "tasks/run_recording.h"

namespace qs {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string runName(const RunRecord& r) {
  return "run " + std::to_string(r.id) + " (" + r.quantName + ", " + r.task + ")";
}

// Why the two runs cannot be compared item by item, or "".
std::string comparisonProblem(const RunRecord& run, const std::optional<RunRecord>& baseline, size_t items,
                              size_t baselineItems) {
  const std::string name = "Run " + std::to_string(run.id) + " (" + run.quantName + ", " + run.task + ")";
  if (run.status != RunStatus::Done)
    return name + " is " + std::string(runStatusName(run.status)) + ": only finished runs have per-item results.";
  if (isBaselineQuant(run.quantName))
    return name + " is itself an FP16 run: choose a quantized run to compare with it.";
  if (!baseline)
    return name + " has no FP16 partner: there is no finished FP16 run of the same model, task, task version, limit "
                  "and seed. A sweep of this task adds one.";
  if (items == 0)
    return name + " predates per-item results: it was stored before schema version 5, so only its totals are "
                  "known. Run it again to compare it item by item.";
  if (baselineItems == 0)
    return "Its FP16 partner, " + runName(*baseline) +
           ", predates per-item results (stored before schema version 5). Run it again to compare item by item.";
  return {};
}

}  // namespace

std::string choiceLetter(int i) { return i >= 0 && i < 26 ? std::string(1, char('A' + i)) : std::to_string(i + 1); }

std::string describeAnswer(const ItemRecord& item, const DocumentPreview* document) {
  if (item.chosen) {
    const int c = *item.chosen;
    std::string s = "(" + choiceLetter(c) + ")";
    if (document && c >= 0 && c < int(document->choices.size())) s += " " + document->choices[c];
    return s;
  }
  if (!item.outputs.empty()) {
    std::string s;
    for (size_t i = 0; i < item.outputs.size(); ++i) s += (i ? "\n--- turn " + std::to_string(i + 1) + " ---\n" : "") + item.outputs[i];
    return s;
  }
  if (!item.greedy.empty()) {
    bool all = true;
    for (bool g : item.greedy) all = all && g;
    std::string s = std::string("target is greedy: ") + (all ? "yes" : "no");
    if (!item.loglikelihoods.empty()) s += " (log-likelihood " + fmt("%.3f", item.loglikelihoods.front()) + ")";
    return s;
  }
  return {};
}

FlipsReport loadFlips(const ExperimentStore& store, int64_t runId, const std::filesystem::path& tasksDir,
                      const std::filesystem::path& dataDir) {
  FlipsReport report;
  auto run = store.run(runId);
  if (!run) {
    report.run.id = runId;
    report.problem = "Run " + std::to_string(runId) + " is not in the database.";
    return report;
  }
  report.run = *run;
  if (run->status == RunStatus::Done && !isBaselineQuant(run->quantName)) report.baseline = baselineRunFor(store, *run);
  std::vector<ItemRecord> items, baselineItems;
  if (report.baseline) {
    items = store.items(runId);
    baselineItems = store.items(report.baseline->id);
  }
  report.problem = comparisonProblem(*run, report.baseline, items.size(), baselineItems.size());
  if (!report.problem.empty()) return report;
  report.comparison = compareItems(baselineItems, items);
  std::vector<int64_t> docs;
  for (auto& pair : report.comparison.flips) {
    FlipEntry f;
    f.lost = pair.reference.score && *pair.reference.score == 1.0;
    f.reference = std::move(pair.reference);
    f.other = std::move(pair.other);
    docs.push_back(f.other.docIndex);
    report.flips.push_back(std::move(f));
  }
  report.comparison.flips.clear();  // moved into report.flips
  if (docs.empty()) return report;
  try {
    auto previews = previewDocuments(tasksDir, recordedDataDir(*run, dataDir), run->task, docs);
    for (auto& f : report.flips)
      if (auto it = previews.find(f.other.docIndex); it != previews.end()) f.document = it->second;
  } catch (const Error& e) {
    report.documentProblem = std::string("The questions cannot be shown: ") + e.what();
  }
  return report;
}

std::string flipsSummary(const FlipsReport& r) {
  if (!r.problem.empty() || !r.baseline) return r.problem;
  const PairedComparison& c = r.comparison;
  std::string s = runName(r.run) + " against its FP16 " + runName(*r.baseline) + ": " + std::to_string(c.paired) +
                  " paired items";
  if (c.unmatched) s += " (" + std::to_string(c.unmatched) + " in only one run)";
  if (!c.binary)
    return s + "; the items are not right / wrong (e.g. perplexity windows), so nothing flips. Mean paired difference " +
           fmt("%+.4g", c.meanDifference) + " ± " + fmt("%.3g", c.meanDifferenceStderr) + ", paired t-test p = " +
           fmt("%.3g", c.pairedTP) + ".";
  s += "; both right " + std::to_string(c.bothCorrect) + ", both wrong " + std::to_string(c.bothWrong) + ", lost " +
       std::to_string(c.test.lost) + " (right → wrong), gained " + std::to_string(c.test.gained) +
       " (wrong → right). McNemar exact p = " + fmt("%.3g", c.test.pExact) +
       (c.test.pExact < 0.05 ? ": the runs differ by more than noise at p < 0.05."
                             : ": not significant at p < 0.05 (the difference could be noise).");
  return s;
}

}  // namespace qs
