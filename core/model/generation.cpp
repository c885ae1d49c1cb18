#include "core/model/generation.h"

#include <ATen/ATen.h>

#include "core/base/error.h"
#include "core/model/model.h"

namespace qs {

std::vector<int64_t> greedyGenerate(Model& model, const std::vector<int64_t>& prompt, const GreedyOptions& options) {
  if (prompt.empty()) throw Error("generate: the prompt has no tokens");
  std::vector<int64_t> out;
  auto state = model.makeState();
  at::Tensor step = at::tensor(prompt, at::kLong).unsqueeze(0);
  for (int i = 0; i < options.maxNewTokens; ++i) {
    if (state->length() + step.size(1) > model.capabilities().contextLimit) break;
    at::Tensor logits = model.forward(step, {}, state.get());
    const int64_t next = logits[0][-1].argmax().item<int64_t>();
    out.push_back(next);
    if (next == options.eosTokenId) break;
    if (options.stop && options.stop(out)) break;
    step = at::full({1, 1}, next, at::kLong);
  }
  return out;
}

}  // namespace qs
