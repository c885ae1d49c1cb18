#include "tasks/report/result_points.h"

#include <filesystem>
#include <map>

#include "core/store/experiment_store.h"

namespace qs {
namespace {

std::string folderName(const std::string& path) {
  std::filesystem::path p(path);
  if (!p.has_filename()) p = p.parent_path();  // "models/opt-125m/"
  return p.filename().string();
}

}  // namespace

std::map<int64_t, std::string> modelLabels(const std::vector<ModelRecord>& models) {
  std::map<std::string, int> uses;
  for (const auto& m : models) ++uses[folderName(m.path)];
  std::map<int64_t, std::string> labels;
  for (const auto& m : models) {
    std::string label = folderName(m.path);
    if (label.empty()) label = m.family;
    if (uses[folderName(m.path)] > 1) label += " (" + m.fingerprint.substr(0, 8) + ")";
    labels[m.id] = label;
  }
  return labels;
}

std::vector<ResultPoint> collectResultPoints(const ExperimentStore& store, RunFilter filter) {
  filter.status = RunStatus::Done;
  auto labels = modelLabels(store.models());
  std::vector<ResultPoint> points;
  auto metrics = store.metricsByRun(filter);
  for (const auto& run : store.listRuns(filter)) {
    std::string task = run.task;
    if (run.limit > 0) task += " (limit " + std::to_string(run.limit) + ")";
    for (const auto& m : metrics[run.id])
      points.push_back({labels[run.modelId], run.quantName, task, m.name, m.value, m.stdError, m.higherIsBetter});
  }
  return points;
}

}  // namespace qs
