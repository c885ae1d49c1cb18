#pragma once
// Which quantization to use (issue 17): for each model and task kind, the configurations whose
// loss against the model's FP16 baseline stays within a budget, ranked by memory cost, and the
// cheapest acceptable weight-only, weight-activation, KV-cache and overall choice.
//
// Loss, in percent of the baseline (positive = worse, whichever way the metric points):
//   higher-is-better: 100 * (b - q) / |b|        lower-is-better: 100 * (q - b) / |b|
// on each task's headline metric (headlineMetric). A configuration is acceptable for a task when
// its loss is at most the budget, and overall when its mean loss over the group's tasks is (the
// paper's "< 2%" rule, per task and for the average); a configuration that misses a task of the
// group has no average. Cost = bits per weight including scales and zero points (the run's
// config JSON; for runs stored without it, the nominal value of the name on a 4096 x 4096
// linear), ties broken by activation bits, then KV bits.
// Whether a loss is more than noise: McNemar's exact test on the paired items when both runs have
// right / wrong items, a paired t-test on the item scores when they have other item scores, else a
// z-test on the two stored standard errors; significant when p < alpha.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tasks/report/headline_metric.h"

namespace qs {

class ExperimentStore;

struct RecommendOptions {
  double budgetPercent = 2.0;
  std::vector<std::string> tasks;  // restrict to these tasks; empty = every task with a baseline
  double alpha = 0.05;
  // Where task kinds are looked up for runs stored without a protocol (before schema v5); empty =
  // the bundled task files.
  std::filesystem::path tasksDir;
};

enum class ConfigCategory { WeightOnly, WeightActivation, KvCache, Combined };
const char* categoryName(ConfigCategory c);  // "W-only", "W+A", "KV", "combined"

struct TaskVerdict {
  std::string task;  // label: "<task>" or "<task> (limit N)"
  std::string metric;
  double value = 0;
  double baseline = 0;
  double lossPercent = 0;
  std::optional<double> pValue;
  std::string test;  // "McNemar (n=40)", "paired t (n=12)", "stderr z", "" when untestable
  bool within = false;
  bool significant = false;  // p < alpha: the difference is more than noise
};

struct ConfigVerdict {
  std::string quant;
  double bitsPerWeight = 16;
  bool bitsNominal = false;  // computed from the name, not stored with the run
  int weightBits = 16, activationBits = 16, kvBits = 16;
  ConfigCategory category = ConfigCategory::Combined;
  std::vector<TaskVerdict> tasks;   // the group's tasks this config was run on
  std::vector<std::string> missing; // the group's tasks it was not run on
  std::optional<double> averageLoss;
  bool withinAverage = false;
};

struct Recommendation {
  int64_t modelId = 0;
  std::string model;  // display label
  std::string kind;   // task kind ("basic", "emergent", ...), or "all" for every kind together
  std::vector<std::string> tasks;       // with a baseline, in name order
  std::vector<ConfigVerdict> configs;   // ranked by cost, cheapest first
  // Cheapest acceptable config on the average, per category ("" when none).
  std::map<ConfigCategory, std::string> cheapest;
  // Cheapest acceptable config per task and category.
  std::map<std::string, std::map<ConfigCategory, std::string>> cheapestPerTask;
  std::vector<std::string> notes;  // e.g. no baseline, requested task not run, nothing meets the budget
};

// Reads done runs (and their items) from the store.
std::vector<Recommendation> recommend(const ExperimentStore& store, const RecommendOptions& options);

// Text report, as `quantscope-cli recommend` prints it.
std::string formatRecommendations(const std::vector<Recommendation>& recs, const RecommendOptions& options);

}  // namespace qs
