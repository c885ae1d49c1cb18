#include "ui/analysis_heatmap_data.h"

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "core/model/tensor_role.h"
#include "tasks/report/rank_correlation.h"

namespace qs {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int roleOrder(const std::string& role) {
  auto r = roleFromName(role);
  return r ? static_cast<int>(*r) : 99;
}

}  // namespace

std::string analysisQuantityName(AnalysisQuantity quantity) {
  switch (quantity) {
    case AnalysisQuantity::Sensitivity: return "sensitivity: KL divergence (nats)";
    case AnalysisQuantity::WeightSqnr: return "weight SQNR (dB)";
    case AnalysisQuantity::OutputSqnr: return "output SQNR (dB)";
  }
  return "?";
}

std::vector<TensorValue> tensorValues(const std::vector<SensitivityRecord>& rows) {
  std::vector<TensorValue> out;
  for (const auto& r : rows) out.push_back({r.layer, r.role, r.expert, r.klDivergence});
  return out;
}

std::vector<TensorValue> tensorValues(const std::vector<QuantErrorRecord>& rows, AnalysisQuantity quantity) {
  std::vector<TensorValue> out;
  for (const auto& r : rows) {
    const auto& v = quantity == AnalysisQuantity::OutputSqnr ? r.outputSqnrDb : r.weightSqnrDb;
    out.push_back({r.layer, r.role, r.expert, v.value_or(kNaN)});
  }
  return out;
}

HeatmapMatrix layerRoleMatrix(const std::vector<TensorValue>& values, AnalysisQuantity quantity) {
  std::set<std::pair<int, std::string>> roles;
  std::set<int> layers;
  for (const auto& v : values) roles.insert({roleOrder(v.role), v.role}), layers.insert(v.layer);
  HeatmapMatrix m;
  m.valueLabel = analysisQuantityName(quantity);
  std::map<std::string, int> columnIndex;
  for (const auto& [order, role] : roles) {
    columnIndex[role] = m.columns();
    m.columnLabels.push_back(role);
    m.columnTensors.push_back({role, ""});
  }
  std::map<int, int> rowIndex;
  for (int layer : layers) {
    rowIndex[layer] = m.rows();
    m.rowLabels.push_back(layer < 0 ? "head" : "layer " + std::to_string(layer));
    m.rowLayers.push_back(layer);
  }
  m.values.assign(m.rowLabels.size() * m.columnLabels.size(), kNaN);
  std::map<std::string, std::set<int>> experts;
  for (const auto& v : values) {
    double& cell = m.values[static_cast<size_t>(rowIndex[v.layer]) * m.columns() + columnIndex[v.role]];
    if (std::isnan(cell) || v.value > cell) cell = v.value;
    if (v.expert >= 0) experts[v.role].insert(v.expert);
  }
  for (const auto& [role, ids] : experts)
    m.columnLabels[columnIndex[role]] += " (max of " + std::to_string(ids.size()) + " experts)";
  return m;
}

RankCorrelation kurtosisCorrelation(const std::vector<TensorValue>& values, const std::vector<LayerStatRecord>& stats) {
  std::map<std::tuple<int, std::string, int>, double> kurtosis;
  for (const auto& s : stats)
    if (s.kind == "weight" && std::isfinite(s.kurtosis)) kurtosis[{s.layer, s.role, s.expert}] = s.kurtosis;
  std::vector<double> x, y;
  for (const auto& v : values) {
    auto it = kurtosis.find({v.layer, v.role, v.expert});
    if (it == kurtosis.end() || !std::isfinite(v.value)) continue;
    x.push_back(v.value);
    y.push_back(it->second);
  }
  // Fewer than three tensors make any ranking agree perfectly or not at all: no correlation shown.
  return {x.size() >= 3 ? spearmanCorrelation(x, y) : std::nullopt, static_cast<int>(x.size())};
}

}  // namespace qs
