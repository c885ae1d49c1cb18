#pragma once
// The Hugging Face tensor name of each tensor role, per family. The only place in QuantScope that
// spells tensor names. "{L}" stands for the layer index.
#include <optional>
#include <string>

#include "core/model/family.h"
#include "core/model/tensor_role.h"

namespace qs {

struct TensorNamePattern {
  const char* weight = nullptr;  // nullptr: the family has no such tensor
  const char* bias = nullptr;    // nullptr: no bias tensor for this role
};

TensorNamePattern tensorNamePattern(Family family, TensorRole role);
// Expands "{L}" with the layer index.
std::string expandTensorName(const char* pattern, int layer);

}  // namespace qs
