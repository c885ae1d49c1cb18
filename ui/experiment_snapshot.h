#pragma once
// Everything the views show about a database except the per-layer statistics, read through
// ExperimentStore in one go: models, runs with their metrics, the statistics keys. Views are built
// from a snapshot (never from SQL), and a new snapshot is read when the store's changeStamp moves.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/store/store_records.h"

namespace qs {

class ExperimentStore;

struct RunEntry {
  RunRecord run;
  std::vector<MetricRecord> metrics;
  const MetricRecord* metric(const std::string& name) const;
};

// What runs are grouped by in the views: the task, with " (limit N)" when it ran on N examples
// only, so limited and full runs never share a curve (the same label tasks/report/result_points uses).
std::string taskLabel(const RunRecord& run);

struct ExperimentSnapshot {
  // The database file: work off the GUI thread (per-item results) opens its own connection to it.
  std::string file;
  std::vector<ModelRecord> models;
  std::map<int64_t, std::string> modelLabels;  // folder names, disambiguated by fingerprint
  std::vector<RunEntry> runs;  // ordered by id
  std::vector<StatsKey> statsKeys;
  // (model, config, calibration) of the stored sensitivity and quantization-error scans.
  std::vector<StatsKey> sensitivityKeys;
  std::vector<StatsKey> quantErrorKeys;

  static ExperimentSnapshot load(const ExperimentStore& store);

  const ModelRecord* model(int64_t id) const;
  const RunEntry* run(int64_t id) const;
  // The model's display name: its folder name, with the fingerprint's start when two share it.
  std::string modelName(int64_t modelId) const;
  std::vector<std::string> tasks() const;  // task labels of runs with metrics, sorted
  std::vector<std::string> metricNames(const std::string& taskLabel) const;  // sorted
  // The done baseline run of (model, task label): the newest one whose config is unquantized.
  const RunEntry* baseline(int64_t modelId, const std::string& taskLabel) const;
};

// "opt-125m · W4A16KV16-g128 · calib wikitext2 n=128" for a statistics key.
std::string statsKeyLabel(const ExperimentSnapshot& snapshot, const StatsKey& key);

}  // namespace qs
