#include "tasks/sweep_runner.h"

#include <ATen/ATen.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "core/checkpoint.h"
#include "core/error.h"
#include "core/experiment_store.h"
#include "core/model_fingerprint.h"
#include "core/runtime.h"
#include "quant/quant_config.h"
#include "quant/quantized_model.h"
#include "tasks/evaluator.h"
#include "tasks/layer_statistics.h"
#include "tasks/model_backend.h"
#include "tasks/resource_paths.h"
#include "tasks/run_provenance.h"

namespace qs {
namespace {

using Clock = std::chrono::steady_clock;

std::string readText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(p.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The canonical names of the sweep's configurations, the unquantized baseline first, each once.
std::vector<std::string> canonicalConfigs(const std::vector<std::string>& requested) {
  std::vector<std::string> out{QuantConfig::parse("FP16").name()};
  for (const auto& name : requested) {
    const auto presets = QuantConfig::presetNames();
    const bool isPreset = std::find(presets.begin(), presets.end(), name) != presets.end();
    QuantConfig c = isPreset ? QuantConfig::preset(name) : QuantConfig::parse(name);
    c.validate();
    std::string canonical = c.name();
    if (std::find(out.begin(), out.end(), canonical) == out.end()) out.push_back(canonical);
  }
  return out;
}

// Metric rows of a task result; breakdowns ("subject=anatomy") become "acc[subject=anatomy]".
std::vector<MetricRecord> toMetricRecords(const TaskResult& result) {
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

struct PlannedModel {
  std::filesystem::path dir;
  ModelRecord record;
};

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
    for (const auto& config : configs) {
      for (const auto& task : spec_.tasks) {
        const TaskConfig tc = findTask(tasksDir, task);
        if (index++ % spec_.shardCount != spec_.shardIndex) continue;
        RunKey key{fingerprint, config, task, std::to_string(tc.version), spec_.limit,
                   static_cast<int64_t>(spec_.seed)};
        out.push_back({dir, config, task, store.findDoneRun(key).has_value()});
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

  auto report = [&](double withinRun, const std::string& item, int64_t runId) {
    if (!cb.progress) return;
    SweepProgress pr;
    pr.runsDone = done;
    pr.runsTotal = total;
    pr.fraction = total ? (done + withinRun) / total : 1.0;
    pr.currentItem = item;
    pr.currentRunId = runId;
    pr.tokensPerSecond = lastTokensPerSecond;
    const double workDone = done - skippedAtStart + withinRun;
    const double elapsed = std::chrono::duration<double>(Clock::now() - sweepStart).count();
    if (workDone > 0.05) pr.etaSeconds = elapsed / workDone * (total - done - withinRun);
    cb.progress(pr);
  };
  report(0, "starting", -1);

  for (const auto& modelDir : spec_.models) {
    std::vector<const PlannedRun*> pending;
    for (const auto& p : planned)
      if (p.model == modelDir && !p.alreadyDone) pending.push_back(&p);
    if (pending.empty()) continue;
    cancel.throwIfCancelled();

    LoadOptions load;
    load.device = spec_.device;
    log("info", "loading " + modelDir.string());
    auto backend = ModelBackend::load(modelDir, load);
    Model& model = backend->model();
    ModelRecord mr;
    mr.path = std::filesystem::absolute(modelDir).string();
    mr.family = std::string(familyName(model.family()));
    mr.parameters = model.parameterCount();
    mr.dtype = model.storedDtype();
    mr.fingerprint = fingerprintModel(modelDir);
    const int64_t modelId = store.upsertModel(mr);

    if (spec_.layerStatistics) {
      report(0, modelDir.filename().string() + " / statistics", -1);
      storeLayerStatistics(store, modelId, model, *backend, spec_.dataDir, cancel, log);
    }

    // The baseline's logits and answers, for KL divergence and answer agreement of quantized runs.
    const auto baselineDir = baselineCacheDir(database_, mr.fingerprint);
    std::optional<Baseline> baseline;
    if (std::filesystem::exists(baselineDir / "generations.json")) baseline = Baseline::load(baselineDir);

    std::string currentConfig;
    std::string configError;
    std::unique_ptr<QuantizedModel> quantized;
    for (const PlannedRun* p : pending) {
      cancel.throwIfCancelled();
      if (p->quantConfig != currentConfig) {
        quantized.reset();  // restore the original weights before applying the next config
        configError.clear();
        currentConfig = p->quantConfig;
        try {
          const QuantConfig qc = QuantConfig::parse(p->quantConfig);
          if (qc.quantizesAnything()) quantized = std::make_unique<QuantizedModel>(model, qc);
        } catch (const Error& e) {
          // A config that does not fit this model (e.g. a group size that does not divide a
          // dimension) fails its runs; the rest of the sweep goes on.
          configError = e.what();
        }
      }
      const bool isBaseline = !QuantConfig::parse(p->quantConfig).quantizesAnything();
      const TaskConfig tc = findTask(tasksDir, p->task);
      RunRecord rr;
      rr.modelId = modelId;
      rr.quantName = p->quantConfig;
      rr.quantJson = quantConfigJson(p->quantConfig);
      rr.task = p->task;
      rr.taskVersion = std::to_string(tc.version);
      rr.limit = spec_.limit;
      rr.seed = static_cast<int64_t>(spec_.seed);
      rr.device = describeDevice(model);
      rr.softwareVersions = softwareVersionsJson();
      if (spec_.shardCount > 1) rr.shard = std::to_string(spec_.shardIndex) + "/" + std::to_string(spec_.shardCount);
      const int64_t runId = store.beginRun(rr);
      const std::string item = modelDir.filename().string() + " / " + p->quantConfig + " / " + p->task;
      store.appendLog(runId, LogLevel::Info, "started " + item + " on " + rr.device);
      report(0, item, runId);

      EvalOptions eo;
      eo.tasksDir = tasksDir;
      eo.dataDir = spec_.dataDir;
      if (spec_.limit > 0) eo.limit = spec_.limit;
      eo.seed = spec_.seed;
      if (!isBaseline && baseline) eo.baseline = &*baseline;
      const auto runStart = Clock::now();
      try {
        if (!configError.empty()) throw Error(configError);
        auto results = evaluate(
            *backend, {p->task}, eo,
            [&](const EvalProgress& ep) {
              report(ep.total > 0 ? std::min(1.0, static_cast<double>(ep.done) / ep.total) : 0.0, item, runId);
            },
            &cancel);
        RunResults out;
        for (const auto& t : results.tasks) {
          auto m = toMetricRecords(t);
          out.metrics.insert(out.metrics.end(), m.begin(), m.end());
        }
        out.wallSeconds = std::chrono::duration<double>(Clock::now() - runStart).count();
        out.tokensProcessed = results.stats.forwardTokens + results.stats.generatedTokens;
        lastTokensPerSecond = out.wallSeconds > 0 ? out.tokensProcessed / out.wallSeconds : 0;
        store.finishRun(runId, out);
        store.appendLog(runId, LogLevel::Info, "done in " + std::to_string(out.wallSeconds) + " s");
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
        ++summary.runsCompleted;
      } catch (const Cancelled&) {
        store.markInterrupted(runId, "cancelled by the user");
        summary.cancelled = true;
        log("warning", item + ": cancelled");
        return summary;
      } catch (const std::exception& e) {
        store.failRun(runId, e.what(), std::chrono::duration<double>(Clock::now() - runStart).count());
        log("error", item + ": " + e.what());
        ++summary.runsFailed;
      }
      ++done;
      if (cb.runFinished) cb.runFinished(runId);
      report(0, item, runId);
    }
  }
  return summary;
}

}  // namespace qs
