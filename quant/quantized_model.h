#pragma once
// Applying a QuantConfig to a loaded Model (round-to-nearest fake quantization): the selected
// linear weights are fake-quantized once, hooks fake-quantize the inputs of those linears and the
// K/V states at every call. Destroying the object (or restore()) puts the original weights back
// (kept in memory, the checkpoint is not read again) and removes the hooks.
#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

#include "core/model/hooks.h"
#include "quant/quant_config.h"

namespace qs {

class Model;

class QuantizedModel {
 public:
  // Throws qs::Error naming the tensor when a spec does not fit it (e.g. a group size that does
  // not divide a weight's input dimension), leaving the model as it was; and for methods other than
  // "rtn", which need their own calibration step before this one.
  QuantizedModel(Model& model, const QuantConfig& config);
  ~QuantizedModel();
  QuantizedModel(const QuantizedModel&) = delete;
  QuantizedModel& operator=(const QuantizedModel&) = delete;

  // Restores the weights and removes the hooks; later calls do nothing.
  void restore();
  bool active() const { return active_; }
  const QuantConfig& config() const { return config_; }
  int quantizedWeightCount() const { return static_cast<int>(saved_.size()); }

 private:
  struct SavedWeight {
    at::Tensor* slot;
    at::Tensor original;
  };
  Model& model_;
  QuantConfig config_;
  std::vector<SavedWeight> saved_;
  std::shared_ptr<TensorHook> hook_;
  bool active_ = false;
};

// The K/V spec for a head dimension: a group longer than head_dim becomes one group per head and
// token (the spec's "group 128 with head_dim <= 128").
QuantSpec kvSpecForHeadDim(const QuantSpec& kv, int64_t headDim);

// The hook alone (activations of selected linears, K/V), for callers that manage weights themselves.
std::shared_ptr<TensorHook> makeFakeQuantHook(const QuantConfig& config);

}  // namespace qs
