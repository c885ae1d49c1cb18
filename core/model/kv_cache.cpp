#include "core/model/kv_cache.h"

#include <ATen/ATen.h>

namespace qs {

std::pair<at::Tensor, at::Tensor> KvCache::append(int layer, const at::Tensor& k, const at::Tensor& v) {
  auto& K = keys_.at(layer);
  auto& V = values_.at(layer);
  // Concatenation per step is O(n^2) over a generation but simple; generations here are short.
  K = K.defined() ? at::cat({K, k}, 2) : k;
  V = V.defined() ? at::cat({V, v}, 2) : v;
  return {K, V};
}

void KvCache::clear() {
  for (auto& k : keys_) k = at::Tensor();
  for (auto& v : values_) v = at::Tensor();
  DecodeState::clear();
}

}  // namespace qs
