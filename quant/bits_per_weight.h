#pragma once
// Memory cost of quantized weights in bits per weight, counting the scales and zero points that
// a real storage of the format keeps beside the elements:
//   integers: an fp16 scale per group, plus an fp16 zero point when asymmetric (W4 g128 asym: 4.25);
//   FP8:      an fp32 scale per channel / group / tensor, as FP8 GEMMs take it (per channel: 8 + 32/in);
//   NF4:      an fp32 absmax per group, QLoRA without double quantization (g64: 4 + 32/64 = 4.5);
//   MX:       one 8-bit E8M0 scale per 32-element block (MXFP4: 4.25, MXFP6: 6.25, MXINT8: 8.25);
//   a weight left unquantized counts 16 bits (the fp16 baseline).
#include <cstdint>
#include <vector>

#include "core/model/tensor_role.h"
#include "quant/quant_config.h"

namespace qs {

class Model;

// One linear layer's weight [rows = out features, cols = in features].
struct LinearShape {
  int layer = -1;
  TensorRole role = TensorRole::QProj;
  int64_t rows = 0;
  int64_t cols = 0;
};

// Bits per weight of a [rows, cols] weight under `spec` (16 when the spec is off).
double bitsPerWeight(const QuantSpec& spec, int64_t rows, int64_t cols);

// The parameter-weighted average over the linears: each at its own spec (precision rules), or 16
// bits when the configuration leaves it unquantized (the output head by default, excluded layers).
// 16 for an empty list.
double bitsPerWeight(const QuantConfig& config, const std::vector<LinearShape>& linears);

// The model's linear weights (each tensor once: a tied output head shares the embedding's).
std::vector<LinearShape> linearShapes(Model& model);

}  // namespace qs
