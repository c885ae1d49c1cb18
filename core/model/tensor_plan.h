#pragma once
// A family's tensor plan: every tensor a configuration implies, with its Hugging Face name, role,
// layer, expert and shape. The loader, the shape checks, the tensor layout written by the random
// checkpoint writer and the demo trainer all read it; nothing else lists a family's tensors.
#include <cstdint>
#include <string>
#include <vector>

#include "core/model/tensor_role.h"

namespace qs {

struct PlannedTensor {
  std::string name;  // the Hugging Face state_dict name
  TensorRole role = TensorRole::QProj;
  int layer = -1;   // -1 outside the decoder layers
  int expert = -1;  // mixture-of-experts expert, -1 otherwise
  bool isBias = false;
  // Shape as the forward uses it: [out, in] for linear weights.
  std::vector<int64_t> shape;
  // May be absent from the checkpoint: an absent optional bias is none; an absent lm_head is tied.
  bool optional = false;
  // Stored as [in, out] (GPT-2's Conv1D): transposed once at load, so every linear is [out, in]
  // and group quantization groups along the input dimension as for every other family.
  bool storedTransposed = false;
};

using TensorPlan = std::vector<PlannedTensor>;

// Helpers for the family files' plans. "{L}" in a name stands for the layer index.
class PlanBuilder {
 public:
  explicit PlanBuilder(int numLayers) : numLayers_(numLayers) {}

  PlanBuilder& global(TensorRole role, const std::string& name, std::vector<int64_t> shape,
                      bool isBias = false, bool optional = false);
  // A weight [out, in] and, when hasBias, its bias [out], in every layer (stem without
  // ".weight" / ".bias").
  PlanBuilder& linear(TensorRole role, const std::string& stem, int64_t out, int64_t in, bool hasBias,
                      bool storedTransposed = false);
  // A norm's weight and, when hasBias, its bias: in every layer, or once (perLayer false).
  PlanBuilder& norm(TensorRole role, const std::string& stem, int64_t size, bool hasBias, bool perLayer = true);

  PlanBuilder& add(PlannedTensor t) {
    plan_.push_back(std::move(t));
    return *this;
  }
  TensorPlan take() { return std::move(plan_); }

 private:
  int numLayers_;
  TensorPlan plan_;
};

std::string expandLayer(const std::string& pattern, int layer);

}  // namespace qs
