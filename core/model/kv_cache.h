#pragma once
// The attention KV cache for incremental decoding. Attention writes K (after RoPE) and V through
// append(); the K/V hook points run just before, so a quantized cache holds quantized values.
#include <ATen/core/Tensor.h>

#include <vector>

#include "core/model/decode_state.h"

namespace qs {

class KvCache : public DecodeState {
 public:
  explicit KvCache(int numLayers = 0) : keys_(numLayers), values_(numLayers) {}

  // k, v: [batch, kv_heads, new_seq, head_dim]. Returns the full cached K and V for the layer.
  std::pair<at::Tensor, at::Tensor> append(int layer, const at::Tensor& k, const at::Tensor& v);

  void clear() override;
  std::unique_ptr<DecodeState> selectRows(const at::Tensor& rows) const override;
  int numLayers() const { return static_cast<int>(keys_.size()); }

 private:
  std::vector<at::Tensor> keys_;
  std::vector<at::Tensor> values_;
};

}  // namespace qs
