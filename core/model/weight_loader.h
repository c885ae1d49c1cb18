#pragma once
// Loads a family's tensor plan from a checkpoint: resolves each planned name (also without the
// "model." / "transformer." prefix some checkpoints omit), checks its shape against the one
// config.json implies, transposes tensors stored [in, out], and moves them to the compute device
// and dtype. Errors name the file, the tensor and the expected shape.
#include <ATen/core/Tensor.h>

#include <map>
#include <tuple>

#include "core/model/tensor_plan.h"

namespace qs {

class Checkpoint;

// A weight with NaN or Inf values: reported by info, refused by sweeps unless allowed.
struct NonFiniteTensor {
  std::string name;
  int64_t count = 0;  // NaN and Inf values
};

class LoadedWeights {
 public:
  static LoadedWeights load(const Checkpoint& checkpoint, const TensorPlan& plan, c10::Device device,
                            c10::ScalarType dtype);

  // The planned weight (or bias); undefined when it is optional and absent from the checkpoint.
  at::Tensor weight(TensorRole role, int layer = -1, int expert = -1) const;
  at::Tensor bias(TensorRole role, int layer = -1, int expert = -1) const;
  bool has(TensorRole role, int layer = -1, int expert = -1) const { return weight(role, layer, expert).defined(); }

  const std::vector<NonFiniteTensor>& nonFinite() const { return nonFinite_; }
  int64_t parameterCount() const { return parameters_; }
  int64_t bytes() const { return bytes_; }

 private:
  using Key = std::tuple<TensorRole, int, int, bool>;  // role, layer, expert, isBias
  std::map<Key, at::Tensor> tensors_;
  std::vector<NonFiniteTensor> nonFinite_;
  int64_t parameters_ = 0;
  int64_t bytes_ = 0;
};

}  // namespace qs
