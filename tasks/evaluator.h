#pragma once
// The API the CLI, the sweep runner and the GUI call: list the tasks of a directory, and run a
// set of tasks on a model. All requests of all tasks go through one RequestEngine run (per round),
// so batching and prefix sharing work across tasks.
//
// Baseline comparisons: run the unquantized model first; its EvalResults become a Baseline
// (Baseline::fromResults, or save()/load() across processes). A quantized run given that
// baseline reports the KL divergence and same-top-token rate against the baseline's logits on
// the KL text, and for generation tasks the agreement of its answers with the baseline's.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/cancellation.h"
#include "tasks/lm_backend.h"
#include "tasks/logit_reference.h"
#include "tasks/request_engine.h"
#include "tasks/task.h"
#include "tasks/task_config.h"
#include "tasks/task_result.h"

namespace qs {

struct TaskInfo {
  std::string name;
  std::string family;
  std::string kind;
  std::string protocol;
  std::string outputType;
  int version = 0;
  std::filesystem::path file;
  std::string error;  // non-empty when the file is malformed (then only `file` is meaningful)
};

// Every non-abstract task file under tasksDir (recursively), sorted by family then name.
// Malformed files are listed with `error` set rather than aborting the listing.
std::vector<TaskInfo> listTasks(const std::filesystem::path& tasksDir);
// Throws qs::Error naming the known tasks when `name` is not found, or the file's error.
TaskConfig findTask(const std::filesystem::path& tasksDir, const std::string& name);

struct EvalResults;

struct Baseline {
  std::optional<LogitReference> logits;
  // task -> document key -> outputs per turn
  std::map<std::string, std::map<std::string, std::vector<std::string>>> generations;

  static Baseline fromResults(const EvalResults& results);
  // dir/logits.safetensors (when present) and dir/generations.json.
  void save(const std::filesystem::path& dir) const;
  static Baseline load(const std::filesystem::path& dir);
};

struct EvalOptions {
  std::filesystem::path tasksDir;  // empty: the bundled resources/tasks
  std::filesystem::path dataDir;   // empty: the bundled resources/data
  std::optional<int64_t> limit;    // seeded subsample of each task's documents
  uint64_t seed = 1234;
  int bootstrapIterations = 1000;
  EngineOptions engine;

  // The chat template of tasks that use the model's ({"template": "model"}): a name from
  // chatTemplateNames(), or empty to recognise it in lm.modelDirectory() (detectChatTemplate).
  std::string chatTemplate;

  LmBackend* judge = nullptr;  // a local judge model for dialogue tasks (MT-Bench)
  EngineOptions judgeEngine;

  const Baseline* baseline = nullptr;
  bool klDivergence = true;           // record (no baseline) or compare (baseline with logits)
  std::filesystem::path klText;       // empty: <dataDir>/kl/kl_text.txt, else the bundled one
  int64_t klMaxTokens = 1024;
  int64_t klWindow = 512;             // capped by the model's maximum length
};

struct EvalProgress {
  std::string stage;  // "loading", "requests", "judge", "kl", "scoring"
  std::string detail;
  int64_t done = 0;
  int64_t total = 0;
};
using EvalProgressFn = std::function<void(const EvalProgress&)>;

struct EvalResults {
  std::string model;
  std::vector<TaskResult> tasks;
  EngineStats stats;                             // the evaluated model's engine
  std::optional<LogitReference> logitReference;  // recorded when no baseline logits were given
  double seconds = 0;

  // {"model", "tasks": [...], "engine": {...}}; generations included.
  nlohmann::json toJson() const;
  // Flat list of every metric of every task.
  std::vector<MetricResult> allMetrics() const;
};

// The documents with these indices of a task, read from its data files as an evaluation reads them
// (hooks applied; no model needed). Missing indices are absent from the result. Throws qs::Error
// for an unknown task or unreadable data, naming the file.
std::map<int64_t, DocumentPreview> previewDocuments(const std::filesystem::path& tasksDir,
                                                    const std::filesystem::path& dataDir, const std::string& task,
                                                    const std::vector<int64_t>& docIndices);

// Throws qs::Error for unknown tasks or malformed task files / data, qs::Cancelled when cancelled
// (checked between batches).
EvalResults evaluate(LmBackend& lm, const std::vector<std::string>& taskNames, const EvalOptions& options,
                     const EvalProgressFn& progress = {}, const CancelToken* cancel = nullptr);

}  // namespace qs
