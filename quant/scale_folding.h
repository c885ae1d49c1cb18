#pragma once
// Folding a per-channel scale s (one value per input channel of the linears involved) into the op
// before them, the equivalence SmoothQuant and AWQ rest on: y = W x = (W diag(s)) (diag(1/s) x).
// The producer's output (a norm's, or a linear's rows) is divided by s, the consumers' input
// columns multiplied by s. Every tensor is replaced by assignment, never edited in place (a tied
// lm_head shares storage, F32 weights may view the checkpoint mapping).
#include <ATen/core/Tensor.h>

#include "core/model/model.h"

namespace qs {

// norm(x) / s: RMSNorm and LayerNorm weight (and bias) / s; Gemma's (1 + w) becomes (1 + w) / s.
void foldIntoNorm(NormGroup& group, const at::Tensor& s);
// producer rows (and bias) / s, consumer columns * s.
void foldIntoChain(LinearChain& chain, const at::Tensor& s);

}  // namespace qs
