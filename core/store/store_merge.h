#pragma once
// Combining the databases of a sharded sweep (`quantscope-cli merge`).
#include <filesystem>
#include <vector>

namespace qs {

struct MergeReport {
  int modelsAdded = 0;
  int runsAdded = 0;
  int runsReplaced = 0;          // out held the key less complete (e.g. interrupted), an input had it done
  int runsDuplicate = 0;         // the key was already there at least as complete: kept once
  int64_t layerStatRows = 0;  // rows copied
  int64_t channelProfileRows = 0;
  int64_t analysisRows = 0;  // sensitivity and quantization-error rows copied
  int64_t logLines = 0;
};

// Merges inputs into out (created when missing, else added to). Models are matched by
// fingerprint, runs by run key; of two runs with one key the more complete is kept (done >
// failed > interrupted > running > queued; on a tie the one already in out, then the earlier
// input), with its metrics and logs. Statistics and channel profiles are copied, their model and
// run ids remapped; a statistics set (model, quant, calibration) already in out is kept likewise. Every input is opened read-only and checked before out is touched, and all
// writes are one transaction: on error out is unchanged (or not created). Throws qs::Error.
MergeReport mergeDatabases(const std::filesystem::path& out, const std::vector<std::filesystem::path>& inputs);

}  // namespace qs
