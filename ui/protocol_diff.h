#pragma once
// What differs in how runs were measured (their RunRecord::protocol JSON and key fields), for the
// views that put runs side by side: a perplexity window of 512 against 1024, another few-shot
// count, seed, limit, task version or data folder make two numbers incomparable even when the task
// name is the same. No Qt.
#include <map>
#include <string>
#include <vector>

#include "core/store/store_records.h"

namespace qs {

// One line per field whose value is not the same in every run that records it, e.g.
// "perplexity window: 512 (runs 3, 4) vs 1024 (run 7)". Runs stored without a protocol (before
// schema v5) are compared on task version, limit and seed only. Empty when they all agree.
std::vector<std::string> protocolDifferences(const std::vector<const RunRecord*>& runs);

struct ExperimentSnapshot;

// protocolDifferences of the done runs of each task label (taskLabel()) of a snapshot: the runs a
// results-table column puts side by side. Only labels whose runs differ are present.
std::map<std::string, std::vector<std::string>> protocolDifferencesByTask(const ExperimentSnapshot& snapshot);

// The protocol as "field: value" lines for the run details (empty when none was recorded).
std::vector<std::pair<std::string, std::string>> protocolFields(const RunRecord& run);

}  // namespace qs
