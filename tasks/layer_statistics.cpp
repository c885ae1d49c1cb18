#include "tasks/layer_statistics.h"

#include <ATen/ATen.h>

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/experiment_store.h"
#include "core/model.h"
#include "quant/quant_config.h"
#include "quant/tensor_stats.h"
#include "tasks/lm_backend.h"
#include "tasks/resource_paths.h"

namespace qs {
namespace {

std::filesystem::path calibrationFile(const CalibrationSpec& spec, const std::filesystem::path& dataDir) {
  if (!spec.text.empty()) return spec.text;
  const auto dir = dataDir.empty() ? defaultDataDir() : dataDir;
  return dir / "calibration.txt";
}

void appendRecords(const TensorStatsTable& table, const qs::StatsKey& key, std::vector<LayerStatRecord>& stats,
                   std::vector<ChannelProfileRecord>& profiles) {
  for (const auto& [k, s] : table) {
    LayerStatRecord r;
    r.key = key;
    r.layer = k.layer;
    r.role = std::string(roleName(k.role));
    r.kind = std::string(kindName(k.kind));
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
      p.absmax = s.channelAbsmax();
      profiles.push_back(std::move(p));
    }
  }
}

}  // namespace

std::string describeCalibration(const CalibrationSpec& spec) {
  const std::string file = spec.text.empty() ? "calibration.txt" : spec.text.filename().string();
  return file + " n=" + std::to_string(spec.sequences) + " L=" + std::to_string(spec.length);
}

bool storeLayerStatistics(ExperimentStore& store, int64_t modelId, Model& model, LmBackend& lm,
                          const std::filesystem::path& dataDir, const CancelToken& cancel,
                          const std::function<void(const std::string&, const std::string&)>& log,
                          const CalibrationSpec& spec) {
  const std::string baseline = QuantConfig::parse("FP16").name();
  const qs::StatsKey weightKey{modelId, baseline, ""};
  const qs::StatsKey actKey{modelId, baseline, describeCalibration(spec)};
  StatsQuery q;
  q.key = actKey;
  if (!store.layerStats(q).empty()) return false;

  std::vector<LayerStatRecord> stats;
  std::vector<ChannelProfileRecord> profiles;
  appendRecords(collectWeightStats(model), weightKey, stats, profiles);

  const auto file = calibrationFile(spec, dataDir);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open the calibration text");
  std::ostringstream text;
  text << in.rdbuf();
  auto ids = lm.encode(text.str());
  const int64_t L = std::min<int64_t>(spec.length, lm.maxLength());
  const int64_t n = std::min<int64_t>(spec.sequences, static_cast<int64_t>(ids.size()) / L);
  if (n == 0) throw Error(file.string() + ": too short for one calibration sequence of " + std::to_string(L) + " tokens");
  auto collector = std::make_shared<StatsCollector>();
  model.hooks().add(collector);
  try {
    for (int64_t i = 0; i < n; ++i) {
      cancel.throwIfCancelled();
      std::vector<int64_t> seq(ids.begin() + i * L, ids.begin() + (i + 1) * L);
      model.forward(at::tensor(seq, at::kLong).unsqueeze(0));
    }
  } catch (...) {
    model.hooks().remove(collector.get());
    throw;
  }
  model.hooks().remove(collector.get());
  appendRecords(collector->table(), actKey, stats, profiles);
  store.putStats(stats, profiles);
  if (log) log("info", "stored " + std::to_string(stats.size()) + " tensor statistics (" + describeCalibration(spec) + ")");
  return true;
}

}  // namespace qs
