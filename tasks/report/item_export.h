#pragma once
// Per-item results as JSON Lines (lm-evaluation-harness's --log_samples, from the database): one
// object per item with the run's id, task and config, so files of several runs can be concatenated.
#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/store/store_records.h"

namespace qs {

// {"item", "doc_index", "doc_id", "score", "chosen", "gold", "loglikelihoods", "greedy", "tokens",
//  "outputs", "metrics"}; absent optional fields are omitted.
nlohmann::json itemJson(const ItemRecord& item);

// One line per item: itemJson plus "run", "task", "quant".
void writeItemsJsonl(std::ostream& out, const RunRecord& run, const std::vector<ItemRecord>& items);

}  // namespace qs
