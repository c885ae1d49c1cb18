#pragma once
// A mixed-precision configuration from a sensitivity ranking (issue 17): the k most sensitive
// linears keep their weights at a higher bit-width (precision rules "w<b>.<role>.L<layer>"), the
// rest take the base configuration, with k the largest count whose bits per weight (scales and
// zero points included, quant/bits_per_weight.h) stay at or below a target.
#include <string>
#include <vector>

#include "core/model/tensor_role.h"
#include "quant/bits_per_weight.h"
#include "quant/quant_config.h"

namespace qs {

struct RankedLinear {
  int layer = 0;
  TensorRole role = TensorRole::QProj;
};

struct MixedPrecisionRecipe {
  QuantConfig config;  // base + one precision rule per kept linear
  std::string name;    // config.name(), checked to parse back to itself
  std::vector<RankedLinear> kept;  // the k most sensitive linears, most sensitive first
  double bitsPerWeight = 16;       // of config
  double baseBitsPerWeight = 16;   // of the base alone (k = 0)
  bool meetsTarget = false;        // false when even the base exceeds the target (then k = 0)
};

// The checks mixedPrecisionRecipe makes of its base and bit-width, alone: a caller can refuse them
// before a long sensitivity scan.
void requireRecipeBase(const QuantConfig& base, int highBits);

// mostSensitiveFirst: linears ranked by sensitivity, each (layer, role) once. highBits: 2..8,
// more than the base's integer weight bits. Rules are printed in layer, then role order, so the
// same set of linears always gives the same name. Throws qs::Error naming the problem (base
// without quantized weights, a method that takes no precision rules, highBits not above the base).
MixedPrecisionRecipe mixedPrecisionRecipe(const QuantConfig& base, const std::vector<RankedLinear>& mostSensitiveFirst,
                                          int highBits, double targetBitsPerWeight,
                                          const std::vector<LinearShape>& shapes);

}  // namespace qs
