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
  for (const auto& s : stats) {
    if (!kind.empty() && s.kind != kind) continue;
    m.values[static_cast<size_t>(rowIndex[s.layer]) * m.columns() + columnIndex[{s.role, s.kind}]] = statValue(s, metric);
  }
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
