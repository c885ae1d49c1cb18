#pragma once
// The three request types the engine serves. Multiple choice expands into loglikelihood requests
// that share a context.
#include <cstdint>
#include <string>
#include <vector>

namespace qs {

enum class RequestType { Loglikelihood, RollingLoglikelihood, GenerateUntil };

struct Request {
  RequestType type = RequestType::Loglikelihood;
  // Loglikelihood: context and continuation. Rolling: `context` is the whole text.
  // Generation: `context` is the prompt.
  std::string context;
  std::string continuation;
  // Pre-tokenized requests (e.g. perplexity windows cut from one long token stream) set this and
  // fill the ids; the text fields are then ignored. Context ids may be empty (BOS is not added).
  bool pretokenized = false;
  std::vector<int> contextIds;
  std::vector<int> continuationIds;
  // Generation.
  std::vector<std::string> until;
  int maxNewTokens = 256;
};

struct Response {
  double logprob = 0;    // sum over the continuation (rolling: over the whole text)
  bool greedy = false;   // every continuation token was the argmax
  int64_t tokens = 0;    // continuation tokens scored (rolling: text tokens; generation: generated)
  std::string text;      // generation output, cut before the first stop string
  std::vector<int> generatedIds;  // generation: every generated token (EOS excluded)
};

}  // namespace qs
