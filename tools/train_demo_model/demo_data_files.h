#pragma once
// The held-out demo data (resources/demo-data/): a perplexity text and task items in the file
// formats of the real benchmarks, laid out as resources/data is, so the standard task definitions
// run on them with --data-dir resources/demo-data.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/train_demo_model/demo_corpus.h"

namespace qs::demo {

struct DemoData {
  std::string heldOutText;                    // heldout.txt (and wikitext2/.../wiki.test.raw)
  std::vector<ClozeItem> cloze;               // lambada/lambada_test.jsonl             {"text"}
  std::vector<ChoiceItem> choices;            // arc/ARC-Easy/ARC-Easy-Test.jsonl       {"id","question":{"stem","choices"},"answerKey"}
  std::vector<ChoiceItem> choiceShots;        // arc/ARC-Easy/ARC-Easy-Dev.jsonl        (training split)
  std::vector<ArithmeticItem> arithmetic;     // gsm8k/test.jsonl                       {"question","answer"}
  std::vector<ArithmeticItem> fewShot;        // gsm8k/train.jsonl                      (training split)
  std::vector<std::vector<LinesItem>> lines;  // longeval/lines/testcases/<n>_lines.jsonl, one set per length
};

// Everything held out is drawn from seeds derived from `seed` with Split::HeldOut; the few-shot
// exemplars come from the training split (as GSM8K's come from its train set).
DemoData makeDemoData(uint64_t seed);

// The gsm8k_cot few-shot prefix: "Q: {question}\nA: {chain of thought}\n\n" for the first `count` exemplars.
std::string fewShotPrefix(const std::vector<ArithmeticItem>& exemplars, size_t count);

// Writes the files above into dir. tokenCount gives LongEval's "token_size" (prompt tokens).
void writeDemoData(const DemoData& data, const std::filesystem::path& dir,
                   const std::function<int(std::string_view)>& tokenCount);

}  // namespace qs::demo
