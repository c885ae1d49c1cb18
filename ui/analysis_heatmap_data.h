#pragma once
// The per-tensor analyses of issue 17 as layer x role heatmaps, beside the kurtosis map: each
// tensor's sensitivity (KL divergence of the model with only that tensor quantized) and its
// quantization error (SQNR of the weight and of the linear's output), and how either ranks against
// the tensor's weight kurtosis (Spearman). Built from the store's records; no Qt.
#include <optional>
#include <string>
#include <vector>

#include "core/store/store_records.h"
#include "ui/heatmap_data.h"

namespace qs {

enum class AnalysisQuantity { Sensitivity, WeightSqnr, OutputSqnr };
// "sensitivity: KL divergence (nats)", "weight SQNR (dB)", "output SQNR (dB)"
std::string analysisQuantityName(AnalysisQuantity quantity);

// One tensor's value of a quantity; NaN where the record has none.
struct TensorValue {
  int layer = 0;
  std::string role;
  int expert = -1;
  double value = 0;
};

std::vector<TensorValue> tensorValues(const std::vector<SensitivityRecord>& rows);
std::vector<TensorValue> tensorValues(const std::vector<QuantErrorRecord>& rows, AnalysisQuantity quantity);

// rows = layers, columns = roles (role order); experts of one layer and role share a cell: the
// largest value, as in the statistics heatmap. columnTensors hold (role, "") for the cell lookup.
HeatmapMatrix layerRoleMatrix(const std::vector<TensorValue>& values, AnalysisQuantity quantity);

struct RankCorrelation {
  std::optional<double> rho;  // nullopt: fewer than 3 pairs, or one side constant
  int pairs = 0;              // tensors with both values
};

// Spearman's rho between the values and the weight kurtosis of the same (layer, role, expert),
// over the tensors that have both (records of kind "weight" only).
RankCorrelation kurtosisCorrelation(const std::vector<TensorValue>& values, const std::vector<LayerStatRecord>& stats);

}  // namespace qs
