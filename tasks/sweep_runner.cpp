#include "tasks/sweep_runner.h"
#include "tasks/transform_cache.h"

#include <ATen/ATen.h>

#include <chrono>
#include <set>
#include <nlohmann/json.hpp>

#include "core/checkpoint/checkpoint.h"
#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "core/checkpoint/model_fingerprint.h"
#include "core/base/runtime.h"
#include "core/model/model_config.h"
#include "quant/config_fit.h"
#include "quant/quant_config.h"
#include "quant/quantized_model.h"
#include "tasks/calibration_set.h"
#include "tasks/evaluator.h"
#include "tasks/layer_statistics.h"
#include "tasks/model_backend.h"
#include "tasks/resource_paths.h"
#include "tasks/run_provenance.h"
#include "tasks/run_recording.h"

namespace qs {
namespace {

using Clock = std::chrono::steady_clock;

// The canonical names of the sweep's configurations, the unquantized baseline first, each once.
// parse() reads presets ("W4", "KV2") as the shorthand names they are.
std::vector<std::string> canonicalConfigs(const std::vector<std::string>& requested) {
  std::vector<std::string> out{QuantConfig::parse("FP16").name()};
  for (const auto& name : requested) {
    const QuantConfig c = QuantConfig::parse(name);
    c.validate();
    std::string canonical = c.name();
    if (std::find(out.begin(), out.end(), canonical) == out.end()) out.push_back(canonical);
  }
  return out;
}

}  // namespace

SweepRunner::SweepRunner(std::filesystem::path database, SweepSpec spec)
    : database_(std::move(database)), spec_(std::move(spec)) {
  if (spec_.shardCount < 1 || spec_.shardIndex < 0 || spec_.shardIndex >= spec_.shardCount)
    throw Error("sweep: shard " + std::to_string(spec_.shardIndex) + "/" + std::to_string(spec_.shardCount) +
                " is not valid (expected i/N with 0 <= i < N)");
  if (spec_.models.empty()) throw Error("sweep: no model given");
  if (spec_.tasks.empty()) throw Error("sweep: no task given");
}

std::vector<PlannedRun> SweepRunner::plan() const {
  ExperimentStore store(database_, std::filesystem::exists(database_) ? ExperimentStore::Mode::ReadOnly
                                                                      : ExperimentStore::Mode::ReadWrite);
  const auto configs = canonicalConfigs(spec_.quantConfigs);
  const auto tasksDir = spec_.tasksDir.empty() ? defaultTasksDir() : spec_.tasksDir;
  std::vector<PlannedRun> out;
  int index = 0;
  for (const auto& dir : spec_.models) {
    const std::string fingerprint = fingerprintModel(dir);
    auto point = [&](const std::string& config, const std::string& task) {
      const TaskConfig tc = findTask(tasksDir, task);
      RunKey key{fingerprint, config, task, std::to_string(tc.version), spec_.limit, static_cast<int64_t>(spec_.seed)};
      return PlannedRun{dir, config, task, store.findDoneRun(key).has_value()};
    };
    std::vector<PlannedRun> mine;
    std::set<std::string> baselineTasks, quantizedTasks;
    for (const auto& config : configs) {
      for (const auto& task : spec_.tasks) {
        if (index++ % spec_.shardCount != spec_.shardIndex) continue;
        mine.push_back(point(config, task));
        (config == configs.front() ? baselineTasks : quantizedTasks).insert(task);
      }
    }
    // The FP16 run is the reference of each quantized run of its task (KL divergence, agreement of
    // generations): a shard with quantized runs of a task whose FP16 run fell to another shard runs
    // that baseline as well, first; merging keeps one copy of the duplicates.
    std::vector<PlannedRun> references;
    for (const auto& task : spec_.tasks)
      if (quantizedTasks.count(task) && !baselineTasks.count(task)) references.push_back(point(configs.front(), task));
    out.insert(out.end(), references.begin(), references.end());
    out.insert(out.end(), mine.begin(), mine.end());
  }
  return out;
}

std::vector<std::string> SweepRunner::fitProblems() const {
  std::vector<std::string> out;
  for (const auto& dir : spec_.models) {
    const std::string name = dir.filename().string();
    ModelConfig model;
    try {
      model = ModelConfig::load(dir / "config.json");
    } catch (const Error& e) {
      out.push_back(name + ": " + e.what());
      continue;
    }
    for (const auto& c : spec_.quantConfigs) {
      try {
        const QuantConfig qc = QuantConfig::parse(c);
        for (const auto& p : configFitProblems(model, qc)) out.push_back(name + " / " + qc.name() + ": " + p);
      } catch (const Error& e) {
        out.push_back(name + " / " + c + ": " + e.what());
      }
    }
  }
  return out;
}

SweepSummary SweepRunner::run(const SweepCallbacks& cb, const CancelToken& cancel) {
  SweepSummary summary;
  auto log = [&](const std::string& level, const std::string& text) {
    if (cb.log) cb.log(level, text);
  };
  const auto planned = plan();
  ExperimentStore store(database_);
  const auto tasksDir = spec_.tasksDir.empty() ? defaultTasksDir() : spec_.tasksDir;
  const int total = static_cast<int>(planned.size());
  int done = 0;
  for (const auto& p : planned)
    if (p.alreadyDone) ++done, ++summary.runsSkipped;
  const int skippedAtStart = done;
  const auto sweepStart = Clock::now();
  double lastTokensPerSecond = 0;

  auto report = [&](double withinBatch, int batchSize, const std::string& item, int planIndex, int64_t runId) {
    if (!cb.progress) return;
    SweepProgress pr;
    pr.runsDone = done;
    pr.runsTotal = total;
    pr.fraction = total ? (done + withinBatch * batchSize) / total : 1.0;
    pr.runFraction = withinBatch;
    pr.planIndex = planIndex;
    pr.currentItem = item;
    pr.currentRunId = runId;
    pr.tokensPerSecond = lastTokensPerSecond;
    const double workDone = done - skippedAtStart + withinBatch * batchSize;
    const double elapsed = std::chrono::duration<double>(Clock::now() - sweepStart).count();
    if (workDone > 0.05) pr.etaSeconds = elapsed / workDone * (total - workDone - skippedAtStart);
    cb.progress(pr);
  };
  auto runToken = [&](int planIndex) -> const CancelToken* {
    const CancelToken* own = cb.runCancel ? cb.runCancel(planIndex) : nullptr;
    return own ? own : &cancel;
  };
  auto ended = [&](int planIndex, RunOutcome outcome, const std::string& message) {
    if (cb.runEnded) cb.runEnded(planIndex, outcome, message);
  };
  report(0, 1, "starting", -1, -1);

  for (const auto& modelDir : spec_.models) {
    std::vector<int> pending;  // indices into planned
    for (int i = 0; i < total; ++i)
      if (planned[i].model == modelDir && !planned[i].alreadyDone) pending.push_back(i);
    if (pending.empty()) continue;
    cancel.throwIfCancelled();

    LoadOptions load;
    load.device = spec_.device;
    load.dtype = spec_.dtype;
    log("info", "loading " + modelDir.string());
    auto backend = ModelBackend::load(modelDir, load);
    Model& model = backend->model();
    if (const auto& bad = model.nonFiniteWeights(); !bad.empty()) {
      const std::string what = modelDir.string() + ": " + std::to_string(bad.size()) +
                               " weight tensor(s) hold NaN or Inf (first: " + bad.front().name + ", " +
                               std::to_string(bad.front().count) + " values)";
      if (!spec_.allowNonFinite) throw Error(what + "; pass --allow-nonfinite to evaluate it anyway");
      log("warning", what + "; evaluating anyway (--allow-nonfinite)");
    }
    const ModelRecord modelRecord = recordModel(store, modelDir, model);
    std::optional<CalibrationSet> calibration;  // drawn once per model, when a method needs it
    const int64_t modelId = modelRecord.id;

    if (spec_.layerStatistics) {
      report(0, 1, modelDir.filename().string() + " / statistics", -1, -1);
      storeLayerStatistics(store, modelId, model, *backend, spec_.dataDir, cancel, log);
    }

    // The baseline's logits and answers, for KL divergence and answer agreement of quantized runs.
    TransformCache transforms(store, database_, spec_.transformCacheMaxBytes);
    const auto baselineDir = baselineCacheDir(database_, modelRecord.fingerprint);
    std::optional<Baseline> baseline;
    if (std::filesystem::exists(baselineDir / "generations.json")) baseline = Baseline::load(baselineDir);

    // The pending runs of one configuration are evaluated together (batchTasks): their requests
    // are batched across tasks and the KL comparison runs once. Each task is still its own run.
    for (size_t first = 0; first < pending.size();) {
      size_t last = first + 1;
      if (spec_.batchTasks)
        while (last < pending.size() && planned[pending[last]].quantConfig == planned[pending[first]].quantConfig)
          ++last;
      const std::string config = planned[pending[first]].quantConfig;
      if (cancel.cancelled()) {
        summary.cancelled = true;
        return summary;
      }
      std::vector<int> batchRuns;  // plan indices; runs cancelled before they start are skipped
      for (size_t i = first; i < last; ++i) {
        if (runToken(pending[i])->cancelled()) {
          ended(pending[i], RunOutcome::Cancelled, "cancelled before it started");
          ++done;
        } else {
          batchRuns.push_back(pending[i]);
        }
      }
      first = last;
      if (batchRuns.empty()) continue;
      // One run alone can be stopped by its own token; a batch stops with the sweep.
      const CancelToken& batchCancel = batchRuns.size() == 1 ? *runToken(batchRuns.front()) : cancel;

      std::unique_ptr<QuantizedModel> quantized;  // restores the original weights when destroyed
      std::string configError, methodNote;
      nlohmann::json methodRun;  // the method's own provenance, stored in each run's config JSON
      bool isBaseline = false;
      try {
        const QuantConfig qc = QuantConfig::parse(config);
        isBaseline = !qc.quantizesAnything();
        at::Tensor calibrationIds;
        if (!isBaseline && qc.method != "rtn") {
          if (!calibration) {
            const int64_t length = std::min<int64_t>(spec_.calibration.length, backend->maxLength());
            calibration = loadCalibrationSet([&](std::string_view t) { return backend->encode(t); },
                                             calibrationFile(spec_.calibration, spec_.dataDir),
                                             spec_.calibration.sequences, length, spec_.seed);
          }
          calibrationIds = calibration->ids;
        }
        // quarot's rotations take the calibration seed too, so one seed reproduces the run.
        const bool withMethod = !isBaseline && qc.method != "rtn";
        // quarot takes no calibration text: its transform depends on the seed alone.
        const TransformCache::Key cacheKey{
            modelId, qc.name(), withMethod && qc.method != "quarot" ? calibration->description : std::string(),
            qc.method == "quarot" ? static_cast<int64_t>(spec_.seed) : 0};
        std::optional<MethodTransform> cached;
        std::optional<TransformRecord> cachedRecord;
        std::string cacheNote;
        const auto t0 = Clock::now();  // reading and applying a cached transform
        if (withMethod && spec_.transformCache) cached = transforms.load(cacheKey, cacheNote, &cachedRecord);
        if (!cacheNote.empty()) log("warning", config + ": " + cacheNote);
        double loadSeconds = 0;
        if (!isBaseline) {
          try {
            quantized = std::make_unique<QuantizedModel>(model, qc, calibrationIds, spec_.seed, cached ? &*cached : nullptr);
          } catch (const Error& e) {
            if (!cached) throw;
            // Saved for another model under the same key (e.g. its files were replaced): recompute.
            log("warning", config + ": the cached transform does not fit (" + e.what() + "); computing it again");
            transforms.drop(cacheKey);
            cached.reset();
            quantized = std::make_unique<QuantizedModel>(model, qc, calibrationIds, spec_.seed);
          }
          loadSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
        }
        if (quantized && withMethod) {
          const bool fromCache = quantized->transformFromCache();
          const double seconds = fromCache ? cachedRecord->seconds : quantized->methodSeconds();
          methodNote = "method " + qc.method + " on calibration " + calibration->description + ": " +
                       (fromCache ? "loaded from the transform cache in " + std::to_string(loadSeconds) +
                                        " s (computing it took " + std::to_string(seconds) + " s on " +
                                        cachedRecord->createdAt + ")"
                                  : std::to_string(seconds) + " s") +
                       (qc.method == "quarot" ? ", rotation seed " + std::to_string(quantized->rotationSeed()) : "");
          if (!fromCache && spec_.transformCache) methodNote += "; " + transforms.save(cacheKey, quantized->methodTransform());
          // Kept apart from the run's wall time: the method runs once per configuration, the
          // evaluation once per task.
          methodRun = {{"method", qc.method},
                       {"seconds", seconds},
                       {"calibration", calibration->description},
                       {"cached", fromCache}};
          if (fromCache) methodRun["load_seconds"] = loadSeconds;
          if (qc.method == "quarot") methodRun["rotation_seed"] = quantized->rotationSeed();
        }
      } catch (const Error& e) {
        // A config that does not fit this model (e.g. a group size that does not divide a
        // dimension) fails its runs; the rest of the sweep goes on.
        configError = e.what();
      }

      const int batch = static_cast<int>(batchRuns.size());
      const std::string shard =
          spec_.shardCount > 1 ? std::to_string(spec_.shardIndex) + "/" + std::to_string(spec_.shardCount) : "";
      std::vector<std::string> taskNames;
      std::vector<int64_t> runIds;
      for (int planIndex : batchRuns) {
        const TaskConfig tc = findTask(tasksDir, planned[planIndex].task);
        RunRecord record = newRunRecord(modelId, model, config, tc, spec_.limit, spec_.seed, shard, spec_.dataDir);
        if (!methodRun.is_null()) {
          auto j = nlohmann::json::parse(record.quantJson);
          j["method_run"] = methodRun;
          record.quantJson = j.dump();
        }
        const int64_t runId = store.beginRun(record);
        std::string note = "started " + modelDir.filename().string() + " / " + config + " / " + tc.name + " on " +
                           describeDevice(model);
        if (batch > 1) note += " (batched with the other " + std::to_string(batch - 1) + " task(s) of this config)";
        store.appendLog(runId, LogLevel::Info, note);
        if (!methodNote.empty()) store.appendLog(runId, LogLevel::Info, methodNote);
        taskNames.push_back(tc.name);
        runIds.push_back(runId);
        if (cb.runStarted) cb.runStarted(planIndex);
      }
      std::string item = modelDir.filename().string() + " / " + config + " / " + taskNames.front();
      for (size_t i = 1; i < taskNames.size(); ++i) item += "," + taskNames[i];
      report(0, batch, item, batchRuns.front(), runIds.front());

      EvalOptions eo;
      eo.tasksDir = tasksDir;
      eo.dataDir = spec_.dataDir;
      if (spec_.limit > 0) eo.limit = spec_.limit;
      eo.seed = spec_.seed;
      if (!isBaseline && baseline) eo.baseline = &*baseline;
      const auto start = Clock::now();
      auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
      try {
        if (!configError.empty()) throw Error(configError);
        auto results = evaluate(
            *backend, taskNames, eo,
            [&](const EvalProgress& ep) {
              const double within = ep.total > 0 ? std::min(1.0, static_cast<double>(ep.done) / ep.total) : 0.0;
              report(within, batch, item, batchRuns.front(), runIds.front());
            },
            &batchCancel);
        auto metrics = runMetricRecords(results, taskNames);
        const double seconds = elapsed();
        const int64_t tokens = results.stats.forwardTokens + results.stats.generatedTokens;
        lastTokensPerSecond = seconds > 0 ? tokens / seconds : 0;
        for (int i = 0; i < batch; ++i) {
          RunResults out;
          out.metrics = std::move(metrics[i]);
          out.items = runItems(results, taskNames[i]);
          // Batched tasks share their forward passes: each run records the batch's time and tokens.
          out.wallSeconds = seconds;
          out.tokensProcessed = tokens;
          logTaskNotes(store, runIds[i], results, taskNames[i]);
          store.finishRun(runIds[i], out);
          store.appendLog(runIds[i], LogLevel::Info, "done in " + std::to_string(seconds) + " s");
          ++summary.runsCompleted;
          ++done;
          if (cb.runFinished) cb.runFinished(runIds[i]);
          ended(batchRuns[i], RunOutcome::Done, "");
        }
        if (isBaseline) {
          Baseline fresh = Baseline::fromResults(results);
          if (baseline) {
            for (auto& [task, gens] : fresh.generations) baseline->generations[task] = gens;
            if (fresh.logits) baseline->logits = fresh.logits;
          } else {
            baseline = std::move(fresh);
          }
          baseline->save(baselineDir);
        }
      } catch (const Cancelled&) {
        for (int i = 0; i < batch; ++i) {
          store.markInterrupted(runIds[i], "cancelled by the user");
          ++done;
          ended(batchRuns[i], RunOutcome::Cancelled, "cancelled while running");
        }
        log("warning", item + ": cancelled");
        if (cancel.cancelled() || &batchCancel == &cancel) {
          summary.cancelled = true;
          return summary;
        }
      } catch (const std::exception& e) {
        for (int i = 0; i < batch; ++i) {
          store.failRun(runIds[i], e.what(), elapsed());
          ++summary.runsFailed;
          ++done;
          if (cb.runFinished) cb.runFinished(runIds[i]);
          ended(batchRuns[i], RunOutcome::Failed, e.what());
        }
        log("error", item + ": " + e.what());
      }
      report(0, batch, item, batchRuns.back(), runIds.back());
    }
  }
  return summary;
}

}  // namespace qs
