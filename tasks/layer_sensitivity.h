#pragma once
// Layer sensitivity (issue 17): quantize ONE linear (layer, role) at a time by a configuration,
// everything else at full precision, and measure how far the model's next-token distributions
// move from the full-precision model's on calibration text: KL(FP || quantized), mean per token,
// in nats. The FP log-probabilities are computed once; each linear then costs one quantized
// forward pass over the calibration windows.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "core/base/cancellation.h"
#include "core/model/tensor_role.h"
#include "quant/quant_config.h"

namespace qs {

class Model;

struct LinearSensitivity {
  int layer = 0;
  TensorRole role = TensorRole::QProj;
  double klDivergence = 0;  // mean over the calibration positions, nats
  int64_t tokens = 0;       // positions averaged over (N x L)
};

struct SensitivityProgress {
  int done = 0;   // linears measured
  int total = 0;
  int layer = 0;  // the linear being measured next (the last one when done == total)
  TensorRole role = TensorRole::QProj;
  double elapsedSeconds = 0;  // since the FP pass began
  double etaSeconds = -1;     // -1 until the first linear is measured
};

// The linears a scan measures: each (layer, role) the configuration quantizes (the output head and
// routers only when a base rule would include them, which single-tensor bases have not), once even
// when a mixture-of-experts layer has several experts of that role (they are quantized together).
std::vector<std::pair<int, TensorRole>> scannedLinears(Model& model, const QuantConfig& base);

// ids: calibration windows [N, L] int64. base: see requireSingleTensorBase (rtn, no KV, no rules).
// Windows are run `batchRows` at a time. Returns one entry per scanned linear, in forward order.
// Throws Cancelled (checked before every forward pass) and qs::Error naming the tensor when the
// configuration does not fit it; the model is left unquantized either way.
std::vector<LinearSensitivity> scanLayerSensitivity(Model& model, const QuantConfig& base, const at::Tensor& ids,
                                                    const std::function<void(const SensitivityProgress&)>& progress,
                                                    const CancelToken* cancel = nullptr, int64_t batchRows = 1);

// Most sensitive first (highest KL); ties keep forward order.
std::vector<LinearSensitivity> rankBySensitivity(std::vector<LinearSensitivity> scan);

// The Pearson kurtosis of each scanned linear's weight (the experts of one layer and role pooled),
// aligned with `scan`; for correlating sensitivity with weight outliers.
std::vector<double> weightKurtosis(Model& model, const std::vector<LinearSensitivity>& scan);

}  // namespace qs
