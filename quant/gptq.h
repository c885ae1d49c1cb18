#pragma once
// GPTQ (Frantar et al. 2022), following the reference implementation: H = 2 X^T X / n from the
// calibration inputs of each linear, dead columns zeroed, dampening (1% of the mean diagonal), the
// upper Cholesky factor of H^-1, columns quantized one by one in blocks of 128 with the error fed
// back to the columns not yet quantized; the group's scale and zero point are computed from the
// (updated) weights when its first column is reached; optional act-order (columns by descending
// H diagonal). Layer by layer: the inputs of each layer come from the already quantized layers.
#include <ATen/core/Tensor.h>

#include <functional>

#include "core/model/tensor_role.h"
#include "quant/quant_spec.h"

namespace qs {

class Model;

struct GptqOptions {
  double dampening = 0.01;  // times the mean of diag(H)
  int64_t blockSize = 128;
  bool actOrder = false;
};

// One weight [out, in] quantized against the Hessian h [in, in]; returns the dequantized weight
// (float32). With h = identity it equals round-to-nearest.
at::Tensor gptqQuantize(const at::Tensor& weight, const at::Tensor& h, const QuantSpec& spec,
                        const GptqOptions& options = {});

// Every linear selected(layer, role) replaced by its GPTQ-quantized weight, layer by layer on the
// calibration sequences ids [N, L]. Returns the number of weights quantized.
int applyGptq(Model& model, const at::Tensor& ids, const QuantSpec& spec,
              const std::function<bool(int, TensorRole)>& selected, const GptqOptions& options = {});

}  // namespace qs
