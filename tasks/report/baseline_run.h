#pragma once
// The run a quantized run is compared against: the same model's done baseline run (16-bit W, A
// and KV) of the same task, task version, limit and seed, so that the two saw the same items.
#include <optional>

#include "core/store/store_records.h"

namespace qs {

class ExperimentStore;

// nullopt when there is none (or `run` is itself a baseline run).
std::optional<RunRecord> baselineRunFor(const ExperimentStore& store, const RunRecord& run);

}  // namespace qs
