#pragma once
// Rolling windows for perplexity, as lm-evaluation-harness cuts them: every token is predicted
// exactly once; the first window predicts from a prefix token (BOS), later windows predict at
// most maxSeqLen - contextLen + 1 new tokens each and fill the rest of the window with as much
// preceding text as fits.
#include <vector>

namespace qs {

struct TokenWindow {
  std::vector<int> input;      // model input (predictions are for input[1:] + one more)
  std::vector<int> predicted;  // the tokens this window scores
};

// Throws qs::Error unless 1 <= contextLen <= maxSeqLen. An empty token list yields no windows.
std::vector<TokenWindow> rollingTokenWindows(const std::vector<int>& tokens, int prefixToken, int maxSeqLen,
                                             int contextLen);

// Splits a window into a context and the predicted tokens so that context + predicted has no
// overlap: {input[:len(input) - (len(predicted) - 1)], predicted}.
TokenWindow disjointWindow(const TokenWindow& window);

}  // namespace qs
