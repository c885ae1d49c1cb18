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

std::unique_ptr<DecodeState> KvCache::selectRows(const at::Tensor& rows) const {
  auto out = std::make_unique<KvCache>(numLayers());
  if (length() == 0) return out;
  for (size_t l = 0; l < keys_.size(); ++l) {
    if (!keys_[l].defined()) continue;
    out->keys_[l] = keys_[l].index_select(0, rows.to(keys_[l].device()));
    out->values_[l] = values_[l].index_select(0, rows.to(values_[l].device()));
  }
  out->commitStep(mask().index_select(0, rows.to(mask().device())));
  return out;
}

void KvCache::clear() {
  for (auto& k : keys_) k = at::Tensor();
  for (auto& v : values_) v = at::Tensor();
  DecodeState::clear();
}

}  // namespace qs
