#include "core/store/store_merge.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/base/error.h"
#include "core/store/experiment_store.h"

namespace qs {
namespace fs = std::filesystem;

namespace {

int completeness(RunStatus status) {
  switch (status) {
    case RunStatus::Done: return 4;
    case RunStatus::Failed: return 3;
    case RunStatus::Interrupted: return 2;
    case RunStatus::Running: return 1;
    case RunStatus::Queued: return 0;
  }
  return 0;
}

class Merger {
 public:
  Merger(ExperimentStore& out, MergeReport& report) : out_(out), report_(report) {}

  void add(const ExperimentStore& in) {
    modelIds_.clear();
    runIds_.clear();
    for (const auto& m : in.models()) modelIds_[m.id] = mapModel(m);
    for (const auto& r : in.listRuns()) runIds_[r.id] = mapRun(in, r);
    copyStats(in);
    copyAnalyses(in);
  }

 private:
  int64_t mapModel(const ModelRecord& m) {
    if (auto existing = out_.modelByFingerprint(m.fingerprint)) return existing->id;
    ++report_.modelsAdded;
    return out_.upsertModel(m);
  }

  int64_t mapRun(const ExperimentStore& in, const RunRecord& r) {
    RunRecord copy = r;
    copy.modelId = modelIds_.at(r.modelId);
    auto existing = out_.findRun(out_.runKey(copy));
    if (existing && completeness(out_.run(*existing)->status) >= completeness(r.status)) {
      ++report_.runsDuplicate;
      return *existing;
    }
    if (existing) {
      out_.deleteRun(*existing);
      ++report_.runsReplaced;
    } else {
      ++report_.runsAdded;
    }
    auto logs = in.logs(r.id);
    report_.logLines += static_cast<int64_t>(logs.size());
    return out_.importRun(copy, in.metrics(r.id), logs, in.items(r.id));
  }

  // A statistics set (model, quant, calibration) already in out is kept, as runs are.
  void copyStats(const ExperimentStore& in) {
    auto present = out_.statsKeys();
    auto stats = remapNew(in.layerStats({}), present);
    auto profiles = remapNew(in.channelProfiles({}), present);
    out_.putStats(stats, profiles);
    report_.layerStatRows += static_cast<int64_t>(stats.size());
    report_.channelProfileRows += static_cast<int64_t>(profiles.size());
  }

  // Sensitivity and quantization-error rows whose (model, config, calibration) out lacks.
  void copyAnalyses(const ExperimentStore& in) {
    using Key = std::tuple<int64_t, std::string, std::string>;
    auto newRows = [&](auto rows, const auto& present) {
      std::set<Key> have;
      for (const auto& p : present) have.insert(Key{p.modelId, p.quantName, p.calibration});
      decltype(rows) out;
      for (auto& r : rows) {
        r.modelId = modelIds_.at(r.modelId);
        if (!have.count(Key{r.modelId, r.quantName, r.calibration})) out.push_back(std::move(r));
      }
      return out;
    };
    auto sens = newRows(in.sensitivity(), out_.sensitivity());
    auto errs = newRows(in.quantErrors(), out_.quantErrors());
    out_.putSensitivity(sens);
    out_.putQuantErrors(errs);
    report_.analysisRows += static_cast<int64_t>(sens.size() + errs.size());
  }

  template <typename Record>
  std::vector<Record> remapNew(std::vector<Record> records, const std::vector<StatsKey>& present) {
    std::vector<Record> out;
    for (auto& r : records) {
      r.key.modelId = modelIds_.at(r.key.modelId);
      if (r.runId) r.runId = runIds_.at(*r.runId);
      if (std::find(present.begin(), present.end(), r.key) == present.end()) out.push_back(std::move(r));
    }
    return out;
  }

  ExperimentStore& out_;
  MergeReport& report_;
  std::map<int64_t, int64_t> modelIds_;  // input id -> out id
  std::map<int64_t, int64_t> runIds_;
};

void removeDatabaseFiles(const fs::path& file) {
  std::error_code ec;  // best effort: the merge error is what the caller reports
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(fs::path(file.string() + suffix), ec);
}

}  // namespace

MergeReport mergeDatabases(const fs::path& out, const std::vector<fs::path>& inputs) {
  if (inputs.empty()) throw Error("merge: no input databases given");
  std::error_code ec;
  for (const auto& in : inputs)
    if (fs::exists(out) && fs::equivalent(out, in, ec))
      throw Error("merge: the output " + out.string() + " is also an input");

  std::vector<ExperimentStore> sources;
  for (const auto& in : inputs) sources.emplace_back(in, ExperimentStore::Mode::ReadOnly);

  const bool created = !fs::exists(out);
  MergeReport report;
  try {
    ExperimentStore target(out);
    Merger merger(target, report);
    target.transaction([&] {
      for (const auto& source : sources) merger.add(source);
    });
  } catch (const Error&) {
    if (created) removeDatabaseFiles(out);
    throw;
  }
  return report;
}

}  // namespace qs
