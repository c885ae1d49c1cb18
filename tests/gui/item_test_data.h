#pragma once
// Runs with per-item results and a protocol, written through the store API, for the tests of the
// views that pair items (flips, significance) and compare protocols.
#include <optional>
#include <string>
#include <vector>

#include "core/store/experiment_store.h"

namespace qs::test {

struct ItemRun {
  std::string quant;
  std::string task = "arc_easy";
  std::vector<MetricRecord> metrics;
  std::vector<ItemRecord> items;
  std::string protocol;  // JSON, "" = none recorded (a run stored before schema v5)
  int64_t limit = 0;
};

inline int64_t addItemRun(ExperimentStore& store, int64_t model, const ItemRun& r) {
  RunRecord run;
  run.modelId = model;
  run.quantName = r.quant;
  run.task = r.task;
  run.taskVersion = "1";
  run.limit = r.limit;
  run.seed = 1234;
  run.device = "cpu";
  run.protocol = r.protocol;
  const int64_t id = store.beginRun(run);
  RunResults results;
  results.metrics = r.metrics;
  results.items = r.items;
  results.wallSeconds = 1.0;
  store.finishRun(id, results);
  return id;
}

// A multiple-choice item: right when chosen == gold.
inline ItemRecord choiceItem(int64_t doc, int chosen, int gold) {
  ItemRecord it;
  it.item = doc;
  it.docIndex = doc;
  it.chosen = chosen;
  it.gold = gold;
  it.score = chosen == gold ? 1.0 : 0.0;
  it.loglikelihoods = {-1.0, -2.0, -3.0, -4.0};
  it.tokens = 10;
  return it;
}

// n items of which the first `wrong` are wrong (gold 0, chosen 1) and the rest right.
inline std::vector<ItemRecord> choiceItems(int n, int wrong) {
  std::vector<ItemRecord> items;
  for (int i = 0; i < n; ++i) items.push_back(choiceItem(i, i < wrong ? 1 : 0, 0));
  return items;
}

inline MetricRecord acc(double value, std::optional<int64_t> n = std::nullopt) { return {"acc", value, 0.01, n, true}; }

}  // namespace qs::test
