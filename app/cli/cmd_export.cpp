// quantscope-cli export: the results table of an experiment database for papers and scripts.
#include <fstream>
#include <iostream>

#include "app/cli/command.h"
#include "app/cli/store_cli.h"
#include "tasks/report/result_points.h"
#include "tasks/report/results_table.h"

namespace qs::cli {
namespace {

constexpr const char* kHelp = R"help(usage: quantscope-cli export DB --format csv|json|latex|markdown [options]

Writes the results of the done runs in DB as a table: one row per quant config (the unquantized
baseline first, then by weight, activation and KV bits, highest first), one column per
task/metric, rows grouped by model. Runs limited to N examples appear as "<task> (limit N)".

options:
  --format F     csv, json, latex (booktabs tabular) or markdown (required)
  --relative     values relative to the same model's baseline, in percent, signed so that
                 negative is worse: 100*(q-b)/|b| when higher is better, 100*(b-q)/|b| when
                 lower is better; the baseline row keeps its absolute values
  --stderr       add standard errors (relative mode: 100*se(q)/|b|)
  --metric LIST  only these metrics, comma-separated names ("acc") or columns ("lambada/acc")
  --tasks LIST   only these tasks' columns, comma-separated ("lambada_openai (limit 40)" for
                 limited runs, as the column shows them)
  --configs LIST only these configuration rows (the baseline still serves relative values)
  --bold-best    mark each column's best quantized value per model (LaTeX \textbf, Markdown **)
  --caption TEXT LaTeX: wrap the tabular in a table float with this caption
  --label KEY    LaTeX: \label{KEY} in the float (implies the float)
  --baseline Q   the baseline config (default: the config with 16-bit W, A and KV, or FP16)
  --decimals N   decimals of absolute values (default 4; relative values get 2)
  --out FILE     write to FILE instead of standard output
  -h, --help     this text

examples:
  quantscope-cli export sweep.qsdb --format latex --relative --out table.tex
  quantscope-cli export sweep.qsdb --format csv --metric acc,word_perplexity --stderr
  quantscope-cli export sweep.qsdb --format latex --relative --tasks arc_easy,lambada_openai \
      --metric acc --bold-best --caption "Accuracy change vs FP16" --label tab:acc
)help";

void writeOutput(const std::string& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw Error(file + ": cannot write the table");
}

int runExport(const std::vector<std::string>& argv) {
  return guarded("export", [&] {
    Args args(argv, {"format", "metric", "baseline", "decimals", "out", "tasks", "configs", "caption", "label"},
              {"relative", "stderr", "bold-best"});
    if (args.helpRequested()) {
      std::cout << kHelp;
      return int(kOk);
    }
    if (args.positional().size() != 1) throw UsageError("expected one database file");
    auto formatName = args.value("format");
    if (!formatName) throw UsageError("--format is required (csv, json, latex or markdown)");
    auto format = tableFormatFromName(*formatName);
    if (!format) throw UsageError("unknown format '" + *formatName + "' (csv, json, latex or markdown)");
    TableOptions options;
    options.relative = args.has("relative");
    options.withStdError = args.has("stderr");
    options.metrics = splitList(args.value("metric", ""));
    options.baseline = args.value("baseline", "");
    options.tasks = splitList(args.value("tasks", ""));
    options.quants = splitList(args.value("configs", ""));
    options.boldBest = args.has("bold-best");
    options.caption = args.value("caption", "");
    options.label = args.value("label", "");
    options.decimals = static_cast<int>(args.integer("decimals", 4));
    if (options.decimals < 0 || options.decimals > 12) throw UsageError("--decimals must be between 0 and 12");

    auto store = openStore(args.positional()[0], ExperimentStore::Mode::ReadOnly);
    auto table = buildResultsTable(collectResultPoints(store), options);
    for (const auto& w : table.warnings) printError("export", "warning: " + w);
    if (table.rows.empty()) printError("export", "warning: no done run matches; the table is empty");
    std::string text = renderTable(table, *format);
    if (auto out = args.value("out")) {
      writeOutput(*out, text);
    } else {
      std::cout << text;
    }
    return int(kOk);
  });
}

const CommandRegistrar kRegistrar({"export", "export the results table (CSV, JSON, LaTeX, Markdown)", kHelp,
                                   runExport});

}  // namespace
}  // namespace qs::cli
