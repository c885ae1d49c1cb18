#pragma once
// What a quantization method's transform did to a model (AWQ and SmoothQuant's folded scales,
// GPTQ's quantized weights, QuaRot's rotated weights and input rotations), kept so that the next
// sweep of the same model, configuration and calibration loads it instead of recomputing it.
// The tensors are the values of the slots the method may replace, in the order QuantizedModel
// saves them (norm groups, the final norm for rotations, then every linear's weight and bias), so
// they fit only the same model (checked by count, shape and dtype when applied).
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "quant/quarot.h"

namespace qs {

struct MethodTransform {
  std::vector<at::Tensor> tensors;
  std::map<LinearKey, at::Tensor> inputRotations;  // quarot only
  int quantizedWeights = 0;                        // weights the method quantized itself
  double seconds = 0;                              // computing it took
  int64_t bytes() const;
};

// safetensors: "t.<index>" per slot, "r.<layer>.<role>.<expert>" per input rotation; metadata
// "quantized_weights", "seconds" and the caller's (e.g. the key it was computed for).
void saveMethodTransform(const MethodTransform& transform, const std::filesystem::path& file,
                         const std::map<std::string, std::string>& metadata = {});
// Throws qs::Error naming the file when it is not a saved transform (truncated, foreign, damaged).
MethodTransform loadMethodTransform(const std::filesystem::path& file);

}  // namespace qs
