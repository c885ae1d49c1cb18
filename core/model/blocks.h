#pragma once
// Shared building blocks of the forward passes. Shapes: B batch, S new tokens, T = past + S keys,
// H query heads, G kv heads, D head dim, C hidden size.
#include <ATen/core/Tensor.h>

#include <string>

#include "core/model/model_config.h"

namespace qs::blocks {

// LLaMA RMSNorm: computed in float32, weight applied in the input dtype (as Hugging Face does).
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);
// Gemma RMSNorm: x / rms(x) * (1 + w), all in float32, then back to the input dtype.
at::Tensor rmsNormPlusOne(const at::Tensor& x, const at::Tensor& weight, double eps);
at::Tensor layerNorm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps);
// The norm of a NormKind (bias only for LayerNorm, and may be undefined).
at::Tensor norm(NormKind kind, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps);

// "silu", "relu", "gelu" (erf), "gelu_new" / "gelu_pytorch_tanh" / "bloom_gelu" (tanh approximation).
at::Tensor activation(const at::Tensor& x, const std::string& name);
// True when activation() knows the name (config readers check it before any forward).
bool knownActivation(const std::string& name);

// Position ids [B, S] of the new tokens from the full mask [B, T] (1 = token): the count of real
// tokens before each one, so left padding does not shift positions. Padding gets 0.
at::Tensor positionsFromMask(const at::Tensor& fullMask, int64_t newTokens);

// Additive attention bias [B, 1, S, T]: 0 where query i (absolute position T-S+i) may see key j
// (j <= that position, key j is a token and, with a sliding window W > 0, j >= position - W), the
// dtype's lowest value elsewhere (never -inf, so a query with no visible key gets a uniform row
// instead of NaN).
at::Tensor causalBias(const at::Tensor& fullMask, int64_t newTokens, c10::ScalarType dtype, int slidingWindow = 0);

// ALiBi slopes of Bloom's build_alibi_tensor (also Falcon's): [H] float32, with the interleaved
// extra slopes when H is not a power of two.
at::Tensor alibiSlopes(int64_t numHeads);
// ALiBi bias [B, H, 1, T] = slope_h * (count of real tokens before key j), float32. Softmax is
// shift-invariant per row, so key positions stand in for relative distances.
at::Tensor alibiBias(const at::Tensor& fullMask, int64_t numHeads);

struct Rotary {
  at::Tensor cos;  // [B, 1, S, R], or [B, 1, S, R/2] (one per pair) when interleaved
  at::Tensor sin;
  bool interleaved = false;
};
// Rotary tables of R = rotaryDim dimensions for positions [B, S]; linearScale divides positions
// (LongChat's rope_scaling).
Rotary rotaryTables(const at::Tensor& positions, int64_t rotaryDim, double theta, double linearScale,
                    c10::ScalarType dtype, bool interleaved = false);
// x [B, H, S, D]: its first R dimensions rotated, the other D - R pass through (partial rotary,
// StableLM, ChatGLM). Half-split convention (rotate_half) of Hugging Face LLaMA, or interleaved
// pairs (x[2i], x[2i+1]) as ChatGLM rotates them.
at::Tensor applyRotary(const at::Tensor& x, const Rotary& r);

// [B, S, C] -> [B, heads, S, D]
at::Tensor splitHeads(const at::Tensor& x, int64_t heads, int64_t headDim);
// [B, H, S, D] -> [B, S, H*D]
at::Tensor mergeHeads(const at::Tensor& x);

struct QkvParts {
  at::Tensor q, k, v;  // [H*D, C], [G*D, C], [G*D, C] (or the matching biases)
};
// Splits a fused query_key_value weight [rows, C] or bias [rows] into q, k, v in the given layout.
QkvParts splitQkv(const at::Tensor& fused, QkvLayout layout, int64_t heads, int64_t kvHeads, int64_t headDim);

// Scaled dot-product attention with grouped K/V: q [B,H,S,D], k/v [B,G,T,D], bias [B,1 or H,S,T].
// scale multiplies q k^T. Softmax in float32. The bias must be causal (causalBias: query i never
// sees a key after absolute position T-S+i): long prompts skip the keys it masks.
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                     double scale);
// Whether CUDA tensors go through libtorch's fused scaled_dot_product_attention (libtorch >= 2.1);
// otherwise, and always on the CPU, attention runs the blockwise path.
bool fusedAttentionAvailable();

}  // namespace qs::blocks
