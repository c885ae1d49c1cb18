#include "core/model/blocks.h"

#include <ATen/ATen.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/base/error.h"

namespace qs::blocks {

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  auto xf = x.to(at::kFloat);
  auto variance = xf.pow(2).mean(-1, /*keepdim=*/true);
  xf = xf * at::rsqrt(variance + eps);
  return weight * xf.to(x.scalar_type());
}

at::Tensor rmsNormPlusOne(const at::Tensor& x, const at::Tensor& weight, double eps) {
  auto xf = x.to(at::kFloat);
  xf = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return (xf * (1.0 + weight.to(at::kFloat))).to(x.scalar_type());
}

at::Tensor layerNorm(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps) {
  return at::layer_norm(x, {x.size(-1)}, weight, bias, eps);
}

at::Tensor norm(NormKind kind, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, double eps) {
  switch (kind) {
    case NormKind::RmsNorm: return rmsNorm(x, weight, eps);
    case NormKind::RmsNormPlusOne: return rmsNormPlusOne(x, weight, eps);
    case NormKind::LayerNorm: return layerNorm(x, weight, bias, eps);
  }
  return x;
}

at::Tensor activation(const at::Tensor& x, const std::string& name) {
  if (name == "silu" || name == "swish") return at::silu(x);
  if (name == "relu") return at::relu(x);
  if (name == "gelu") return at::gelu(x);
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast" || name == "bloom_gelu")
    return at::gelu(x, "tanh");
  throw Error("unsupported activation function \"" + name + "\"");
}

