#pragma once
// The demo model as autograd tensors: a LLaMA (RMSNorm, RoPE, SwiGLU, GQA) or OPT (learned
// positions, pre-LayerNorm, ReLU MLP, tied lm_head) forward written with plain torch ops, its
// parameters named and shaped by qs::tensorLayout (the family tables), so the exported
// checkpoint is exactly what QuantScope's loader expects.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/model/model_config.h"
#include "core/model/tensor_layout.h"

namespace qs::demo {

class TrainableModel {
 public:
  // Weights N(0, 0.02) (output projections scaled by 1/sqrt(2 * layers), as GPT-2), norms at one,
  // biases at zero. Deterministic in the seed.
  TrainableModel(const ModelConfig& config, uint64_t seed);

  // input ids [B, T] (int64) -> logits [B, T, V]; positions 0..T-1, causal attention.
  at::Tensor forward(const at::Tensor& ids) const;

  const ModelConfig& config() const { return config_; }
  // Hugging Face name -> parameter, in tensorLayout order.
  const std::vector<std::pair<std::string, at::Tensor>>& named() const { return named_; }
  // Matrices get weight decay; norms, biases and the position table do not.
  std::vector<at::Tensor> decayed() const;
  std::vector<at::Tensor> notDecayed() const;
  int64_t parameterCount() const;

 private:
  at::Tensor forwardLlama(const at::Tensor& ids) const;
  at::Tensor forwardOpt(const at::Tensor& ids) const;
  at::Tensor attention(const at::Tensor& x, int layer, const at::Tensor& rotCos, const at::Tensor& rotSin) const;
  const at::Tensor& weight(TensorRole role, int layer) const;
  at::Tensor bias(TensorRole role, int layer) const;  // undefined when the layout has none

  ModelConfig config_;
  std::vector<TensorSpec> specs_;
  std::vector<std::pair<std::string, at::Tensor>> named_;
  std::map<std::tuple<int, int, bool>, size_t> index_;  // (role, layer, isBias) -> named_ index
};

}  // namespace qs::demo
