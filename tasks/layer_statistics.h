#pragma once
// Per-layer tensor statistics of a model: weights (no data needed) and activations / K / V
// gathered through the hook points on calibration text; stored in the experiment database.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/base/cancellation.h"
#include "quant/tensor_stats.h"

namespace qs {

class ExperimentStore;
class Model;
class LmBackend;

struct CalibrationSpec {
  std::filesystem::path text;  // empty: <dataDir>/calibration.txt, else <dataDir>/kl/kl_text.txt
  int sequences = 8;           // N
  int length = 256;            // L tokens each (capped at the model's context)
};

// The calibration text of a spec: its own file, else <dataDir>/calibration.txt, else the data
// directory's KL text (the bundled data directory when dataDir is empty).
std::filesystem::path calibrationFile(const CalibrationSpec& spec, const std::filesystem::path& dataDir);

// The calibration text cut into windows: the first N windows of L tokens of the file (L capped at
// the model's context, N at what the text holds), and what they are, "calibration.txt n=5 L=256".
// Statistics, sensitivity scans and quantization errors are all measured on these.
struct CalibrationWindows {
  at::Tensor ids;  // [N, L] int64
  std::string description;
};

// Throws naming the file when the calibration text is missing or shorter than one window.
CalibrationWindows calibrationWindows(LmBackend& lm, const std::filesystem::path& dataDir, const CalibrationSpec& spec);

struct GatheredStatistics {
  std::string calibration;  // what was actually used: "kl_text.txt n=4 L=256"
  TensorStatsTable weights;
  TensorStatsTable activations;  // activations, keys and values
};

// Throws naming the file when the calibration text is missing or shorter than one window.
GatheredStatistics gatherStatistics(Model& model, LmBackend& lm, const std::filesystem::path& dataDir,
                                    const CalibrationSpec& spec, const CancelToken& cancel);
// The statistics of the model as it is now (quantized, when a QuantizedModel is applied: its hooks
// run first, so the activations and K/V seen are the quantized ones) on the given windows.
GatheredStatistics gatherStatistics(Model& model, const CalibrationWindows& windows, const CancelToken& cancel);

// Stores statistics under (modelId, quantName): weights with calibration "", activations, keys and
// values with the statistics' calibration. Returns the number of tensor statistics stored.
size_t storeStatistics(ExperimentStore& store, int64_t modelId, const std::string& quantName,
                       const GatheredStatistics& statistics);

// Gathers and stores the statistics of the unquantized model under (modelId, "FP16", calibration)
// unless statistics of that model are already stored. Returns true if it computed them.
bool storeLayerStatistics(ExperimentStore& store, int64_t modelId, Model& model, LmBackend& lm,
                          const std::filesystem::path& dataDir, const CancelToken& cancel,
                          const std::function<void(const std::string&, const std::string&)>& log,
                          const CalibrationSpec& spec = {});

}  // namespace qs
