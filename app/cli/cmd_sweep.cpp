// quantscope-cli sweep: models x quantization configs x tasks into an experiment database.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/cli/cli_support.h"
#include "core/store/experiment_store.h"
#include "core/base/error.h"
#include "quant/method_grid.h"
#include "quant/quant_config.h"
#include "tasks/sweep_runner.h"

namespace qs::cli {
namespace {

CancelToken gCancel;
extern "C" void onSweepInterrupt(int) { gCancel.cancel(); }

std::vector<int> bitList(const Args& args, const char* option) {
  std::vector<int> out;
  for (const auto& item : splitList(args.value(option, "16"))) {
    try {
      size_t used = 0;
      int b = std::stoi(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
      out.push_back(b);
    } catch (const std::exception&) {
      throw UsageError(std::string("--") + option + " expects bit-widths like 16,8,4, got '" + item + "'");
    }
  }
  return out;
}

// The cartesian grid of --w x --a x --kv with the group size, as canonical config names.
std::vector<std::string> gridConfigs(const Args& args) {
  const auto ws = bitList(args, "w"), as = bitList(args, "a"), kvs = bitList(args, "kv");
  const auto group = args.integer("group", 128);
  std::vector<std::string> out;
  for (int w : ws)
    for (int a : as)
      for (int kv : kvs) {
        std::string name = "W" + std::to_string(w) + "A" + std::to_string(a) + "KV" + std::to_string(kv);
        if (w != 16 || kv != 16) name += "-g" + std::to_string(group);
        out.push_back(QuantConfig::parse(name).name());
      }
  return out;
}

std::pair<int, int> parseShard(const std::string& s) {
  auto slash = s.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument(s);
    return {std::stoi(s.substr(0, slash)), std::stoi(s.substr(slash + 1))};
  } catch (const std::exception&) {
    throw UsageError("--shard expects i/N (e.g. 0/4), got '" + s + "'");
  }
}

int runSweep(const std::vector<std::string>& argv) {
  Args args(argv,
            {"model", "w", "a", "kv", "group", "configs", "tasks", "db", "shard", "limit", "seed", "device", "dtype",
             "data-dir", "tasks-dir", "calib", "calib-samples", "calib-length", "method"},
            {"resume", "no-stats", "dry-run", "allow-nonfinite", "no-transform-cache"});
  if (printHelpIfAsked(args, "sweep")) return kOk;
  SweepSpec spec;
  for (const auto& m : splitList(args.value("model", ""))) spec.models.emplace_back(m);
  for (const auto& m : args.positional()) spec.models.emplace_back(m);
  if (spec.models.empty()) throw UsageError("--model DIR is required");
  auto db = args.value("db");
  if (!db) throw UsageError("--db FILE.qsdb is required");
  auto tasks = args.value("tasks");
  if (!tasks) throw UsageError("--tasks a,b,... is required (see quantscope-cli eval --list)");
  spec.tasks = splitList(*tasks);
  spec.quantConfigs = args.has("configs") ? splitList(*args.value("configs")) : gridConfigs(args);
  if (auto methods = args.value("method")) {
    MethodGrid grid;
    try {
      grid = crossWithMethods(spec.quantConfigs, splitList(*methods));
    } catch (const Error& e) {
      throw UsageError(std::string("--method: ") + e.what());
    }
    for (const auto& s : grid.skipped) std::fprintf(stderr, "sweep: left out %s\n", s.c_str());
    spec.quantConfigs = grid.configs;
  }
  spec.limit = args.integer("limit", 0);
  spec.seed = static_cast<uint64_t>(args.integer("seed", 1234));
  spec.device = args.value("device", "cpu");
  spec.dtype = args.value("dtype", "auto");
  spec.dataDir = args.value("data-dir", "");
  spec.tasksDir = args.value("tasks-dir", "");
  spec.layerStatistics = !args.has("no-stats");
  spec.allowNonFinite = args.has("allow-nonfinite");
  spec.transformCache = !args.has("no-transform-cache");
  if (auto calib = args.value("calib")) spec.calibration.text = *calib;
  spec.calibration.sequences = static_cast<int>(args.integer("calib-samples", spec.calibration.sequences));
  spec.calibration.length = static_cast<int>(args.integer("calib-length", spec.calibration.length));
  if (auto shard = args.value("shard")) std::tie(spec.shardIndex, spec.shardCount) = parseShard(*shard);

  // Writing into another experiment's database by accident would mix results: ask for --resume.
  if (std::filesystem::exists(*db) && std::filesystem::file_size(*db) > 0 && !args.has("resume")) {
    ExperimentStore existing(*db, ExperimentStore::Mode::ReadOnly);
    if (!existing.listRuns().empty())
      throw UsageError(*db + " already holds runs; pass --resume to continue a sweep in it");
  }

  SweepRunner runner(*db, spec);
  const auto plan = runner.plan();
  int todo = 0;
  for (const auto& p : plan) todo += !p.alreadyDone;
  std::fprintf(stderr, "sweep: %zu runs in this shard (%d to do, %zu already done)\n", plan.size(), todo,
               plan.size() - todo);
  // Said before anything is loaded, so a long sweep does not discover it run by run.
  for (const auto& p : runner.fitProblems()) std::fprintf(stderr, "sweep: will fail: %s\n", p.c_str());
  if (args.has("dry-run")) {
    for (const auto& p : plan)
      std::printf("%s\t%s\t%s\t%s\n", p.model.string().c_str(), p.quantConfig.c_str(), p.task.c_str(),
                  p.alreadyDone ? "done" : "todo");
    return kOk;
  }

  std::signal(SIGINT, onSweepInterrupt);
  std::signal(SIGTERM, onSweepInterrupt);
  SweepCallbacks cb;
  cb.progress = [](const SweepProgress& p) {
    std::fprintf(stderr, "\r[%3.0f%%] %d/%d %s  eta %s  %.0f tok/s        ", 100 * p.fraction, p.runsDone,
                 p.runsTotal, p.currentItem.c_str(),
                 p.etaSeconds < 0 ? "?" : (std::to_string(static_cast<int>(p.etaSeconds)) + "s").c_str(),
                 p.tokensPerSecond);
  };
  cb.log = [](const std::string& level, const std::string& message) {
    std::fprintf(stderr, "\n%s: %s\n", level.c_str(), message.c_str());
  };
  const auto summary = runner.run(cb, gCancel);
  std::fprintf(stderr, "\n");
  std::printf("sweep: %d completed, %d skipped (already done), %d failed%s -> %s\n", summary.runsCompleted,
              summary.runsSkipped, summary.runsFailed, summary.cancelled ? ", cancelled" : "", db->c_str());
  if (summary.cancelled) return kCancelled;
  return summary.runsFailed ? kFailure : kOk;
}

const CommandRegistrar kRegister{{
    "sweep",
    "models x quant configs x tasks into an experiment database (resumable, shardable)",
    "usage: quantscope-cli sweep --model DIR[,DIR...] --tasks T1,T2 --db OUT.qsdb\n"
    "                            [--w 16,8,4,3,2] [--a 16,8] [--kv 16,8,4,2] [--group 128]\n"
    "                            [--configs NAME,NAME...] [--limit N] [--seed S] [--device D] [--dtype T]\n"
    "                            [--shard i/N] [--resume] [--no-stats] [--dry-run] [--allow-nonfinite]\n"
    "                            [--data-dir DIR] [--tasks-dir DIR]\n"
    "                            [--calib FILE] [--calib-samples N] [--calib-length L]\n"
    "                            [--method rtn,awq,gptq,smoothquant,quarot] [--no-transform-cache]\n\n"
    "Evaluates every model under every quantization configuration on every task; each point is a run\n"
    "stored in OUT.qsdb. The configurations are the cartesian grid --w x --a x --kv (group size\n"
    "--group for weights and KV), or the names given with --configs (canonical names such as\n"
    "W4A8KV4-g128 or presets W8 W4 W3 W2 W8A8 W4A8 W4A4 KV8 KV4 KV3 KV2). The unquantized baseline\n"
    "(FP16) of each model is always added and runs first; quantized runs report KL divergence and\n"
    "top-token agreement against it. Each model is loaded once and re-quantized per configuration;\n"
    "the tasks of one configuration are evaluated together (requests batched across tasks), each\n"
    "task still its own run.\n"
    "Per-layer weight / activation / KV statistics are stored once per model (--no-stats skips them).\n\n"
    "A run already done with the same key (model fingerprint, config, task and version, limit, seed)\n"
    "is skipped; --resume continues a sweep in an existing database, retrying interrupted and failed\n"
    "runs. --shard i/N runs every N-th point starting at i into its own database; combine the shards\n"
    "with 'quantscope-cli merge'. Ctrl-C stops within about a second and marks the current run\n"
    "interrupted. --dry-run prints the plan. Before starting, configurations that cannot fit a model's\n"
    "shapes (a group size that does not divide a dimension, KV on a model without a KV cache) are\n"
    "listed from config.json alone; their runs fail with that message, the others run.\n"
    "--device cpu|cuda|cuda:N picks where the model runs; --dtype auto|float32|float16|bfloat16 its\n"
    "compute type (auto: float32 on the CPU, the checkpoint's half type on a GPU). Each run records\n"
    "the device and, on a GPU, the dtype.\n"
    "A model whose weights hold NaN or Inf (checked at load; 'quantscope-cli info' lists them) is\n"
    "refused: its scores would be NaN. --allow-nonfinite evaluates it anyway.\n"
    "Configurations with a method (W4-g128-awq, W3-g128-gptq, W8A8-smoothquant) compute it once per\n"
    "model and configuration on calibration text: N sequences (default 8) of L tokens (default 256,\n"
    "capped at the context) drawn with the sweep's seed from --calib FILE, else <data-dir>/calibration.txt,\n"
    "else the data directory's KL text; each run's log records the file's SHA-256, N, L, seed and the\n"
    "seconds the method took. The transform is cached beside the database (OUT.qsdb.transforms/, up to\n"
    "4 GB each; listed in its method_transforms table) and reused by later sweeps of the same model,\n"
    "configuration, calibration and seed, which log 'loaded from the transform cache';\n"
    "--no-transform-cache computes it anew and keeps nothing.\n"
    "--method M1,M2,... makes the method a dimension of the grid: every configuration (from --w/--a/--kv\n"
    "or --configs) with each method, e.g. --w 4,3 --method rtn,awq,gptq gives W4, W4-awq, W4-gptq, W3...\n"
    "Combinations a method cannot serve are left out and named (AWQ and GPTQ need W quantized,\n"
    "SmoothQuant needs A quantized); the FP16 baseline and names that carry a method stay as they are.\n",
    runSweep,
}};

}  // namespace
}  // namespace qs::cli
