// quantscope-cli stats: per-layer weight / activation / KV statistics of a model.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_support.h"
#include "core/store/experiment_store.h"
#include "quant/quant_config.h"
#include "tasks/layer_statistics.h"
#include "tasks/model_backend.h"
#include "tasks/run_recording.h"

namespace qs::cli {
namespace {

int runStats(const std::vector<std::string>& argv) {
  Args args(argv, {"calib", "samples", "seqlen", "out", "db", "device", "dtype", "outlier-sigma"}, {});
  if (printHelpIfAsked(args, "stats")) return kOk;
  if (args.positional().size() != 1) throw UsageError("expected one MODEL folder");
  auto out = args.value("out");
  auto db = args.value("db");
  if (!out && !db) throw UsageError("--out stats.json or --db FILE.qsdb is required");
  const std::string dir = args.positional()[0];
  LoadOptions load;
  load.device = args.value("device", "cpu");
  load.dtype = args.value("dtype", "auto");
  auto backend = ModelBackend::load(dir, load);
  CalibrationSpec spec;
  spec.text = args.value("calib", "");
  spec.sequences = static_cast<int>(args.integer("samples", spec.sequences));
  spec.length = static_cast<int>(args.integer("seqlen", spec.length));
  if (spec.sequences < 1 || spec.length < 2) throw UsageError("--samples must be >= 1 and --seqlen >= 2");
  CancelToken never;

  if (db) {
    ExperimentStore store(*db);
    const int64_t modelId = recordModel(store, dir, backend->model()).id;
    const bool computed = storeLayerStatistics(store, modelId, backend->model(), *backend, {}, never,
                                               [](const std::string&, const std::string& m) {
                                                 std::fprintf(stderr, "%s\n", m.c_str());
                                               },
                                               spec);
    if (!computed) std::fprintf(stderr, "%s already holds statistics of this model\n", db->c_str());
  }
  if (out) {
    const auto g = gatherStatistics(backend->model(), *backend, {}, spec, never);
    const StatsSettings settings;
    nlohmann::json j;
    j["model"] = dir;
    j["calibration"] = g.calibration;
    j["kurtosis"] = "Pearson (normal distribution = 3)";
    j["weights"] = statsTableToJson(g.weights, settings);
    j["activations"] = statsTableToJson(g.activations, settings);
    std::ofstream f(*out);
    if (!f) throw Error(*out + ": cannot write");
    f << j.dump(1) << "\n";
    std::printf("wrote %zu weight and %zu activation/KV statistics (%s) to %s\n", g.weights.size(),
                g.activations.size(), g.calibration.c_str(), out->c_str());
  }
  return kOk;
}

const CommandRegistrar kRegister{{
    "stats",
    "per-layer weight / activation / KV statistics (kurtosis, absmax, outliers)",
    "usage: quantscope-cli stats MODEL [--calib FILE] [--samples N] [--seqlen L]\n"
    "                            (--out stats.json | --db FILE.qsdb) [--device D] [--dtype T]\n\n"
    "Per (layer, role, tensor type, and expert of a mixture-of-experts model): count, mean, std,\n"
    "absmax, Pearson kurtosis (3 = normal), the fraction of outliers |x - mean| > 6 std, and the\n"
    "per-channel absmax profile with its outlier channels (absmax > 10 x median). Weights need no\n"
    "data; activations (the input of every linear), keys (after RoPE) and values are gathered on N\n"
    "sequences of L tokens of the calibration text (default: the bundled sample, 8 x 256). --db\n"
    "stores them in an experiment database for the workbench's heatmaps; --out writes JSON.\n",
    runStats,
}};

}  // namespace
}  // namespace qs::cli
