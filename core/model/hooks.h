#pragma once
// Hook points: every linear layer's input and the attention K/V (after RoPE, before the cache)
// pass through HookSet::run. quant/ installs hooks here for fake quantization and statistics.
// With no hook installed, run() is never called (the model checks empty() first).
#include <memory>
#include <vector>

#include "core/model/tensor_role.h"

namespace at {
class Tensor;
}

namespace qs {

struct HookPoint {
  int layer = -1;  // decoder layer index; -1 for tensors outside the layers (lm_head)
  TensorRole role = TensorRole::QProj;
  TensorKind kind = TensorKind::Activation;
  int expert = -1;  // mixture-of-experts expert index, -1 otherwise
};

class TensorHook {
 public:
  virtual ~TensorHook() = default;
  // May replace `x` (a fake-quantized copy) or only read it (statistics).
  virtual void operator()(const HookPoint& point, at::Tensor& x) = 0;
};

class HookSet {
 public:
  void add(std::shared_ptr<TensorHook> hook) { hooks_.push_back(std::move(hook)); }
  void remove(const TensorHook* hook) {
    std::erase_if(hooks_, [&](const auto& h) { return h.get() == hook; });
  }
  void clear() { hooks_.clear(); }
  bool empty() const { return hooks_.empty(); }
  void run(const HookPoint& point, at::Tensor& x) const {
    for (const auto& h : hooks_) (*h)(point, x);
  }

 private:
  std::vector<std::shared_ptr<TensorHook>> hooks_;
};

}  // namespace qs
