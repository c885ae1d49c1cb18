#pragma once
// Evaluation results as experiment-database records: the one mapping from a loaded model, a
// quantization config and a task's results onto the store's rows. The sweep runner and the CLI's
// `eval --db` both write through it, so a run means the same whichever command made it.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/store/store_records.h"

namespace qs {

class ExperimentStore;
class Model;
struct EvalResults;
struct TaskConfig;
struct TaskResult;

// The model's row (path, family, parameters, stored dtype, fingerprint), inserted or found; the
// returned record carries its id.
ModelRecord recordModel(ExperimentStore& store, const std::filesystem::path& dir, const Model& model);

// A run about to start: config (canonical name and full JSON with the bits per weight on this
// model), task and version, limit, seed, device and software versions. `shard` is "i/N" for a
// sharded sweep, else "". The model is read only (its linear shapes).
// `dataDir` is where the task's data files were read ("" = the bundled samples), recorded in the
// protocol so that the items can be shown with their documents later.
RunRecord newRunRecord(int64_t modelId, Model& model, const std::string& quantConfig, const TaskConfig& task,
                       int64_t limit, uint64_t seed, const std::string& shard = "",
                       const std::filesystem::path& dataDir = {});

// How a task's numbers are measured, as RunRecord::protocol: protocol string and version, output
// type, few-shot count, limit, seed, the data folder (absolute; absent for the bundled samples),
// and for perplexity the protocol, window and stride (the window
// capped by the model's context limit) and the metrics (token / word / byte level).
std::string runProtocolJson(const TaskConfig& task, int64_t modelContextLimit, int64_t limit, uint64_t seed,
                            const std::filesystem::path& dataDir = {});

// The data folder a run read its task data from: the protocol's data_dir; the bundled data ("")
// for a run whose protocol recorded none (it used the bundled samples); `fallback` for a run
// stored before protocols were recorded (schema < 5), which did not say.
std::filesystem::path recordedDataDir(const RunRecord& run, const std::filesystem::path& fallback);

// The per-item results of `task` in an evaluation (empty when it recorded none).
std::vector<ItemRecord> runItems(const EvalResults& results, const std::string& task);

// A task's metrics as stored rows; breakdowns ("subject=anatomy") become "acc[subject=anatomy]".
std::vector<MetricRecord> metricRecords(const TaskResult& result);

// The rows of each task's run after one evaluation of `tasks` together, in that order: the task's
// own metrics, then those of the configuration rather than of a task (KL divergence against the
// baseline), which every run of the evaluation stores, as a one-task run does.
std::vector<std::vector<MetricRecord>> runMetricRecords(const EvalResults& results,
                                                        const std::vector<std::string>& tasks);

// What a task's result depends on beyond the run's key (e.g. the chat template used): its notes,
// appended to the run's log.
void logTaskNotes(ExperimentStore& store, int64_t runId, const EvalResults& results, const std::string& task);

}  // namespace qs
