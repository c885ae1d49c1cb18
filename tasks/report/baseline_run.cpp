#include "tasks/report/baseline_run.h"

#include "core/store/experiment_store.h"
#include "tasks/report/results_table.h"

namespace qs {

std::optional<RunRecord> baselineRunFor(const ExperimentStore& store, const RunRecord& run) {
  if (isBaselineQuant(run.quantName)) return std::nullopt;
  RunFilter f;
  f.modelId = run.modelId;
  f.task = run.task;
  f.status = RunStatus::Done;
  std::optional<RunRecord> found;
  for (auto& r : store.listRuns(f))  // ordered by id: the newest matching run wins
    if (isBaselineQuant(r.quantName) && r.taskVersion == run.taskVersion && r.limit == run.limit && r.seed == run.seed)
      found = std::move(r);
  return found;
}

}  // namespace qs
