#pragma once
// The bridge from the experiment store to the results table: done runs' metrics as ResultPoints.
#include <vector>

#include "core/results_table.h"
#include "core/store_records.h"

namespace qs {

class ExperimentStore;

// One point per metric of every done run matching filter. The model label is the model folder's
// name (its fingerprint's first 8 hex digits are appended when two models share a name); a run
// limited to N examples reports its task as "<task> (limit N)" so it never mixes with full runs.
std::vector<ResultPoint> collectResultPoints(const ExperimentStore& store, RunFilter filter = {});

}  // namespace qs
