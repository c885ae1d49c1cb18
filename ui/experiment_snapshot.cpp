#include "ui/experiment_snapshot.h"

#include <filesystem>
#include <set>

#include "core/store/experiment_store.h"
#include "ui/quant_name.h"

namespace qs {

namespace {

std::string folderName(const std::string& path) {
  std::filesystem::path p(path);
  if (!p.has_filename()) p = p.parent_path();
  return p.filename().string();
}

}  // namespace

std::string taskLabel(const RunRecord& run) {
  return run.limit > 0 ? run.task + " (limit " + std::to_string(run.limit) + ")" : run.task;
}

const MetricRecord* RunEntry::metric(const std::string& name) const {
  for (const auto& m : metrics)
    if (m.name == name) return &m;
  return nullptr;
}

ExperimentSnapshot ExperimentSnapshot::load(const ExperimentStore& store) {
  ExperimentSnapshot s;
  s.file = store.file().string();
  s.models = store.models();
  std::map<std::string, int> uses;
  for (const auto& m : s.models) ++uses[folderName(m.path)];
  for (const auto& m : s.models) {
    std::string label = folderName(m.path);
    if (label.empty()) label = m.family;
    if (uses[folderName(m.path)] > 1) label += " (" + m.fingerprint.substr(0, 8) + ")";
    s.modelLabels[m.id] = label;
  }
  for (auto& run : store.listRuns()) {
    RunEntry e;
    e.metrics = store.metrics(run.id);
    e.run = std::move(run);
    s.runs.push_back(std::move(e));
  }
  s.statsKeys = store.statsKeys();
  // The store lists rows only: the keys are their distinct prefixes (rows are ordered by key).
  for (const auto& r : store.sensitivity())
    if (s.sensitivityKeys.empty() || !(s.sensitivityKeys.back() == StatsKey{r.modelId, r.quantName, r.calibration}))
      s.sensitivityKeys.push_back({r.modelId, r.quantName, r.calibration});
  for (const auto& r : store.quantErrors())
    if (s.quantErrorKeys.empty() || !(s.quantErrorKeys.back() == StatsKey{r.modelId, r.quantName, r.calibration}))
      s.quantErrorKeys.push_back({r.modelId, r.quantName, r.calibration});
  return s;
}

const ModelRecord* ExperimentSnapshot::model(int64_t id) const {
  for (const auto& m : models)
    if (m.id == id) return &m;
  return nullptr;
}

const RunEntry* ExperimentSnapshot::run(int64_t id) const {
  for (const auto& r : runs)
    if (r.run.id == id) return &r;
  return nullptr;
}

std::string ExperimentSnapshot::modelName(int64_t modelId) const {
  auto it = modelLabels.find(modelId);
  return it == modelLabels.end() ? "model " + std::to_string(modelId) : it->second;
}

std::vector<std::string> ExperimentSnapshot::tasks() const {
  std::set<std::string> names;
  for (const auto& r : runs)
    if (!r.metrics.empty()) names.insert(taskLabel(r.run));
  return {names.begin(), names.end()};
}

std::vector<std::string> ExperimentSnapshot::metricNames(const std::string& task) const {
  std::set<std::string> names;
  for (const auto& r : runs)
    if (taskLabel(r.run) == task)
      for (const auto& m : r.metrics) names.insert(m.name);
  return {names.begin(), names.end()};
}

const RunEntry* ExperimentSnapshot::baseline(int64_t modelId, const std::string& task) const {
  const RunEntry* found = nullptr;
  for (const auto& r : runs)
    if (r.run.modelId == modelId && taskLabel(r.run) == task && r.run.status == RunStatus::Done &&
        isBaselineName(r.run.quantName))
      found = &r;
  return found;
}

std::string statsKeyLabel(const ExperimentSnapshot& snapshot, const StatsKey& key) {
  std::string label = snapshot.modelName(key.modelId) + " · " + (key.quantName.empty() ? "unquantized" : key.quantName);
  if (!key.calibration.empty()) label += " · " + key.calibration;
  return label;
}

}  // namespace qs
