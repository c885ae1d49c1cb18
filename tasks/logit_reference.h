#pragma once
// The unquantized model's next-token distributions on a text, kept so that a quantized run of
// the same model can report KL(baseline || quantized) per token and how often both pick the same
// top token. The text is cut into non-overlapping windows; every position of a window except the
// last predicts the next token of the window.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tasks/lm_backend.h"
#include "tasks/task_result.h"

namespace qs {

struct LogitReference {
  std::vector<int> tokens;
  int64_t window = 0;
  at::Tensor logprobs;  // [positions, V] float16 on the CPU, log-softmax of the baseline
  std::string source;   // the text's name, for messages
};

// tokens: the text as the engine tokenizes it (BOS per policy). window <= lm.maxLength().
LogitReference makeLogitReference(LmBackend& lm, const std::vector<int>& tokens, int64_t window,
                                  int64_t maxBatchTokens, const std::string& source);

// Task "kl_divergence": metrics kl_divergence (mean per token, lower is better) and
// same_top_token (rate), each with the stderr over positions. Throws qs::Error when the
// backend's tokenizer does not reproduce the reference's tokens.
TaskResult compareToReference(LmBackend& lm, const LogitReference& reference, int64_t maxBatchTokens,
                              const std::vector<int>& tokens);

// safetensors: "tokens" I32 [T], "logprobs" F16 [P, V]; metadata window and source.
void saveLogitReference(const LogitReference& reference, const std::filesystem::path& file);
LogitReference loadLogitReference(const std::filesystem::path& file);

}  // namespace qs
