#pragma once
// Perplexity under the "concatenated" protocol of GPTQ / AWQ and the quantization literature:
// tokenize the text once, cut it into non-overlapping windows of L tokens, drop the remainder,
// perplexity = exp(mean next-token NLL over all windows).
#include <cstdint>
#include <functional>
#include <vector>

namespace qs {

class Model;

struct PerplexityResult {
  double perplexity = 0;
  double meanNll = 0;
  double nllStderr = 0;  // standard error of the mean window NLL (windows as samples)
  int64_t windows = 0;
  int64_t tokensScored = 0;  // predicted tokens: windows * (L - 1)
  int64_t tokensDropped = 0;
  double seconds = 0;
  double tokensPerSecond = 0;  // forward tokens per second
};

// progress(windowsDone, windowsTotal) may throw qs::Cancelled to stop.
PerplexityResult concatenatedPerplexity(Model& model, const std::vector<int64_t>& tokens, int64_t windowLength,
                                        int64_t maxWindows = 0, int64_t batchSize = 1,
                                        const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace qs
