// quantscope-cli runs: the runs of an experiment database as a table.
#include <cstdio>
#include <iostream>

#include "app/cli/command.h"
#include "app/cli/store_cli.h"
#include "tasks/report/result_points.h"

namespace qs::cli {
namespace {

constexpr const char* kHelp = R"help(usage: quantscope-cli runs DB [--status S] [--task T] [--model M] [--quant Q]

Lists the runs of the experiment database DB (opened read-only), one line each: id, status,
model, quant config, task, example limit, seed, wall time, shard.

options:
  --status S   only runs with status S: queued, running, done, failed, interrupted
  --task T     only runs of task T
  --model M    only runs of model M: its id, folder name, path or fingerprint prefix
  --quant Q    only runs of quant config Q (e.g. W4A16KV16-g128)
  -h, --help   this text

example:
  quantscope-cli runs sweep.qsdb --status failed
)help";

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", s);
  return buf;
}

int runRuns(const std::vector<std::string>& argv) {
  return guarded("runs", [&] {
    Args args(argv, {"status", "task", "model", "quant"}, {});
    if (args.helpRequested()) {
      std::cout << kHelp;
      return int(kOk);
    }
    if (args.positional().size() != 1) throw UsageError("expected one database file, got " +
                                                       std::to_string(args.positional().size()) + " arguments");
    RunFilter filter;
    filter.task = args.value("task", "");
    filter.quantName = args.value("quant", "");
    if (auto s = args.value("status")) {
      filter.status = runStatusFromName(*s);
      if (!filter.status)
        throw UsageError("unknown status '" + *s + "' (queued, running, done, failed, interrupted)");
    }
    auto store = openStore(args.positional()[0], ExperimentStore::Mode::ReadOnly);
    std::vector<int64_t> modelIds = {0};
    if (auto m = args.value("model")) modelIds = matchModels(store, *m);

    auto labels = modelLabels(store.models());
    std::vector<std::vector<std::string>> rows;
    for (int64_t modelId : modelIds) {
      if (modelId) filter.modelId = modelId;
      for (const auto& r : store.listRuns(filter)) {
        rows.push_back({std::to_string(r.id), std::string(runStatusName(r.status)), labels[r.modelId], r.quantName,
                        r.task + " v" + r.taskVersion, r.limit ? std::to_string(r.limit) : "all",
                        std::to_string(r.seed), r.startedAt.empty() ? "-" : seconds(r.wallSeconds),
                        r.shard.empty() ? "-" : r.shard});
      }
    }
    std::cout << textTable({"ID", "STATUS", "MODEL", "QUANT", "TASK", "LIMIT", "SEED", "WALL_S", "SHARD"}, rows);
    return int(kOk);
  });
}

const CommandRegistrar kRegistrar({"runs", "list the runs of an experiment database", kHelp, runRuns});

}  // namespace
}  // namespace qs::cli
