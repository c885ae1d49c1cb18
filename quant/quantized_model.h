#pragma once
// Applying a QuantConfig to a loaded Model: the method's transform first (SmoothQuant and AWQ fold
// scales into norms and weights, GPTQ quantizes the weights itself; all from calibration token
// sequences), then round-to-nearest fake quantization of the selected linear weights (not again
// for GPTQ's), and hooks that fake-quantize the inputs of those linears and the K/V states at
// every call. Destroying the object (or restore()) puts the original weights and norms back (kept
// in memory, the checkpoint is not read again) and removes the hooks.
#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

#include "core/model/hooks.h"
#include "quant/quant_config.h"

namespace qs {

class Model;

class QuantizedModel {
 public:
  // calibration: token sequences [N, L] for methods other than "rtn" (ignored by rtn).
  // Throws qs::Error naming the tensor when a spec does not fit it (e.g. a group size that does
  // not divide a weight's input dimension), or when a method has no calibration or cannot serve
  // this model, leaving the model as it was.
  QuantizedModel(Model& model, const QuantConfig& config, const at::Tensor& calibration = {});
  ~QuantizedModel();
  QuantizedModel(const QuantizedModel&) = delete;
  QuantizedModel& operator=(const QuantizedModel&) = delete;

  // Restores the weights and removes the hooks; later calls do nothing.
  void restore();
  bool active() const { return active_; }
  const QuantConfig& config() const { return config_; }
  int quantizedWeightCount() const { return quantized_; }
  // Seconds spent in the method's transform (0 for rtn), apart from the quantization itself.
  double methodSeconds() const { return methodSeconds_; }

 private:
  struct SavedWeight {
    at::Tensor* slot;
    at::Tensor original;
  };
  Model& model_;
  QuantConfig config_;
  void applyMethod(const at::Tensor& calibration);
  void quantizeWeights();

  std::vector<SavedWeight> saved_;  // every tensor replaced, with its original
  int quantized_ = 0;
  double methodSeconds_ = 0;
  std::shared_ptr<TensorHook> hook_;
  bool active_ = false;
};

// The K/V spec for a head dimension: a group longer than head_dim becomes one group per head and
// token (the spec's "group 128 with head_dim <= 128").
QuantSpec kvSpecForHeadDim(const QuantSpec& kv, int64_t headDim);

// The hook alone (activations of selected linears, K/V), for callers that manage weights themselves.
std::shared_ptr<TensorHook> makeFakeQuantHook(const QuantConfig& config);

}  // namespace qs
