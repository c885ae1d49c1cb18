#pragma once
// Resolves tensor roles to checkpoint tensors, checks their shapes against config.json, and moves
// them to the compute device and dtype. Errors name the tensor, the file and the expected shape.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "core/checkpoint/checkpoint.h"
#include "core/model/family.h"
#include "core/model/tensor_role.h"

namespace qs {

class WeightLoader {
 public:
  WeightLoader(const Checkpoint& checkpoint, Family family, c10::Device device, c10::ScalarType dtype);

  at::Tensor weight(TensorRole role, int layer, std::vector<int64_t> shape);
  // An undefined tensor when the checkpoint has no such bias and it is not required.
  at::Tensor bias(TensorRole role, int layer, std::vector<int64_t> shape, bool required);
  bool hasWeight(TensorRole role, int layer) const;

  int64_t parameterCount() const { return parameters_; }
  int64_t bytes() const { return bytes_; }

 private:
  at::Tensor load(const std::string& name, std::vector<int64_t> shape);
  // Some checkpoints (e.g. facebook/opt-*) store names without the "model." prefix.
  std::optional<std::string> resolve(const std::string& name) const;

  const Checkpoint& checkpoint_;
  Family family_;
  c10::Device device_;
  c10::ScalarType dtype_;
  int64_t parameters_ = 0;
  int64_t bytes_ = 0;
};

}  // namespace qs
