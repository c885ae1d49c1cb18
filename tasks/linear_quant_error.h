#pragma once
// Quantization error per linear layer under a configuration (issue 17):
//   weight: rel = ||Q(W) - W|| / ||W|| of the weight as the configuration stores it;
//   output: rel = ||y_q - y_fp|| / ||y_fp|| over the calibration text, with
//           y_fp = x W^T + b and y_q = q_a(x) Q(W)^T + b for the SAME input x: the full-precision
//           model's activation at that linear. q_a is the configuration's activation fake
//           quantization (identity when activations are 16 bits).
// Feeding every linear the FP model's input isolates what quantizing that one linear (its weight
// and its input) costs, without the error the layers before it pass on; it is the quantity GPTQ
// minimises, so RTN and GPTQ compare on it. SQNR = -20 log10(rel) dB (quant/quant_error.h).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/base/cancellation.h"
#include "core/model/tensor_role.h"
#include "core/store/store_records.h"
#include "quant/quant_config.h"

namespace qs {

class Model;

struct LinearQuantError {
  int layer = 0;
  TensorRole role = TensorRole::QProj;
  int expert = -1;
  std::optional<double> weightRelError;  // nullopt when the weight is not quantized (W16, excluded)
  std::optional<double> outputRelError;  // nullopt when the linear never ran (an unrouted expert)
  int64_t outputRows = 0;                // input rows (tokens) behind outputRelError
};

// Throws qs::Error naming the method when a configuration's errors cannot be measured per linear
// (awq, smoothquant, quarot: see below), so a caller can refuse it before loading a model.
void requireOriginalBasis(const QuantConfig& config);

// Every linear the configuration quantizes (weight or input), in forward order. ids: calibration
// windows [N, L] int64, run one window at a time; gptq's calibration too. Methods: rtn and gptq
// (their quantized weights act on the original inputs); awq, smoothquant and quarot move scales or
// rotations between tensors, so a per-linear error in the original basis is refused by name.
// Throws Cancelled (checked before each window); the model is left as it was.
std::vector<LinearQuantError> measureQuantErrors(Model& model, const QuantConfig& config, const at::Tensor& ids,
                                                 const CancelToken* cancel = nullptr, uint64_t seed = 0);

// As store rows (SQNR from rel; an exact tensor's infinite SQNR is stored as NULL).
std::vector<QuantErrorRecord> quantErrorRecords(const std::vector<LinearQuantError>& errors, int64_t modelId,
                                                const std::string& quantName, const std::string& calibration);

}  // namespace qs
