#pragma once
// The matrices the heatmaps draw: layer x tensor (role and kind) for one statistic, and layer x
// channel absmax for one tensor. Built from the store's records; no Qt.
#include <cmath>
#include <string>
#include <vector>

#include "core/store/store_records.h"

namespace qs {

enum class StatMetric { Kurtosis, AbsMax, Std, OutlierRatio };
std::string statMetricName(StatMetric metric);  // "kurtosis (Pearson)", "absmax", "std", "outlier ratio"
double statValue(const LayerStatRecord& record, StatMetric metric);

struct HeatmapMatrix {
  std::string title;
  std::string valueLabel;  // the colour bar's label
  std::vector<std::string> rowLabels;     // "layer 0", ...
  std::vector<std::string> columnLabels;  // "W q_proj", "A down_proj", "K", "V", or channel numbers
  // For layer x tensor matrices: the (role, kind) of each column, to look a cell's tensor up.
  std::vector<std::pair<std::string, std::string>> columnTensors;
  std::vector<int> rowLayers;
  // For layer x expert matrices: the expert of each column (empty otherwise).
  std::vector<int> columnExperts;
  std::vector<double> values;  // row-major, NaN = not measured

  int rows() const { return static_cast<int>(rowLabels.size()); }
  int columns() const { return static_cast<int>(columnLabels.size()); }
  double at(int row, int column) const { return values[static_cast<size_t>(row) * columns() + column]; }
  bool empty() const { return values.empty(); }
};

// kind "" = every kind; columns ordered by kind (weight, activation, key, value) then role order.
HeatmapMatrix layerTensorMatrix(const std::vector<LayerStatRecord>& stats, StatMetric metric,
                                const std::string& kind = "");
// Mixture-of-experts models: the roles that have per-expert statistics, in role order.
std::vector<std::string> expertRoles(const std::vector<LayerStatRecord>& stats);
// rows = layers, columns = experts, for one (role, kind).
HeatmapMatrix layerExpertMatrix(const std::vector<LayerStatRecord>& stats, StatMetric metric, const std::string& role,
                                const std::string& kind);
// rows = layers, columns = experts: each expert's share of the tokens the router sent to the
// layer's experts on the calibration text (from the element counts of their input statistics).
HeatmapMatrix routerLoadMatrix(const std::vector<LayerStatRecord>& stats);
// profiles of one (role, kind) over layers: rows = layers, columns = channels (missing = NaN).
HeatmapMatrix layerChannelMatrix(const std::vector<ChannelProfileRecord>& profiles);

// "W", "A", "K", "V" for the column labels.
std::string kindShortName(const std::string& kind);

}  // namespace qs
