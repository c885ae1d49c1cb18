#pragma once
// QuaRot (Ashkboos et al. 2024), simulated in the original basis. QuaRot folds every RMSNorm's
// weight into the linears it feeds (the norm becomes x / rms(x), which commutes with a rotation),
// rotates the residual stream by a random orthogonal Q and the MLP's inner activations by H, and
// quantizes the rotated weights and activations. Here the residual stream is never rewritten:
//   a linear reading the normed residual (q/k/v, gate/up, router, lm_head):
//       W~ = q_w(W Q) Q^T        and its input      q_a(x Q) Q^T
//   a linear writing into the residual (o_proj, down_proj / fc2, the experts' down projections):
//       W~ = Q q_w(Q^T W H) H^T  and its input      q_a(x H) H^T
//   (H: a rotation of the linear's input width: QuaRot's online Hadamard before down_proj and its
//   head-wise one before o_proj), and keys and values      q_kv(k R) R^T   (R: head_dim)
// so y = q_a(x Q) q_w(W Q)^T is exactly the rotated model's quantized product, every family whose
// norms fold can take it, and the linears that are not quantized stay as they are.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <map>
#include <tuple>

#include "core/model/model.h"
#include "quant/quant_config.h"

namespace qs {

// (layer, role, expert) of a linear, as its hook point names it.
using LinearKey = std::tuple<int, TensorRole, int>;

// The key of the K/V-cache rotation in QuaRotResult::inputRotations: one head_dim x head_dim R for
// the keys and values of every layer, quantized per head as q_kv(k R) R^T. In QuaRot the keys are
// rotated online after RoPE (queries alike, so q k^T is unchanged) and the values through v_proj
// and o_proj; rotating back at once simulates both in the original basis.
inline const LinearKey kKvRotationKey{-1, TensorRole::KProj, -1};

struct QuaRotResult {
  // R of each linear whose input the activation hook quantizes as q_a(x R) R^T, and the K/V
  // rotation under kKvRotationKey when the configuration quantizes the KV cache.
  std::map<LinearKey, at::Tensor> inputRotations;
  int quantizedWeights = 0;
};

// q_w of one linear's weight, given in the rotated basis (default: fakeQuantize with the
// configuration's spec for the linear). Tests pass the identity to check the rotation alone.
using RotatedWeightQuantizer = std::function<at::Tensor(const LinearWeight&, const at::Tensor&)>;

// Folds the norms that feed a selected linear, and replaces every selected linear's weight by W~
// (by assignment; the caller saves the norms and linears first). Throws qs::Error naming the family
// when its norms are LayerNorms or it has none to fold (Mamba), before changing anything.
QuaRotResult applyQuaRot(Model& model, const QuantConfig& config, uint64_t seed,
                         const RotatedWeightQuantizer& quantize = {});

}  // namespace qs
