#include "tasks/layer_statistics.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "core/model/model.h"
#include "quant/calibration_capture.h"
#include "quant/quant_config.h"
#include "tasks/lm_backend.h"
#include "tasks/resource_paths.h"

namespace qs {

std::filesystem::path calibrationFile(const CalibrationSpec& spec, const std::filesystem::path& dataDir) {
  if (!spec.text.empty()) return spec.text;
  const auto dir = dataDir.empty() ? defaultDataDir() : dataDir;
  // Without a calibration text of its own, a data directory's KL text serves.
  if (std::filesystem::exists(dir / "calibration.txt")) return dir / "calibration.txt";
  return dir / "kl" / "kl_text.txt";
}

namespace {

void appendRecords(const TensorStatsTable& table, const StatsKey& key, std::vector<LayerStatRecord>& stats,
                   std::vector<ChannelProfileRecord>& profiles) {
  for (const auto& [k, s] : table) {
    LayerStatRecord r;
    r.key = key;
    r.layer = k.layer;
    r.role = std::string(roleName(k.role));
    r.kind = std::string(kindName(k.kind));
    r.expert = k.expert;
    r.count = s.count();
    r.mean = s.mean();
    r.std = s.std();
    r.absmax = s.absmax();
    r.kurtosis = s.kurtosis();
    r.outlierRatio = s.outlierRatio();
    stats.push_back(r);
    if (!s.channelAbsmax().empty()) {
      ChannelProfileRecord p;
      p.key = key;
      p.layer = k.layer;
      p.role = r.role;
      p.kind = r.kind;
      p.expert = k.expert;
      p.absmax = s.channelAbsmax();
      profiles.push_back(std::move(p));
    }
  }
}

// ", 96 of them of experts 0..7" for a mixture-of-experts model, "" otherwise: the log line says
// that the experts of one layer and role were stored as rows of their own.
std::string expertSummary(const std::vector<LayerStatRecord>& stats) {
  int64_t rows = 0;
  int lowest = std::numeric_limits<int>::max(), highest = -1;
  for (const auto& s : stats) {
    if (s.expert < 0) continue;
    ++rows;
    lowest = std::min(lowest, s.expert);
    highest = std::max(highest, s.expert);
  }
  if (rows == 0) return "";
  return ", " + std::to_string(rows) + " of them of experts " + std::to_string(lowest) + ".." +
         std::to_string(highest);
}

}  // namespace

CalibrationWindows calibrationWindows(LmBackend& lm, const std::filesystem::path& dataDir,
                                      const CalibrationSpec& spec) {
  const auto file = calibrationFile(spec, dataDir);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open the calibration text");
  std::ostringstream text;
  text << in.rdbuf();
  const auto ids = lm.encode(text.str());
  const int64_t L = std::min<int64_t>(spec.length, lm.maxLength());
  const int64_t n = std::min<int64_t>(spec.sequences, static_cast<int64_t>(ids.size()) / L);
  if (n == 0)
    throw Error(file.string() + ": " + std::to_string(ids.size()) + " tokens, too short for one calibration "
                "sequence of " + std::to_string(L) + " tokens");
  std::vector<int64_t> windows(ids.begin(), ids.begin() + n * L);
  return {at::tensor(windows, at::kLong).view({n, L}),
          file.filename().string() + " n=" + std::to_string(n) + " L=" + std::to_string(L)};
}

GatheredStatistics gatherStatistics(Model& model, const CalibrationWindows& windows, const CancelToken& cancel) {
  GatheredStatistics out;
  out.weights = collectWeightStats(model);
  auto collector = std::make_shared<StatsCollector>();
  feedCalibration(model, windows.ids, collector, &cancel);
  out.activations = collector->table();
  out.calibration = windows.description;
  return out;
}

GatheredStatistics gatherStatistics(Model& model, LmBackend& lm, const std::filesystem::path& dataDir,
                                    const CalibrationSpec& spec, const CancelToken& cancel) {
  return gatherStatistics(model, calibrationWindows(lm, dataDir, spec), cancel);
}

size_t storeStatistics(ExperimentStore& store, int64_t modelId, const std::string& quantName,
                       const GatheredStatistics& statistics) {
  std::vector<LayerStatRecord> stats;
  std::vector<ChannelProfileRecord> profiles;
  appendRecords(statistics.weights, StatsKey{modelId, quantName, ""}, stats, profiles);
  appendRecords(statistics.activations, StatsKey{modelId, quantName, statistics.calibration}, stats, profiles);
  store.putStats(stats, profiles);
  return stats.size();
}

bool storeLayerStatistics(ExperimentStore& store, int64_t modelId, Model& model, LmBackend& lm,
                          const std::filesystem::path& dataDir, const CancelToken& cancel,
                          const std::function<void(const std::string&, const std::string&)>& log,
                          const CalibrationSpec& spec) {
  const std::string baseline = QuantConfig::parse("FP16").name();
  StatsQuery q;
  q.modelId = modelId;
  q.quantName = baseline;
  if (!store.layerStats(q).empty()) return false;

  const auto gathered = gatherStatistics(model, lm, dataDir, spec, cancel);
  std::vector<LayerStatRecord> stats;
  std::vector<ChannelProfileRecord> profiles;
  appendRecords(gathered.weights, StatsKey{modelId, baseline, ""}, stats, profiles);
  appendRecords(gathered.activations, StatsKey{modelId, baseline, gathered.calibration}, stats, profiles);
  store.putStats(stats, profiles);
  if (log)
    log("info", "stored " + std::to_string(stats.size()) + " tensor statistics (" + gathered.calibration + ")" +
                    expertSummary(stats));
  return true;
}

}  // namespace qs
