#pragma once
// The decode state of a selective state-space model (Mamba): per layer the last kernel-1 inputs of
// the causal convolution and the SSM state, so each new token costs one step, not the prefix.
#include <ATen/core/Tensor.h>

#include <vector>

#include "core/model/decode_state.h"

namespace qs {

class SsmState : public DecodeState {
 public:
  explicit SsmState(int numLayers = 0) : conv(numLayers), ssm(numLayers) {}

  std::vector<at::Tensor> conv;  // [batch, channels, kernel - 1]; undefined before the first step
  std::vector<at::Tensor> ssm;   // [batch, channels, state] float32

  void clear() override;
  std::unique_ptr<DecodeState> selectRows(const at::Tensor& rows) const override;
};

}  // namespace qs
