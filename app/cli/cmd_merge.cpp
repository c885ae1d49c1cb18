// quantscope-cli merge: combine the databases of a sharded sweep.
#include <iostream>

#include "app/cli/command.h"
#include "app/cli/store_cli.h"
#include "core/store/store_merge.h"

namespace qs::cli {
namespace {

constexpr const char* kHelp = R"help(usage: quantscope-cli merge OUT.qsdb IN1.qsdb [IN2.qsdb ...]

Merges experiment databases (e.g. the shards of 'sweep --shard i/N') into OUT, creating it when
missing or adding to it. Models are matched by fingerprint and runs by their key (model, quant
config, task and version, limit, seed); a run present twice is kept once, the more complete one
(done > failed > interrupted > running > queued; on a tie the one already in OUT or from the
earlier input), with its metrics, statistics and log. The inputs are only read. All of the merge
is one transaction: on an error OUT keeps its contents (a new OUT is removed).

options:
  -h, --help   this text

example:
  quantscope-cli merge sweep.qsdb shard-0.qsdb shard-1.qsdb shard-2.qsdb
)help";

int runMerge(const std::vector<std::string>& argv) {
  return guarded("merge", [&] {
    Args args(argv, {}, {});
    if (args.helpRequested()) {
      std::cout << kHelp;
      return int(kOk);
    }
    const auto& pos = args.positional();
    if (pos.size() < 2) throw UsageError("expected an output database and at least one input database");
    std::vector<std::filesystem::path> inputs(pos.begin() + 1, pos.end());
    for (const auto& in : inputs) openStore(in, ExperimentStore::Mode::ReadOnly);  // bad input: exit kBadInput
    auto report = mergeDatabases(pos[0], inputs);
    std::cout << "merged " << inputs.size() << " database(s) into " << pos[0] << ": " << report.runsAdded
              << " runs added, " << report.runsReplaced << " replaced, " << report.runsDuplicate
              << " duplicates kept once; " << report.modelsAdded << " models added; " << report.layerStatRows
              << " statistics rows, " << report.channelProfileRows << " channel profiles, " << report.analysisRows
              << " sensitivity / error rows, " << report.logLines << " log lines copied\n";
    return int(kOk);
  });
}

const CommandRegistrar kRegistrar({"merge", "merge experiment databases (sweep shards)", kHelp, runMerge});

}  // namespace
}  // namespace qs::cli
