#pragma once
// AWQ (Lin et al. 2023), as llm-awq computes it: for each norm and the linears reading it, and each
// linear feeding another (v -> o, up -> down), search s = mean|x|^alpha / sqrt(max * min) over a
// grid of alpha in [0, 1) for the smallest error of the quantized outputs on the calibration
// inputs, fold it in; then search per output row and group the clipping of the weight range
// (shrinking the max by up to half) that minimises the quantized output error (q_proj and k_proj
// excepted, as in the reference). The weights are then quantized round-to-nearest as usual.
// Differences from llm-awq: the scale search measures the error at the linears' outputs, not at
// the output of the whole attention / MLP block.
#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

#include "core/model/tensor_role.h"
#include "quant/quant_spec.h"

namespace qs {

class Model;

struct AwqOptions {
  std::vector<double> alphas;   // empty: 0, 1/20, ..., 19/20
  bool clip = true;
  int64_t sampleRows = 512;     // calibration input rows per search
};

// selected(layer, role): the linears the configuration quantizes. Throws naming the family when the
// model has no norm to fold into.
void applyAwq(Model& model, const at::Tensor& ids, const QuantSpec& weightSpec,
              const std::function<bool(int, TensorRole)>& selected, const AwqOptions& options = {});

}  // namespace qs
