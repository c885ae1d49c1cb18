#pragma once
// Measurements of the demo model that go into its training record: concatenated-window perplexity,
// greedy continuation, and quick accuracies on the demo task items. Each takes a forward function,
// so the trainer's own forward and the exported model loaded by qs::Model are measured alike.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/train_demo_model/demo_corpus.h"

namespace qs {
class Model;
}

namespace qs::demo {

using ForwardFn = std::function<at::Tensor(const at::Tensor& ids)>;  // [B, T] int64 -> logits [B, T, V]
using EncodeFn = std::function<std::vector<int64_t>(std::string_view)>;  // with the leading BOS
using DecodeFn = std::function<std::string(const std::vector<int64_t>&)>;

struct WindowPerplexity {
  double meanNll = 0;
  double perplexity = 0;
  int64_t windows = 0;
};

// The protocol of tasks/concatenated_perplexity: non-overlapping windows of `window` tokens, the
// remainder dropped, exp(mean over windows of the window's mean next-token NLL).
WindowPerplexity windowPerplexity(const ForwardFn& forward, const std::vector<int64_t>& tokens, int64_t window,
                                  int64_t maxWindows = 0);

// Greedy decoding by re-running the whole sequence each step (no cache): the reference the
// cached decoding of qs::greedyGenerate must reproduce.
std::vector<int64_t> greedyNoCache(const ForwardFn& forward, const std::vector<int64_t>& prompt, int maxNewTokens,
                                   int64_t eosId);

struct TaskAccuracy {
  std::string task;
  int correct = 0;
  int total = 0;
  double accuracy() const { return total ? static_cast<double>(correct) / total : 0.0; }
};

// The demo task items as qs::Model sees them (KV-cached greedy decoding for the generation tasks),
// in the prompt formats of resources/tasks: LAMBADA context/continuation, ARC "Question:/Answer:",
// gsm8k_cot "Q:/A:" after a few-shot prefix, LongEval lines inside the Vicuna chat format.
TaskAccuracy clozeAccuracy(Model& model, const EncodeFn& encode, const std::vector<ClozeItem>& items);
TaskAccuracy choiceAccuracy(Model& model, const EncodeFn& encode, const std::vector<ChoiceItem>& items);
TaskAccuracy arithmeticAccuracy(Model& model, const EncodeFn& encode, const DecodeFn& decode,
                                const std::vector<ArithmeticItem>& items, const std::string& fewShotPrefix);
TaskAccuracy linesAccuracy(Model& model, const EncodeFn& encode, const DecodeFn& decode,
                           const std::vector<LinesItem>& items);

// Line retrieval under teacher forcing, cheap enough to watch during training: after the chat prompt
// and "The <REGISTER_CONTENT> in line K is <", is the number predicted token by token as the argmax
// (exact), and how many nats does it cost? A model that does not look keys up stays at 0 exact and
// at about ln(9900) = 9.2 nats, the cost of a number of the right form but drawn at random.
struct LinesProbe {
  double exact = 0;
  double numberNll = 0;  // mean over items of the number's summed token NLL
};
LinesProbe linesTeacherForced(const ForwardFn& forward, const EncodeFn& encode, const std::vector<LinesItem>& items);

// The last number in a generated answer (commas stripped), "" when there is none: GSM8K's rule.
std::string lastNumber(const std::string& text);

}  // namespace qs::demo
