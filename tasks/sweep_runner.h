#pragma once
// A sweep: models x quantization configs x tasks, each point a run stored in an experiment
// database. The unquantized baseline of each model is added automatically; runs already done with
// the same key are skipped; interrupted and failed runs are retried. The model is loaded once per
// sweep and re-quantized per configuration. Blocking: the GUI calls run() on a worker thread.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tasks/layer_statistics.h"

#include "core/base/cancellation.h"

namespace qs {

struct SweepSpec {
  std::vector<std::filesystem::path> models;
  std::vector<std::string> quantConfigs;  // canonical names ("W4A16KV16-g128", presets "W4", ...)
  std::vector<std::string> tasks;         // task names from the tasks directory
  int64_t limit = 0;                      // 0 = every item
  uint64_t seed = 1234;
  std::string device = "cpu";
  std::string dtype = "auto";  // compute dtype: auto (float32 on CPU, the checkpoint's half type on CUDA)
  std::filesystem::path tasksDir;  // empty = the bundled resources/tasks
  std::filesystem::path dataDir;   // empty = the bundled resources/data
  // Run only the points with index % shardCount == shardIndex, plus the FP16 runs their KL
  // divergence is measured against when those fell to another shard.
  int shardIndex = 0;
  int shardCount = 1;
  bool layerStatistics = true;  // weight / activation / KV statistics per model (once per model)
  // Calibration text of the methods that need one (awq, smoothquant, gptq): N x L tokens, seeded
  // by `seed`; the text defaults as for the statistics (layer_statistics.h).
  CalibrationSpec calibration;
  // A model with NaN or Inf in its weights is refused unless this is set (its scores would be NaN).
  bool allowNonFinite = false;
  // Evaluate the pending tasks of one configuration together (requests batched across tasks, one
  // KL comparison). false: one evaluation per run, so that each run can be cancelled on its own.
  bool batchTasks = true;
  // Keep each method's transform (AWQ, SmoothQuant, GPTQ, QuaRot) beside the database and reuse it
  // in later sweeps of the same model, configuration and calibration (tasks/transform_cache.h);
  // transforms larger than the limit are recomputed every time.
  bool transformCache = true;
  int64_t transformCacheMaxBytes = int64_t(4) << 30;
};

enum class RunOutcome { Done, AlreadyDone, Failed, Cancelled };

struct PlannedRun {
  std::filesystem::path model;
  std::string quantConfig;
  std::string task;
  bool alreadyDone = false;  // skipped: a done run with the same key exists
};

struct SweepProgress {
  int runsDone = 0;
  int runsTotal = 0;
  double fraction = 0;      // 0..1 over the whole sweep
  double runFraction = 0;   // 0..1 within the current run (or batch of runs)
  int planIndex = -1;       // the current run's index in plan() (the first of a batch); -1 between runs
  std::string currentItem;  // "opt-125m / W4A16KV16-g128 / arc_easy"
  double etaSeconds = -1;   // -1 while unknown
  double tokensPerSecond = 0;
  int64_t currentRunId = -1;
};

struct SweepCallbacks {
  std::function<void(const SweepProgress&)> progress;  // called from the running thread
  std::function<void(int64_t runId)> runFinished;      // a run's results are committed
  std::function<void(const std::string& level, const std::string& message)> log;
  // Optional per-run control, by index in plan(). runCancel: a token that skips the run (before it
  // starts) or stops it alone (when it runs unbatched); the sweep goes on with the next run.
  std::function<const CancelToken*(int planIndex)> runCancel;
  std::function<void(int planIndex)> runStarted;
  std::function<void(int planIndex, RunOutcome outcome, const std::string& message)> runEnded;
};

struct SweepSummary {
  int runsCompleted = 0;
  int runsSkipped = 0;
  int runsFailed = 0;
  bool cancelled = false;
};

class SweepRunner {
 public:
  SweepRunner(std::filesystem::path database, SweepSpec spec);
  // The runs the sweep consists of (this shard only), baseline first per model.
  std::vector<PlannedRun> plan() const;
  // The configurations that cannot fit a model's shapes, read from each config.json before any
  // weight is loaded: "stories260K / W4A16KV16-g128: down_proj weights (5 tensors): group 128 does
  // not divide their input dimension 172". Their runs would fail; the sweep still runs the rest.
  std::vector<std::string> fitProblems() const;
  // Runs every planned run not already done. Returns when done or within ~1 s of `cancel`.
  SweepSummary run(const SweepCallbacks& callbacks, const CancelToken& cancel);

 private:
  std::filesystem::path database_;
  SweepSpec spec_;
};

}  // namespace qs
