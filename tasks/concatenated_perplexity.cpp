#include "tasks/concatenated_perplexity.h"

#include <ATen/ATen.h>

#include <chrono>
#include <cmath>

#include "core/base/error.h"
#include "core/model/model.h"

namespace qs {

PerplexityResult concatenatedPerplexity(Model& model, const std::vector<int64_t>& tokens, int64_t windowLength,
                                        int64_t maxWindows, int64_t batchSize,
                                        const std::function<void(int64_t, int64_t)>& progress) {
  if (windowLength < 2) throw Error("perplexity: the window length must be at least 2 tokens");
  if (windowLength > model.capabilities().contextLimit)
    throw Error("perplexity: window of " + std::to_string(windowLength) + " tokens exceeds the model's " +
                std::to_string(model.config().maxPositions) + " positions");
  int64_t windows = static_cast<int64_t>(tokens.size()) / windowLength;
  if (windows == 0)
    throw Error("perplexity: the text has " + std::to_string(tokens.size()) +
                " tokens, fewer than one window of " + std::to_string(windowLength));
  if (maxWindows > 0) windows = std::min(windows, maxWindows);
  batchSize = std::max<int64_t>(1, batchSize);

  PerplexityResult r;
  r.windows = windows;
  r.tokensDropped = static_cast<int64_t>(tokens.size()) - windows * windowLength;
  auto all = at::tensor(tokens, at::kLong);
  std::vector<double> windowNll;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t w = 0; w < windows; w += batchSize) {
    const int64_t n = std::min(batchSize, windows - w);
    auto ids = all.narrow(0, w * windowLength, n * windowLength).view({n, windowLength});
    auto logits = model.forward(ids);  // [n, L, V] float32
    auto logp = at::log_softmax(logits.narrow(1, 0, windowLength - 1), -1);
    auto target = ids.narrow(1, 1, windowLength - 1).to(logp.device()).unsqueeze(-1);
    auto nll = -logp.gather(-1, target).squeeze(-1).to(at::kDouble).mean(1);  // [n]
    for (int64_t i = 0; i < n; ++i) windowNll.push_back(nll[i].item<double>());
    if (progress) progress(w + n, windows);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double sum = 0;
  for (double v : windowNll) sum += v;
  r.meanNll = sum / windowNll.size();
  double var = 0;
  for (double v : windowNll) var += (v - r.meanNll) * (v - r.meanNll);
  r.nllStderr = windowNll.size() > 1 ? std::sqrt(var / (windowNll.size() - 1) / windowNll.size()) : 0.0;
  r.perplexity = std::exp(r.meanNll);
  r.tokensScored = windows * (windowLength - 1);
  r.tokensPerSecond = r.seconds > 0 ? windows * windowLength / r.seconds : 0;
  return r;
}

}  // namespace qs
