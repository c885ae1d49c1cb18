#pragma once
// Greedy decoding with the KV cache.
#include <cstdint>
#include <functional>
#include <vector>

namespace qs {

class Model;

struct GreedyOptions {
  int maxNewTokens = 32;
  int eosTokenId = -1;  // stop after emitting it (it is included); -1 = never
  // Called with the tokens generated so far; returning true stops generation.
  std::function<bool(const std::vector<int64_t>&)> stop;
};

// Returns only the new tokens. The prompt is run once; each new token is one cached step.
std::vector<int64_t> greedyGenerate(Model& model, const std::vector<int64_t>& prompt, const GreedyOptions& options);

}  // namespace qs