bool knownActivation(const std::string& name) {
  for (const char* n : {"silu", "swish", "relu", "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "bloom_gelu"})
    if (name == n) return true;
  return false;
}

at::Tensor positionsFromMask(const at::Tensor& fullMask, int64_t newTokens) {
  auto pos = fullMask.to(at::kLong).cumsum(1) - 1;
  pos = pos.clamp_min(0);
  return pos.narrow(1, pos.size(1) - newTokens, newTokens);
}

at::Tensor causalBias(const at::Tensor& fullMask, int64_t newTokens, c10::ScalarType dtype, int slidingWindow) {
  const int64_t T = fullMask.size(1);
  const int64_t past = T - newTokens;
  auto opts = at::TensorOptions().device(fullMask.device()).dtype(at::kLong);
  auto qpos = at::arange(past, T, opts).unsqueeze(1);  // [S, 1]
  auto kpos = at::arange(0, T, opts).unsqueeze(0);     // [1, T]
  auto visible = kpos <= qpos;  // [S, T]
  if (slidingWindow > 0) visible = visible & (kpos >= qpos - slidingWindow);
  auto allowed = visible.unsqueeze(0) & fullMask.to(at::kBool).unsqueeze(1);  // [B, S, T]
  double lowest = dtype == at::kFloat    ? std::numeric_limits<float>::lowest()
                  : dtype == at::kDouble ? std::numeric_limits<double>::lowest()
                  : dtype == at::kHalf   ? -65504.0
                                         : -3.3895313892515355e38;  // bfloat16
  auto bias = at::zeros(allowed.sizes(), at::TensorOptions().device(fullMask.device()).dtype(dtype));
  bias.masked_fill_(allowed.logical_not(), lowest);
  return bias.unsqueeze(1);
}

at::Tensor alibiSlopes(int64_t numHeads) {
  // Bloom's build_alibi_tensor: geometric slopes for the largest power of two <= H, then every
  // other slope of the next power of two for the remaining heads.
  const int64_t closest = int64_t{1} << static_cast<int64_t>(std::floor(std::log2(static_cast<double>(numHeads))));
  auto fopts = at::TensorOptions().dtype(at::kFloat);
  const double base = std::pow(2.0, -std::pow(2.0, -(std::log2(static_cast<double>(closest)) - 3)));
  auto slopes = at::pow(at::full({}, base, fopts), at::arange(1, 1 + closest, at::TensorOptions().dtype(at::kInt)));
  if (closest != numHeads) {
    const double extraBase = std::pow(2.0, -std::pow(2.0, -(std::log2(2.0 * static_cast<double>(closest)) - 3)));
    const int64_t remaining = std::min(closest, numHeads - closest);
    auto extra = at::pow(at::full({}, extraBase, fopts),
                         at::arange(1, 1 + 2 * remaining, 2, at::TensorOptions().dtype(at::kInt)));
    slopes = at::cat({slopes, extra});
  }
  return slopes;
}

at::Tensor alibiBias(const at::Tensor& fullMask, int64_t numHeads) {
  auto mask = fullMask.to(at::kLong);
  auto positions = ((mask.cumsum(-1) - 1) * mask).to(at::kFloat);  // [B, T]
  auto slopes = alibiSlopes(numHeads).to(fullMask.device());           // [H]
  return slopes.view({1, -1, 1, 1}) * positions.view({positions.size(0), 1, 1, -1});
}

Rotary rotaryTables(const at::Tensor& positions, int64_t rotaryDim, double theta, double linearScale,
                    c10::ScalarType dtype, bool interleaved) {
  auto fopts = at::TensorOptions().device(positions.device()).dtype(at::kFloat);
  // As Hugging Face: inv_freq from an int64 arange converted to float, then float32 throughout.
  auto invFreq = 1.0 / at::pow(theta, at::arange(0, rotaryDim, 2, fopts.dtype(at::kLong)).to(at::kFloat) /
                                          static_cast<double>(rotaryDim));
  auto pos = positions.to(at::kFloat);
  if (linearScale != 1.0) pos = pos / linearScale;
  auto freqs = pos.unsqueeze(-1) * invFreq.view({1, 1, -1});  // [B, S, R/2]
  auto emb = interleaved ? freqs : at::cat({freqs, freqs}, -1);
  return {emb.cos().to(dtype).unsqueeze(1), emb.sin().to(dtype).unsqueeze(1), interleaved};
}

at::Tensor applyRotary(const at::Tensor& x, const Rotary& r) {
  const int64_t rot = r.interleaved ? 2 * r.cos.size(-1) : r.cos.size(-1);
  if (rot < x.size(-1)) {
    auto rotated = applyRotary(x.narrow(-1, 0, rot), r);
    return at::cat({rotated, x.narrow(-1, rot, x.size(-1) - rot)}, -1);
  }
  if (r.interleaved) {
    auto shape = x.sizes().vec();
    shape.back() = rot / 2;
    shape.push_back(2);
    auto pairs = x.reshape(shape);
    auto x0 = pairs.select(-1, 0), x1 = pairs.select(-1, 1);
    return at::stack({x0 * r.cos - x1 * r.sin, x1 * r.cos + x0 * r.sin}, -1).flatten(-2);
  }
  const int64_t half = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, half);
  auto x2 = x.narrow(-1, half, half);
  auto rotated = at::cat({-x2, x1}, -1);
  return x * r.cos + rotated * r.sin;
}

at::Tensor splitHeads(const at::Tensor& x, int64_t heads, int64_t headDim) {
  return x.view({x.size(0), x.size(1), heads, headDim}).transpose(1, 2);
}

at::Tensor mergeHeads(const at::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

QkvParts splitQkv(const at::Tensor& fused, QkvLayout layout, int64_t H, int64_t G, int64_t D) {
  const bool isBias = fused.dim() == 1;
  const int64_t C = isBias ? 1 : fused.size(1);
  auto rows = [&](const at::Tensor& t, int64_t n) { return isBias ? t.reshape({n}) : t.reshape({n, C}); };
  switch (layout) {
    case QkvLayout::Separate:
      break;
    case QkvLayout::Concatenated:
      return {fused.narrow(0, 0, H * D).contiguous(), fused.narrow(0, H * D, G * D).contiguous(),
              fused.narrow(0, (H + G) * D, G * D).contiguous()};
    case QkvLayout::PerHead: {
      auto t = fused.reshape({H, 3, D, C});
      return {rows(t.select(1, 0).contiguous(), H * D), rows(t.select(1, 1).contiguous(), H * D),
              rows(t.select(1, 2).contiguous(), H * D)};
    }
    case QkvLayout::PerKvGroup: {
      const int64_t perGroup = H / G;
      auto t = fused.reshape({G, perGroup + 2, D, C});
      return {rows(t.narrow(1, 0, perGroup).contiguous(), H * D), rows(t.select(1, perGroup).contiguous(), G * D),
              rows(t.select(1, perGroup + 1).contiguous(), G * D)};
    }
  }
  throw Error("splitQkv: the q/k/v tensors are separate in this layout");
}

namespace {

at::Tensor attendAll(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                     double scale) {
  const int64_t B = q.size(0), H = q.size(1), S = q.size(2), D = q.size(3);
  const int64_t G = k.size(1), T = k.size(2);
  const int64_t rep = H / G;
  // Group the query heads that share a K/V head instead of copying K/V rep times:
  // q [B, G, rep*S, D] against k [B, G, T, D].
  auto qg = q.reshape({B, G, rep * S, D});
  auto scores = at::matmul(qg, k.transpose(-1, -2));  // [B, G, rep*S, T]
  scores = scores.view({B, H, S, T});
  if (scale != 1.0) scores.mul_(scale);
  scores.add_(bias);
  auto probs = q.scalar_type() == at::kFloat ? at::softmax(scores, -1)
                                             : at::softmax(scores, -1, at::kFloat).to(q.scalar_type());
  auto out = at::matmul(probs.view({B, G, rep * S, T}), v);  // [B, G, rep*S, D]
  return out.view({B, H, S, D});
}

// Query rows per block of the causal path: small enough that the masked upper triangle a block
// still computes is a small share, large enough that each block's matmuls run near peak.
constexpr int64_t kQueryBlock = 256;

}  // namespace

// libtorch's fused scaled-dot-product attention exists from 2.0, its `scale` argument from 2.1.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define QS_HAVE_FUSED_SDPA 1
#else
#define QS_HAVE_FUSED_SDPA 0
#endif

bool fusedAttentionAvailable() { return QS_HAVE_FUSED_SDPA != 0; }

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                     double scale) {
  const int64_t S = q.size(2), T = k.size(2);
#if QS_HAVE_FUSED_SDPA
  // On a GPU the fused kernel never materialises the [B, H, S, T] scores, which at 2048 tokens
  // would be most of the attention's memory traffic. The CPU keeps the blockwise path below: it is
  // tuned for these cores and is the one the golden tests pin down. Grouped K/V heads are expanded
  // (the kernel's own GQA flag is newer than 2.1); the additive bias carries the causal, padding,
  // window and ALiBi terms exactly as in attendAll.
  if (q.is_cuda()) {
    const int64_t B = q.size(0), H = q.size(1), G = k.size(1), D = q.size(3);
    at::Tensor kk = k, vv = v;
    if (G != H) {
      kk = k.unsqueeze(2).expand({B, G, H / G, T, D}).reshape({B, H, T, D});
      vv = v.unsqueeze(2).expand({B, G, H / G, T, D}).reshape({B, H, T, D});
    }
    return at::scaled_dot_product_attention(q, kk, vv, bias.to(q.scalar_type()), 0.0, false, scale);
  }
#endif
  if (S < 2 * kQueryBlock) return attendAll(q, k, v, bias, scale);
  // Long prompts: the bias is causal, so the queries of block [s0, s1) see no key at or after
  // absolute position T - S + s1. Each block attends to its visible prefix only, which skips most
  // of the masked half of the square (for S = T = 2048, 56% of the full square's work).
  // Those keys would get weight exactly 0, so a token's result is the full computation's (only a
  // padding query, which sees no key, averages a shorter prefix; its output is never read).
  std::vector<at::Tensor> blocks;
  for (int64_t s0 = 0; s0 < S; s0 += kQueryBlock) {
    const int64_t rows = std::min(kQueryBlock, S - s0);
    const int64_t keys = T - S + s0 + rows;
    blocks.push_back(attendAll(q.narrow(2, s0, rows), k.narrow(2, 0, keys), v.narrow(2, 0, keys),
                               bias.narrow(2, s0, rows).narrow(3, 0, keys), scale));
  }
  return at::cat(blocks, 2);
}

}  // namespace qs::blocks
