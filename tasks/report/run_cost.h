#pragma once
// A run's memory cost in bits per weight (scales and zero points included; quant/bits_per_weight.h):
// what the run stored in its config JSON ("bits_per_weight", measured on its model's linears), else
// the nominal value of its configuration's name on a 4096 x 4096 linear (runs stored before the
// figure was recorded). Shared by the recommendation (ranking) and the curves (x axis).
#include <optional>

#include "core/store/store_records.h"

namespace qs {

struct RunCost {
  double bitsPerWeight = 16;
  bool nominal = false;  // from the name, not the run's model
};

// nullopt when the run has neither the figure nor a parsable configuration name.
std::optional<RunCost> runCost(const RunRecord& run);

}  // namespace qs
