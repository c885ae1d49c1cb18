#pragma once
// Per-layer tensor statistics of a model stored in the experiment database: weights (no data
// needed) and activations / K / V gathered through the hook points on calibration text.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "core/cancellation.h"

namespace qs {

class ExperimentStore;
class Model;
class LmBackend;

struct CalibrationSpec {
  std::filesystem::path text;  // empty: <dataDir>/calibration.txt, else the bundled sample
  int sequences = 8;           // N
  int length = 256;            // L tokens each (capped at the model's context)
};

// A description stored with the statistics, e.g. "calibration.txt n=8 L=256".
std::string describeCalibration(const CalibrationSpec& spec);

// Gathers and stores the statistics of the unquantized model under the key (modelId, "FP16",
// calibration) unless they are already stored. Returns true if it computed them.
bool storeLayerStatistics(ExperimentStore& store, int64_t modelId, Model& model, LmBackend& lm,
                          const std::filesystem::path& dataDir, const CancelToken& cancel,
                          const std::function<void(const std::string&, const std::string&)>& log,
                          const CalibrationSpec& spec = {});

}  // namespace qs
