// quantscope-cli eval: run benchmark tasks on a model.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli/cli_support.h"
#include "core/base/cancellation.h"
#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "quant/quant_config.h"
#include "tasks/evaluator.h"
#include "tasks/model_backend.h"
#include "tasks/resource_paths.h"
#include "tasks/run_provenance.h"
#include "tasks/run_recording.h"

namespace qs::cli {
namespace {

CancelToken gCancel;
extern "C" void onInterrupt(int) { gCancel.cancel(); }

BosPolicy bosPolicy(const std::string& s) {
  if (s == "auto") return BosPolicy::Auto;
  if (s == "always") return BosPolicy::Always;
  if (s == "never") return BosPolicy::Never;
  throw UsageError("--bos expects auto, always or never, got '" + s + "'");
}

// The paper's five kinds of task, in its order; a kind outside them (none today) is listed last.
const std::vector<std::pair<std::string, std::string>>& paperKinds() {
  static const std::vector<std::pair<std::string, std::string>> k{
      {"basic", "basic NLP"},
      {"emergent", "emergent abilities"},
      {"trustworthiness", "trustworthiness"},
      {"dialogue", "dialogue"},
      {"long_context", "long context"}};
  return k;
}

int listTaskFiles(const Args& args) {
  auto dir = std::filesystem::path(args.value("tasks-dir", defaultTasksDir().string()));
  const auto tasks = listTasks(dir);
  std::vector<std::pair<std::string, std::string>> kinds = paperKinds();
  for (const auto& t : tasks) {
    bool known = t.kind.empty();
    for (const auto& k : kinds) known = known || k.first == t.kind;
    if (!known) kinds.emplace_back(t.kind, t.kind);
  }
  std::printf("%-28s %-18s %-3s %s\n", "task", "family", "v", "output");
  for (const auto& [kind, title] : kinds) {
    int count = 0;
    for (const auto& t : tasks) count += t.error.empty() && t.kind == kind;
    if (count == 0) continue;
    std::printf("\n%s (kind %s, %d task%s)\n", title.c_str(), kind.c_str(), count, count == 1 ? "" : "s");
    for (const auto& t : tasks)
      if (t.error.empty() && t.kind == kind)
        std::printf("  %-26s %-18s %-3d %s\n", t.name.c_str(), t.family.c_str(), t.version, t.outputType.c_str());
  }
  bool header = false;
  for (const auto& t : tasks) {
    if (t.error.empty()) continue;
    if (!header) std::printf("\nunreadable task files\n");
    header = true;
    std::printf("  %-26s ERROR %s\n", t.file.filename().string().c_str(), t.error.c_str());
  }
  return kOk;
}

void printResults(const EvalResults& r) {
  std::printf("\n%-26s %-22s %-24s %12s %10s %7s\n", "task", "metric", "breakdown", "value", "stderr", "n");
  for (const auto& t : r.tasks) {
    for (const auto& m : t.metrics)
      std::printf("%-26s %-22s %-24s %12.5f %10.5f %7lld %s\n", t.task.c_str(), m.metric.c_str(),
                  m.breakdown.c_str(), m.value, m.stderr, static_cast<long long>(m.n), m.higherIsBetter ? "" : "(lower is better)");
    for (const auto& n : t.notes) std::printf("%-26s note: %s\n", t.task.c_str(), n.c_str());
  }
  const auto& s = r.stats;
  std::printf("\nengine: %lld requests in %.2f s (%.1f requests/s), %lld forward calls, %lld forward tokens "
              "(%lld padded), %lld tokens saved by prefix sharing over %lld shared contexts, %lld generated tokens\n",
              static_cast<long long>(s.requests), s.seconds, s.seconds > 0 ? s.requests / s.seconds : 0.0,
              static_cast<long long>(s.forwardCalls), static_cast<long long>(s.forwardTokens),
              static_cast<long long>(s.paddedTokens), static_cast<long long>(s.prefixTokensSaved),
              static_cast<long long>(s.sharedGroups), static_cast<long long>(s.generatedTokens));
}

int runEval(const std::vector<std::string>& argv) {
  Args args(argv,
            {"tasks", "limit", "data-dir", "tasks-dir", "seed", "json", "device", "dtype", "tokenizer",
             "batch-tokens", "batch-size", "bos", "judge", "judge-tokenizer", "baseline", "save-baseline",
             "kl-text", "kl-tokens", "bootstrap", "quant", "db", "chat-template"},
            {"list", "no-prefix-sharing", "no-kl"});
  if (printHelpIfAsked(args, "eval")) return kOk;
  if (args.has("list")) return listTaskFiles(args);
  if (args.positional().size() != 1) throw UsageError("expected one MODEL folder");
  auto taskList = args.value("tasks");
  if (!taskList) throw UsageError("--tasks a,b,... is required (see --list)");
  const auto tasks = splitList(*taskList);
  if (tasks.empty()) throw UsageError("--tasks names no task");

  EvalOptions o;
  o.tasksDir = args.value("tasks-dir", "");
  o.dataDir = args.value("data-dir", "");
  if (args.has("limit")) {
    long long limit = args.integer("limit", 0);
    if (limit < 1) throw UsageError("--limit must be at least 1");
    o.limit = limit;
  }
  o.seed = static_cast<uint64_t>(args.integer("seed", 1234));
  o.bootstrapIterations = static_cast<int>(args.integer("bootstrap", 1000));
  o.engine.maxBatchTokens = args.integer("batch-tokens", 4096);
  o.engine.maxBatchSize = static_cast<int>(args.integer("batch-size", 64));
  o.engine.sharePrefixes = !args.has("no-prefix-sharing");
  o.engine.bos = bosPolicy(args.value("bos", "auto"));
  o.judgeEngine = o.engine;
  o.klDivergence = !args.has("no-kl");
  o.klText = args.value("kl-text", "");
  o.klMaxTokens = args.integer("kl-tokens", 1024);
  o.chatTemplate = args.value("chat-template", "");

  LoadOptions load;
  load.device = args.value("device", "cpu");
  load.dtype = args.value("dtype", "auto");
  const std::filesystem::path modelDir = args.positional()[0];
  auto lm = ModelBackend::load(modelDir, load, args.value("tokenizer", ""));
  const std::string quantName = QuantConfig::parse(args.value("quant", "FP16")).name();
  auto quantized = applyQuantOption(lm->model(), args);
  std::unique_ptr<ModelBackend> judge;
  if (auto j = args.value("judge")) judge = ModelBackend::load(*j, load, args.value("judge-tokenizer", ""));
  o.judge = judge.get();
  std::optional<Baseline> baseline;
  if (auto b = args.value("baseline")) {
    baseline = Baseline::load(*b);
    o.baseline = &*baseline;
  }

  // --db: one run per task, begun before the evaluation so that a crash leaves them `running`
  // (marked interrupted when the database is next opened) rather than lost.
  std::optional<ExperimentStore> store;
  std::vector<int64_t> runIds;
  if (auto db = args.value("db")) {
    store.emplace(*db);
    const int64_t modelId = recordModel(*store, modelDir, lm->model()).id;
    const auto tasksDir = o.tasksDir.empty() ? defaultTasksDir() : o.tasksDir;
    for (const auto& t : tasks) {
      const TaskConfig tc = findTask(tasksDir, t);
      const int64_t id = store->beginRun(newRunRecord(modelId, lm->model(), quantName, tc, o.limit.value_or(0), o.seed, "", o.dataDir));
      store->appendLog(id, LogLevel::Info, "started by quantscope-cli eval on " + describeDevice(lm->model()));
      runIds.push_back(id);
    }
  }

  std::signal(SIGINT, onInterrupt);
  EvalResults results;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  try {
    results = evaluate(*lm, tasks, o, [&](const EvalProgress& p) {
      std::fprintf(stderr, "\r%-10s %-24s %lld/%lld   ", p.stage.c_str(), p.detail.c_str(),
                   static_cast<long long>(p.done), static_cast<long long>(p.total));
    }, &gCancel);
  } catch (const Cancelled&) {
    std::signal(SIGINT, SIG_DFL);
    std::fprintf(stderr, "\n");
    for (int64_t id : runIds) store->markInterrupted(id, "cancelled by the user");
    throw;
  } catch (const std::exception& e) {
    std::signal(SIGINT, SIG_DFL);
    std::fprintf(stderr, "\n");  // end the progress line before the error is printed
    for (int64_t id : runIds) store->failRun(id, e.what(), elapsed());
    throw;
  }
  std::signal(SIGINT, SIG_DFL);
  std::fprintf(stderr, "\n");
  std::printf("model: %s (%s)\n", results.model.c_str(), quantName.c_str());
  printResults(results);

  if (store) {
    auto metrics = runMetricRecords(results, tasks);
    for (size_t i = 0; i < tasks.size(); ++i) {
      logTaskNotes(*store, runIds[i], results, tasks[i]);
      RunResults out;
      out.metrics = std::move(metrics[i]);
      out.items = runItems(results, tasks[i]);
      out.wallSeconds = elapsed();
      out.tokensProcessed = results.stats.forwardTokens + results.stats.generatedTokens;
      store->finishRun(runIds[i], out);
    }
    std::printf("%zu run(s) stored in %s\n", runIds.size(), args.value("db")->c_str());
  }

  if (auto save = args.value("save-baseline")) {
    Baseline::fromResults(results).save(*save);
    std::printf("baseline saved to %s (KL logits and generations)\n", save->c_str());
  }
  if (auto out = args.value("json")) {
    std::ofstream f(*out);
    if (!f) throw Error("cannot write " + *out);
    f << results.toJson().dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    std::printf("results written to %s\n", out->c_str());
  }
  return kOk;
}

const CommandRegistrar kRegister{{
    "eval",
    "run benchmark tasks (accuracy, perplexity, generation) on a model",
    "usage: quantscope-cli eval MODEL --tasks a,b,... [--limit N] [--data-dir D] [--tasks-dir D]\n"
    "                             [--seed S] [--json OUT] [--device D] [--dtype T] [--tokenizer DIR]\n"
    "                             [--batch-tokens N] [--batch-size N] [--no-prefix-sharing]\n"
    "                             [--bos auto|always|never] [--judge MODEL] [--baseline DIR]\n"
    "                             [--save-baseline DIR] [--kl-text FILE] [--kl-tokens N] [--no-kl]\n"
    "                             [--quant CONFIG] [--db OUT.qsdb] [--chat-template NAME]\n"
    "       quantscope-cli eval --list [--tasks-dir D]\n\n"
    "Runs the named tasks (task files in --tasks-dir, default the bundled resources/tasks) on data in\n"
    "--data-dir (default the bundled samples in resources/data; point it at the real benchmark files).\n"
    "All requests of all tasks are batched together, longest first, within --batch-tokens padded\n"
    "tokens per forward pass; multiple-choice questions run their shared context once.\n"
    "--limit N evaluates a seeded subsample of N items per task (--seed). Each metric is printed with\n"
    "its standard error and the number of items; --json writes everything (with generations).\n\n"
    "--quant CONFIG evaluates the model fake-quantized (a canonical name such as W4A8KV4-g128 or a\n"
    "preset: W8 W4 W3 W2 W8A8 W4A8 W4A4 KV8 KV4 KV3 KV2). --db OUT.qsdb stores one run per task in an\n"
    "experiment database (created if missing), as the sweep command does; a task that fails or is\n"
    "interrupted is recorded so.\n\n"
    "Baselines: --save-baseline DIR stores this run's logits on the KL text (--kl-text, default\n"
    "resources/data/kl/kl_text.txt, first --kl-tokens tokens) and its generations. A later run with\n"
    "--baseline DIR (e.g. a quantized model) reports KL divergence and same-top-token rate against\n"
    "them, and for MT-Bench the agreement of its answers with the baseline's. --judge MODEL scores\n"
    "MT-Bench answers with a local judge model and the MT-Bench judge prompt.\n\n"
    "Chat tasks (MT-Bench) format their turns with the model's conversation template, recognised\n"
    "from its folder name, config.json and tokenizer_config.json as FastChat does (Vicuna and LongChat:\n"
    "vicuna_v1.1); --chat-template NAME sets it (vicuna_v1.1, llama-2, mistral, chatglm3, gemma, falcon,\n"
    "zephyr, chatml, plain, raw). The template used is printed as a note and stored in the run's log.\n",
    runEval,
}};

}  // namespace
}  // namespace qs::cli
