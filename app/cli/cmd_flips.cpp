// quantscope-cli flips: a run against its model's FP16 baseline, item by item.
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/cli/command.h"
#include "app/cli/store_cli.h"
#include "tasks/report/baseline_run.h"
#include "tasks/report/item_export.h"
#include "tasks/report/paired_comparison.h"

namespace qs::cli {
namespace {

constexpr const char* kHelp = R"help(usage: quantscope-cli flips DB RUN [--baseline RUN] [--show N] [--jsonl FILE]

Compares run RUN of DB with a reference run item by item: the items that flip from correct to
wrong (lost) and from wrong to correct (gained), and McNemar's test of the paired difference,
exact (two-sided binomial on the discordant pairs; the p-value reported) and chi-square with
continuity correction. For tasks whose items are not right / wrong (perplexity windows), the mean
paired difference of the item scores with its standard error and a paired t-test.

The reference is the same model's FP16 run (16-bit W, A and KV) of the same task, task version,
limit and seed, unless --baseline names another run. Both runs need per-item results (stored by
QuantScope since schema version 5).

options:
  --baseline RUN   the reference run's id
  --show N         list at most N flipped items of each direction (default 10; 0 = none)
  --jsonl FILE     write every flipped pair as JSON Lines ({"direction", "reference", "other"})
  -h, --help       this text

exit status: 0, also when the difference is significant; 3 when a run is missing or has no items.

example:
  quantscope-cli flips sweep.qsdb 12
)help";

int64_t runId(const std::string& text, const char* what) {
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size())
    throw UsageError(std::string(what) + " must be a run id (a number), got '" + text + "'");
  return id;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string describe(const ItemRecord& it) {
  std::string s = it.score ? (*it.score == 1.0 ? "right" : "wrong") : "-";
  if (it.chosen) s += ", chose " + std::to_string(*it.chosen);
  if (!it.outputs.empty()) {
    std::string o = it.outputs.front().substr(0, 50);
    for (char& c : o)
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    s += ", \"" + o + (it.outputs.front().size() > 50 ? "...\"" : "\"");
  }
  return s;
}

int runFlips(const std::vector<std::string>& argv) {
  return guarded("flips", [&] {
    Args args(argv, {"baseline", "show", "jsonl"}, {});
    if (args.helpRequested()) {
      std::cout << kHelp;
      return int(kOk);
    }
    if (args.positional().size() != 2) throw UsageError("expected a database file and a run id");
    const int64_t id = runId(args.positional()[1], "RUN");
    const long long show = args.integer("show", 10);
    if (show < 0) throw UsageError("--show must be 0 or more");
    auto store = openStore(args.positional()[0], ExperimentStore::Mode::ReadOnly);
    auto run = store.run(id);
    if (!run) throw BadInput(store.file().string() + ": no run with id " + std::to_string(id));
    std::optional<RunRecord> ref;
    if (auto b = args.value("baseline")) {
      ref = store.run(runId(*b, "--baseline"));
      if (!ref) throw BadInput(store.file().string() + ": no run with id " + *b);
    } else {
      ref = baselineRunFor(store, *run);
      if (!ref)
        throw BadInput(store.file().string() + ": run " + std::to_string(id) + " (" + run->quantName + ", " + run->task +
                       ") has no done FP16 run of the same model, task, version, limit and seed; name one with --baseline");
    }
    auto refItems = store.items(ref->id), items = store.items(id);
    for (const auto& [r, n] : {std::pair{*ref, refItems.size()}, std::pair{*run, items.size()}})
      if (n == 0)
        throw BadInput(store.file().string() + ": run " + std::to_string(r.id) +
                       " has no per-item results (stored before schema version 5, or not done)");
    PairedComparison c = compareItems(refItems, items);
    std::cout << "run " << id << " (" << run->quantName << ") against run " << ref->id << " (" << ref->quantName
              << "), task " << run->task << "\n";
    std::cout << "  paired items: " << c.paired;
    if (c.unmatched) std::cout << " (" << c.unmatched << " in only one run)";
    std::cout << "\n  mean score: " << fmt("%.4f", c.referenceMean) << " -> " << fmt("%.4f", c.otherMean) << "\n";
    if (!c.binary) {
      std::cout << "  items are not right / wrong: mean paired difference " << fmt("%+.6g", c.meanDifference)
                << " +- " << fmt("%.3g", c.meanDifferenceStderr) << " (standard error), paired t-test p = "
                << fmt("%.4g", c.pairedTP) << "\n";
      return int(kOk);
    }
    std::cout << "  both right " << c.bothCorrect << ", both wrong " << c.bothWrong << ", lost (right -> wrong) "
              << c.test.lost << ", gained (wrong -> right) " << c.test.gained << "\n";
    std::cout << "  McNemar: exact p = " << fmt("%.4g", c.test.pExact) << ", chi-square " << fmt("%.4g", c.test.chiSquare)
              << " (p = " << fmt("%.4g", c.test.pChiSquare) << ") -> "
              << (c.test.pExact < 0.05 ? "significant at p < 0.05" : "not significant at p < 0.05 (could be noise)")
              << "\n";
    long long lostShown = 0, gainedShown = 0;
    for (const auto& p : c.flips) {
      const bool lost = *p.reference.score == 1.0;
      long long& shown = lost ? lostShown : gainedShown;
      if (shown++ >= show) continue;
      std::cout << "  " << (lost ? "lost  " : "gained") << " doc " << p.other.docIndex
                << (p.other.docId.empty() ? "" : " (" + p.other.docId + ")") << ": reference " << describe(p.reference)
                << "; this run " << describe(p.other) << "\n";
    }
    if (auto file = args.value("jsonl")) {
      std::ofstream out(*file);
      if (!out) throw Error("cannot write " + *file);
      for (const auto& p : c.flips) {
        nlohmann::json j{{"direction", *p.reference.score == 1.0 ? "lost" : "gained"},
                         {"reference", itemJson(p.reference)},
                         {"other", itemJson(p.other)}};
        out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      }
      if (!out.flush()) throw Error("writing " + *file + " failed");
      std::cout << c.flips.size() << " flipped pair(s) written to " << *file << "\n";
    }
    return int(kOk);
  });
}

const CommandRegistrar kRegistrar({"flips", "items a run gets wrong (or right) against FP16, with McNemar's test", kHelp,
                                   runFlips});

}  // namespace
}  // namespace qs::cli
