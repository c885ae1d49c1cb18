#pragma once
// The attention KV cache for incremental decoding. Attention writes K (after RoPE) and V through
// append(); the K/V hook points run just before, so a quantized cache holds quantized values.
#include <ATen/core/Tensor.h>

#include <vector>

namespace qs {

class KvCache {
 public:
  explicit KvCache(int numLayers = 0) : keys_(numLayers), values_(numLayers) {}

  // k, v: [batch, kv_heads, new_seq, head_dim]. Returns the full cached K and V for the layer.
  std::pair<at::Tensor, at::Tensor> append(int layer, const at::Tensor& k, const at::Tensor& v);

  // Tokens cached so far (the same for every layer once a forward step completes).
  int64_t length() const { return mask_.defined() ? mask_.size(1) : 0; }
  // [batch, cached_len] attention mask of the cached tokens (1 = real, 0 = padding).
  const at::Tensor& mask() const { return mask_; }

  // Called by the model once per forward step: the mask of everything cached so far.
  void commitStep(const at::Tensor& fullMask) { mask_ = fullMask; }
  void clear();
  int numLayers() const { return static_cast<int>(keys_.size()); }

 private:
  std::vector<at::Tensor> keys_;
  std::vector<at::Tensor> values_;
  at::Tensor mask_;
};

}  // namespace qs
