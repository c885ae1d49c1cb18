#pragma once
// Shared building blocks of the forward passes. Shapes: B batch, S new tokens, T = past + S keys,
// H query heads, G kv heads, D head dim, C hidden size.
#include <ATen/core/Tensor.h>

#include <string>

namespace qs::blocks {

// LLaMA RMSNorm: computed in float32, weight applied in the input dtype (as Hugging Face does).
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);
at::Tensor layerNorm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps);

// "silu", "relu", "gelu" (erf), "gelu_new" / "gelu_pytorch_tanh" (tanh approximation).
at::Tensor activation(const at::Tensor& x, const std::string& name);

// Position ids [B, S] of the new tokens from the full mask [B, T] (1 = token): the count of real
// tokens before each one, so left padding does not shift positions. Padding gets 0.
at::Tensor positionsFromMask(const at::Tensor& fullMask, int64_t newTokens);

// Additive attention bias [B, 1, S, T]: 0 where query i (absolute position T-S+i) may see key j
// (j <= that position and key j is a token), the dtype's lowest value elsewhere (never -inf, so a
// query with no visible key gets a uniform row instead of NaN).
at::Tensor causalBias(const at::Tensor& fullMask, int64_t newTokens, c10::ScalarType dtype);

struct Rotary {
  at::Tensor cos;  // [B, 1, S, D]
  at::Tensor sin;
};
// Rotary tables for positions [B, S]; linearScale divides positions (LongChat's rope_scaling).
Rotary rotaryTables(const at::Tensor& positions, int64_t headDim, double theta, double linearScale,
                    c10::ScalarType dtype);
// x [B, H, S, D] rotated by the half-split convention (rotate_half) of Hugging Face LLaMA.
at::Tensor applyRotary(const at::Tensor& x, const Rotary& r);

// [B, S, C] -> [B, heads, S, D]
at::Tensor splitHeads(const at::Tensor& x, int64_t heads, int64_t headDim);
// [B, H, S, D] -> [B, S, H*D]
at::Tensor mergeHeads(const at::Tensor& x);

// Scaled dot-product attention with grouped K/V: q [B,H,S,D], k/v [B,G,T,D], bias [B,1,S,T].
// scale multiplies q k^T. Softmax in float32. The bias must be causal (causalBias: query i never
// sees a key after absolute position T-S+i): long prompts skip the keys it masks.
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                     double scale);

}  // namespace qs::blocks
