#include "tasks/rolling_windows.h"

#include <algorithm>
#include <string>

#include "core/base/error.h"

namespace qs {

std::vector<TokenWindow> rollingTokenWindows(const std::vector<int>& tokens, int prefixToken, int maxSeqLen,
                                             int contextLen) {
  if (contextLen < 1 || contextLen > maxSeqLen)
    throw Error("rolling windows need 1 <= context length <= window length, got context " +
                std::to_string(contextLen) + " and window " + std::to_string(maxSeqLen));
  std::vector<TokenWindow> out;
  if (tokens.empty()) return out;
  const int64_t n = static_cast<int64_t>(tokens.size());
  const int64_t predLen = maxSeqLen - contextLen + 1;
  const int64_t firstLen = std::min<int64_t>(maxSeqLen, n);
  TokenWindow first;
  first.input.push_back(prefixToken);
  first.input.insert(first.input.end(), tokens.begin(), tokens.begin() + (firstLen - 1));
  first.predicted.assign(tokens.begin(), tokens.begin() + firstLen);
  out.push_back(std::move(first));
  int64_t predicted = firstLen;
  while (predicted < n) {
    int64_t windowPred = std::min(n - predicted, predLen);
    int64_t windowEnd = predicted + windowPred;
    TokenWindow w;
    w.input.assign(tokens.begin() + (windowEnd - maxSeqLen - 1), tokens.begin() + (windowEnd - 1));
    w.predicted.assign(tokens.begin() + (windowEnd - windowPred), tokens.begin() + windowEnd);
    out.push_back(std::move(w));
    predicted += windowPred;
  }
  return out;
}

TokenWindow disjointWindow(const TokenWindow& window) {
  TokenWindow out;
  size_t keep = window.input.size() - (window.predicted.size() - 1);
  out.input.assign(window.input.begin(), window.input.begin() + keep);
  out.predicted = window.predicted;
  return out;
}

}  // namespace qs
