#include "tasks/run_recording.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "core/store/experiment_store.h"
#include "core/model/family.h"
#include "core/model/model.h"
#include "tasks/evaluator.h"
#include "tasks/run_provenance.h"
#include "tasks/task_config.h"

namespace qs {

ModelRecord recordModel(ExperimentStore& store, const std::filesystem::path& dir, const Model& model) {
  ModelRecord mr;
  mr.path = std::filesystem::absolute(dir).string();
  mr.family = std::string(familyName(model.family()));
  mr.parameters = model.parameterCount();
  mr.dtype = model.storedDtype();
  mr.fingerprint = fingerprintModel(dir);
  mr.id = store.upsertModel(mr);
  return mr;
}

RunRecord newRunRecord(int64_t modelId, Model& model, const std::string& quantConfig, const TaskConfig& task,
                       int64_t limit, uint64_t seed, const std::string& shard, const std::filesystem::path& dataDir) {
  RunRecord rr;
  rr.modelId = modelId;
  rr.quantName = quantConfig;
  rr.quantJson = quantConfigJson(quantConfig, model);
  rr.task = task.name;
  rr.taskVersion = std::to_string(task.version);
  rr.limit = limit;
  rr.seed = static_cast<int64_t>(seed);
  rr.device = describeDevice(model);
  rr.softwareVersions = softwareVersionsJson();
  rr.shard = shard;
  rr.protocol = runProtocolJson(task, model.capabilities().contextLimit, limit, seed, dataDir);
  return rr;
}

std::string runProtocolJson(const TaskConfig& task, int64_t modelContextLimit, int64_t limit, uint64_t seed,
                            const std::filesystem::path& dataDir) {
  nlohmann::json p{{"protocol", task.protocol},
                   {"kind", task.kind},
                   {"version", task.version},
                   {"output", !task.fewshotGain.is_null() ? "fewshot_gain"
                              : !task.averageOf.is_null() ? "average"
                                                          : outputTypeName(task.output)},
                   {"fewshot", task.fewshot.count},
                   {"limit", limit},
                   {"seed", seed}};
  if (!dataDir.empty()) p["data_dir"] = std::filesystem::absolute(dataDir).lexically_normal().string();
  if (task.output == OutputType::RollingLoglikelihood && task.fewshotGain.is_null() && task.averageOf.is_null()) {
    // The windows do not overlap (lm-evaluation-harness's rolling windows; the concatenated
    // protocol cuts the joined text), so the stride is the window, capped by the model's length.
    const int64_t window = std::min<int64_t>(task.rolling.window, modelContextLimit);
    nlohmann::json levels = nlohmann::json::array();
    for (const auto& m : task.metrics) levels.push_back(m.name);
    p["perplexity"] = {{"protocol", task.rolling.protocol}, {"window", window}, {"stride", window}, {"metrics", levels}};
  }
  return p.dump();
}

std::filesystem::path recordedDataDir(const RunRecord& run, const std::filesystem::path& fallback) {
  auto p = nlohmann::json::parse(run.protocol, nullptr, false);
  if (p.is_object() && p.contains("data_dir") && p["data_dir"].is_string()) return p["data_dir"].get<std::string>();
  return run.protocol.empty() ? fallback : std::filesystem::path();
}

std::vector<ItemRecord> runItems(const EvalResults& results, const std::string& task) {
  for (const auto& t : results.tasks)
    if (t.task == task) return t.items;
  return {};
}

std::vector<MetricRecord> metricRecords(const TaskResult& result) {
  std::vector<MetricRecord> out;
  std::set<std::string> seen;
  for (const auto& m : result.metrics) {
    MetricRecord r;
    r.name = m.breakdown.empty() ? m.metric : m.metric + "[" + m.breakdown + "]";
    if (!seen.insert(r.name).second) continue;
    r.value = m.value;
    r.stdError = m.stderr;
    r.samples = m.n;
    r.higherIsBetter = m.higherIsBetter;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::vector<MetricRecord>> runMetricRecords(const EvalResults& results,
                                                        const std::vector<std::string>& tasks) {
  std::vector<MetricRecord> shared;
  for (const auto& t : results.tasks)
    if (std::find(tasks.begin(), tasks.end(), t.task) == tasks.end()) {
      auto m = metricRecords(t);
      shared.insert(shared.end(), m.begin(), m.end());
    }
  std::vector<std::vector<MetricRecord>> out(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    for (const auto& t : results.tasks)
      if (t.task == tasks[i]) out[i] = metricRecords(t);
    out[i].insert(out[i].end(), shared.begin(), shared.end());
  }
  return out;
}

void logTaskNotes(ExperimentStore& store, int64_t runId, const EvalResults& results, const std::string& task) {
  for (const auto& t : results.tasks)
    if (t.task == task)
      for (const auto& n : t.notes) store.appendLog(runId, LogLevel::Info, n);
}

}  // namespace qs
