// quantscope-cli recommend: the cheapest configurations within a loss budget of FP16.
#include <iostream>

#include "app/cli/command.h"
#include "app/cli/store_cli.h"
#include "tasks/report/recommendation.h"

namespace qs::cli {
namespace {

constexpr const char* kHelp = R"help(usage: quantscope-cli recommend DB [--budget 2%] [--tasks LIST] [--alpha 0.05]

For each model and task kind in DB (and all kinds together), lists the quantization
configurations by memory cost (bits per weight including scales and zero points) with their loss
against the model's FP16 run (16-bit W, A and KV) on each task's headline metric (acc, acc_norm,
exact_match, word_perplexity, ...):
  loss % = 100 * (b - q) / |b| when higher is better, 100 * (q - b) / |b| when lower is better
A configuration is acceptable for a task when its loss is at most the budget, and overall when its
mean loss over the group's tasks is; it then names the cheapest acceptable weight-only (W-only),
weight + activation (W+A), KV-cache (KV) and overall (combined) configuration. A loss marked * is
more than noise: McNemar's exact test on the paired items (a paired test on item scores, or a
z-test on the stored standard errors, when there are no right / wrong items), p < alpha. It says
so when nothing meets the budget, a task has no FP16 run, or a requested task was not run.

options:
  --budget P    loss budget in percent of FP16 (default 2; "2%" is accepted)
  --tasks LIST  only these tasks, comma-separated (default: every task in DB)
  --alpha A     significance level (default 0.05)
  -h, --help    this text

example:
  quantscope-cli recommend sweep.qsdb --budget 1% --tasks arc_easy,lambada_openai
)help";

int runRecommend(const std::vector<std::string>& argv) {
  return guarded("recommend", [&] {
    Args args(argv, {"budget", "tasks", "alpha"}, {});
    if (args.helpRequested()) {
      std::cout << kHelp;
      return int(kOk);
    }
    if (args.positional().size() != 1) throw UsageError("expected one database file");
    RecommendOptions o;
    if (auto b = args.value("budget")) {
      std::string text = *b;
      if (!text.empty() && text.back() == '%') text.pop_back();
      try {
        size_t used = 0;
        o.budgetPercent = std::stod(text, &used);
        if (used != text.size()) throw std::invalid_argument(text);
      } catch (const std::exception&) {
        throw UsageError("--budget must be a percentage such as 2 or 2%, got '" + *b + "'");
      }
      if (!(o.budgetPercent >= 0)) throw UsageError("--budget must not be negative");
    }
    o.alpha = args.number("alpha", 0.05);
    if (!(o.alpha > 0 && o.alpha < 1)) throw UsageError("--alpha must be between 0 and 1");
    o.tasks = splitList(args.value("tasks", ""));
    auto store = openStore(args.positional()[0], ExperimentStore::Mode::ReadOnly);
    std::cout << formatRecommendations(recommend(store, o), o);
    return int(kOk);
  });
}

const CommandRegistrar kRegistrar({"recommend", "cheapest configurations within a loss budget of FP16", kHelp,
                                   runRecommend});

}  // namespace
}  // namespace qs::cli
