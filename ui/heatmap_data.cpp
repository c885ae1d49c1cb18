#include "ui/heatmap_data.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "core/model/tensor_role.h"

namespace qs {
namespace {

int kindOrder(const std::string& kind) {
  auto k = kindFromName(kind);
  return k ? static_cast<int>(*k) : 99;
}

int roleOrder(const std::string& role) {
  auto r = roleFromName(role);
  return r ? static_cast<int>(*r) : 99;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

std::string statMetricName(StatMetric metric) {
  switch (metric) {
    case StatMetric::Kurtosis: return "kurtosis (Pearson, normal = 3)";
    case StatMetric::AbsMax: return "absmax";
    case StatMetric::Std: return "std";
    case StatMetric::OutlierRatio: return "outlier ratio";
  }
  return "?";
}

double statValue(const LayerStatRecord& r, StatMetric metric) {
  switch (metric) {
    case StatMetric::Kurtosis: return r.kurtosis;
    case StatMetric::AbsMax: return r.absmax;
    case StatMetric::Std: return r.std;
    case StatMetric::OutlierRatio: return r.outlierRatio.value_or(kNaN);
  }
  return kNaN;
}

std::string kindShortName(const std::string& kind) {
  if (kind == "weight") return "W";
  if (kind == "activation") return "A";
  if (kind == "key") return "K";
  if (kind == "value") return "V";
  return kind;
}

HeatmapMatrix layerTensorMatrix(const std::vector<LayerStatRecord>& stats, StatMetric metric, const std::string& kind) {
  using Column = std::tuple<int, int, std::string, std::string>;  // kind order, role order, kind, role
  std::set<Column> columns;
  std::set<int> layers;
  for (const auto& s : stats) {
    if (!kind.empty() && s.kind != kind) continue;
    columns.insert({kindOrder(s.kind), roleOrder(s.role), s.kind, s.role});
    layers.insert(s.layer);
  }
  HeatmapMatrix m;
  m.valueLabel = statMetricName(metric);
  std::map<std::pair<std::string, std::string>, int> columnIndex;
  for (const auto& [ko, ro, k, role] : columns) {
    columnIndex[{role, k}] = static_cast<int>(m.columnLabels.size());
    m.columnLabels.push_back(kindShortName(k) + " " + role);
    m.columnTensors.push_back({role, k});
  }
  std::map<int, int> rowIndex;
  for (int layer : layers) {
    rowIndex[layer] = static_cast<int>(m.rowLabels.size());
    m.rowLabels.push_back(layer < 0 ? "head" : "layer " + std::to_string(layer));
    m.rowLayers.push_back(layer);
  }
  m.values.assign(m.rowLabels.size() * m.columnLabels.size(), kNaN);
  // Experts of one layer and role share a cell: the most extreme of them (max), so an outlier
  // expert is not averaged away; the layer x expert view shows them one by one.
  std::map<std::pair<std::string, std::string>, std::set<int>> experts;
  for (const auto& s : stats) {
    if (!kind.empty() && s.kind != kind) continue;
    double& cell = m.values[static_cast<size_t>(rowIndex[s.layer]) * m.columns() + columnIndex[{s.role, s.kind}]];
    const double v = statValue(s, metric);
    if (s.expert < 0 || std::isnan(cell) || v > cell) cell = v;
    if (s.expert >= 0) experts[{s.role, s.kind}].insert(s.expert);
  }
  for (const auto& [tensor, ids] : experts)
    m.columnLabels[columnIndex[tensor]] += " (max of " + std::to_string(ids.size()) + " experts)";
  return m;
}

std::vector<std::string> expertRoles(const std::vector<LayerStatRecord>& stats) {
  std::set<std::pair<int, std::string>> roles;
  for (const auto& s : stats)
    if (s.expert >= 0) roles.insert({roleOrder(s.role), s.role});
  std::vector<std::string> out;
  for (const auto& [order, role] : roles) out.push_back(role);
  return out;
}

HeatmapMatrix layerExpertMatrix(const std::vector<LayerStatRecord>& stats, StatMetric metric, const std::string& role,
                                const std::string& kind) {
  std::set<int> layers, experts;
  for (const auto& s : stats)
    if (s.expert >= 0 && s.role == role && s.kind == kind) layers.insert(s.layer), experts.insert(s.expert);
  HeatmapMatrix m;
  m.valueLabel = statMetricName(metric);
  m.title = kindShortName(kind) + " " + role + " per expert: " + statMetricName(metric);
  std::map<int, int> columnIndex, rowIndex;
  for (int e : experts) {
    columnIndex[e] = m.columns();
    m.columnLabels.push_back("expert " + std::to_string(e));
    m.columnTensors.push_back({role, kind});
    m.columnExperts.push_back(e);
  }
  for (int layer : layers) {
    rowIndex[layer] = m.rows();
    m.rowLabels.push_back("layer " + std::to_string(layer));
    m.rowLayers.push_back(layer);
  }
  m.values.assign(m.rowLabels.size() * m.columnLabels.size(), kNaN);
  for (const auto& s : stats)
    if (s.expert >= 0 && s.role == role && s.kind == kind)
      m.values[static_cast<size_t>(rowIndex[s.layer]) * m.columns() + columnIndex[s.expert]] = statValue(s, metric);
  return m;
}

HeatmapMatrix routerLoadMatrix(const std::vector<LayerStatRecord>& stats) {
  // Each routed token passes its whole input vector through the expert's first projection, so the
  // element count of that projection's input statistics, per expert, is tokens x hidden size.
  const auto roles = expertRoles(stats);
  HeatmapMatrix m;
  m.valueLabel = "share of routed tokens";
  m.title = "Router load per expert (share of the layer's routed tokens on the calibration text)";
  if (roles.empty()) return m;
  std::vector<LayerStatRecord> inputs;
  for (const auto& s : stats)
    if (s.expert >= 0 && s.kind == "activation" && s.role == roles.front()) inputs.push_back(s);
  std::map<int, double> perLayer;
  for (const auto& s : inputs) perLayer[s.layer] += static_cast<double>(s.count);
  for (auto& s : inputs) {
    s.absmax = perLayer[s.layer] > 0 ? static_cast<double>(s.count) / perLayer[s.layer] : kNaN;
  }
  m = layerExpertMatrix(inputs, StatMetric::AbsMax, roles.front(), "activation");
  m.valueLabel = "share of routed tokens";
  m.title = "Router load per expert (share of the layer's routed tokens on the calibration text)";
  return m;
}

HeatmapMatrix layerChannelMatrix(const std::vector<ChannelProfileRecord>& profiles) {
  HeatmapMatrix m;
  m.valueLabel = "channel absmax";
  std::map<int, const ChannelProfileRecord*> byLayer;
  size_t channels = 0;
  for (const auto& p : profiles) {
    byLayer[p.layer] = &p;
    channels = std::max(channels, p.absmax.size());
  }
  for (size_t c = 0; c < channels; ++c) m.columnLabels.push_back(std::to_string(c));
  for (const auto& [layer, p] : byLayer) {
    m.rowLabels.push_back(layer < 0 ? "head" : "layer " + std::to_string(layer));
    m.rowLayers.push_back(layer);
    for (size_t c = 0; c < channels; ++c) m.values.push_back(c < p->absmax.size() ? p->absmax[c] : kNaN);
  }
  if (!profiles.empty())
    m.title = kindShortName(profiles.front().kind) + " " + profiles.front().role + ": channel absmax per layer";
  return m;
}

}  // namespace qs
