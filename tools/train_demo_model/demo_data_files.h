#pragma once
// The held-out demo data (resources/demo-data/): a perplexity text and task items in the file
// formats of the real benchmarks, so the standard task definitions can point at them.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/train_demo_model/demo_corpus.h"

namespace qs::demo {

struct DemoData {
  std::string heldOutText;                   // heldout.txt
  std::vector<ClozeItem> cloze;              // lambada_demo.jsonl            {"text": ...}
  std::vector<ChoiceItem> choices;           // arc_demo.jsonl                ARC's {"id","question":{"stem","choices"},"answerKey"}
  std::vector<ArithmeticItem> arithmetic;    // gsm8k_demo_test.jsonl         {"question","answer"}
  std::vector<ArithmeticItem> fewShot;       // gsm8k_demo_train.jsonl        exemplars from the training split
  std::vector<std::vector<LinesItem>> lines; // longeval_lines/<n>_lines.jsonl, one set per length
};

// Everything held out is drawn from seeds derived from `seed` with Split::HeldOut; the few-shot
// exemplars come from the training split (as GSM8K's come from its train set).
DemoData makeDemoData(uint64_t seed);

// The GSM8K-style few-shot prompt prefix: "Question: ...\nAnswer: ...\n\n" per exemplar.
std::string fewShotPrefix(const std::vector<ArithmeticItem>& exemplars);

// Writes the files above into dir. tokenCount gives LongEval's "token_size" (prompt tokens).
void writeDemoData(const DemoData& data, const std::filesystem::path& dir,
                   const std::function<int(std::string_view)>& tokenCount);

}  // namespace qs::demo
