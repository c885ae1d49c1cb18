#pragma once
// What a model carries from one forward step to the next in incremental decoding. Attention
// families keep a KV cache (core/model/kv_cache.h); a state-space family keeps its conv and SSM
// states behind the same interface.
#include <ATen/core/Tensor.h>

#include <memory>

namespace qs {

class DecodeState {
 public:
  virtual ~DecodeState() = default;
  // Tokens processed so far (padding included).
  int64_t length() const { return mask_.defined() ? mask_.size(1) : 0; }
  // [batch, length] attention mask of everything processed (1 = real token, 0 = padding).
  const at::Tensor& mask() const { return mask_; }
  // Called by the model once per forward step with the mask of everything processed so far.
  void commitStep(const at::Tensor& fullMask) { mask_ = fullMask; }
  virtual void clear() { mask_ = at::Tensor(); }
  // A new state holding only the given batch rows (int64 indices), in that order: the request
  // engine forks a shared prefix into its continuations this way.
  virtual std::unique_ptr<DecodeState> selectRows(const at::Tensor& rows) const = 0;

 private:
  at::Tensor mask_;
};

// What a model can do, for callers that must refuse what it cannot (a KV-quantized configuration
// on a model without a KV cache) or stop at its limit (generation past the context).
struct ModelCapabilities {
  bool hasKvCache = true;
  int contextLimit = 0;  // positions the model can attend to
};

}  // namespace qs
