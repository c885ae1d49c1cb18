#pragma once
// The bridge from the experiment store to the results table: done runs' metrics as ResultPoints.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tasks/report/results_table.h"
#include "core/store/store_records.h"

namespace qs {

class ExperimentStore;

// Short display names of models: the folder name, with the fingerprint's first 8 hex digits
// appended when two models share one; the family when the path is empty. Keyed by model id.
std::map<int64_t, std::string> modelLabels(const std::vector<ModelRecord>& models);

// One point per metric of every done run matching filter. The model label is the model folder's
// name (its fingerprint's first 8 hex digits are appended when two models share a name); a run
// limited to N examples reports its task as "<task> (limit N)" so it never mixes with full runs.
std::vector<ResultPoint> collectResultPoints(const ExperimentStore& store, RunFilter filter = {});

}  // namespace qs
