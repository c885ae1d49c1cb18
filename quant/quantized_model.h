#pragma once
// Applying a QuantConfig to a loaded Model: the method's transform first (SmoothQuant and AWQ fold
// scales into norms and weights, GPTQ quantizes the weights itself; all from calibration token
// sequences; QuaRot rotates and quantizes the weights itself and needs no calibration), then round-to-nearest fake quantization of the selected linear weights (not again
// for GPTQ's), and hooks that fake-quantize the inputs of those linears and the K/V states at
// every call. Destroying the object (or restore()) puts the original weights and norms back (kept
// in memory, the checkpoint is not read again) and removes the hooks.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "core/model/hooks.h"
#include "quant/method_transform.h"
#include "quant/quant_config.h"

namespace qs {

class Model;

class QuantizedModel {
 public:
  // calibration: token sequences [N, L] for awq, smoothquant and gptq (ignored by rtn and quarot).
  // rotationSeed: the seed of quarot's random rotations (callers pass their calibration seed).
  // Throws qs::Error naming the tensor when a spec does not fit it (e.g. a group size that does
  // not divide a weight's input dimension), or when a method has no calibration or cannot serve
  // this model, leaving the model as it was.
  // cached: the transform a previous QuantizedModel of the same model and configuration computed
  // on the same calibration (methodTransform()); applied instead of computing it, after checking
  // that it fits this model (else qs::Error, the model left as it was).
  QuantizedModel(Model& model, const QuantConfig& config, const at::Tensor& calibration = {},
                 uint64_t rotationSeed = 0, const MethodTransform* cached = nullptr);
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
  uint64_t rotationSeed() const { return rotationSeed_; }
  // The method's transform (empty for rtn): to be saved for the next sweep. Shares the model's
  // tensors, no copy.
  const MethodTransform& methodTransform() const { return transform_; }
  bool transformFromCache() const { return fromCache_; }

 private:
  struct SavedWeight {
    at::Tensor* slot;
    at::Tensor original;
  };
  Model& model_;
  QuantConfig config_;
  void applyMethod(const at::Tensor& calibration, const MethodTransform* cached);
  void applyCached(const MethodTransform& cached);
  void quantizeWeights();

  std::vector<SavedWeight> saved_;  // every tensor replaced, with its original
  int quantized_ = 0;
  double methodSeconds_ = 0;
  uint64_t rotationSeed_ = 0;
  // quarot: the rotation R of each linear (layer, role, expert) whose input is quantized as q_a(x R) R^T.
  std::map<std::tuple<int, TensorRole, int>, at::Tensor> inputRotations_;
  MethodTransform transform_;
  bool fromCache_ = false;
  std::shared_ptr<TensorHook> hook_;
  bool active_ = false;
};

// The K/V spec for a head dimension: a group longer than head_dim becomes one group per head and
// token (the spec's "group 128 with head_dim <= 128").
QuantSpec kvSpecForHeadDim(const QuantSpec& kv, int64_t headDim);

// The hook alone (activations of selected linears, K/V), for callers that manage weights themselves.
std::shared_ptr<TensorHook> makeFakeQuantHook(const QuantConfig& config);

}  // namespace qs
