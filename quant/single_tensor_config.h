#pragma once
// The configuration that quantizes one linear (layer, role) the way a base configuration would and
// leaves every other tensor at full precision, for sensitivity scans (issue 17). In the name it is
// the base plus "-excl.all-incl.<role>.L<layer>": the last matching rule wins, so only that linear
// keeps the base's weight and activation quantization.
#include "core/model/tensor_role.h"
#include "quant/quant_config.h"

namespace qs {

// Throws qs::Error quoting the base name when it cannot be narrowed to one linear: it quantizes
// the KV cache (not a linear), has layer rules of its own (they would be overridden), or uses a
// method other than rtn (AWQ, SmoothQuant, GPTQ and QuaRot transform several tensors together).
QuantConfig singleTensorConfig(const QuantConfig& base, int layer, TensorRole role);

// The same checks alone, so a scan can refuse its configuration before any forward pass.
void requireSingleTensorBase(const QuantConfig& base);

}  // namespace qs
