#pragma once
// SmoothQuant (Xiao et al. 2023): migrate activation outliers into the weights. For each norm and
// the linears reading it, s_j = max|X_j|^alpha / max|W_j|^(1 - alpha) over the calibration
// activations X and the linears' columns W, clamped at 1e-5 as the reference code does; the norm is
// divided by s and the linears' input columns multiplied by s (quant/scale_folding.h).
#include <ATen/core/Tensor.h>

namespace qs {

class Model;

// ids: calibration token sequences [N, L]. Throws qs::Error naming the family when the model has
// no norm to fold into (post-norm OPT, a state-space model).
void applySmoothQuant(Model& model, const at::Tensor& ids, double alpha = 0.5);

}  // namespace qs
