#include "tools/train_demo_model/demo_data_files.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/base/error.h"

namespace qs::demo {
namespace {

using ordered = nlohmann::ordered_json;

constexpr int kClozeItems = 200;
constexpr int kChoiceItems = 200;
constexpr int kArithmeticItems = 100;
constexpr int kChoiceShots = 25;
constexpr int kFewShot = 8;
constexpr int kLinesItems = 30;
constexpr int kLineCounts[] = {8, 16, 20};
constexpr int64_t kHeldOutChars = 160000;

std::ofstream openForWriting(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path);
  if (!out) throw Error(path.string() + ": cannot write");
  return out;
}

void writeJsonl(const std::filesystem::path& path, const std::vector<ordered>& rows) {
  auto out = openForWriting(path);
  for (const auto& r : rows) out << r.dump() << "\n";
}

}  // namespace

DemoData makeDemoData(uint64_t seed) {
  DemoData d;
  d.heldOutText = DemoCorpus(seed + 101, Split::HeldOut).plainText(kHeldOutChars);
  DemoCorpus cloze(seed + 102, Split::HeldOut), choice(seed + 103, Split::HeldOut), math(seed + 104, Split::HeldOut);
  for (int i = 0; i < kClozeItems; ++i) d.cloze.push_back(cloze.cloze());
  for (int i = 0; i < kChoiceItems; ++i) d.choices.push_back(choice.choiceQuestion());
  for (int i = 0; i < kArithmeticItems; ++i) d.arithmetic.push_back(math.arithmetic());
  DemoCorpus shots(seed + 105, Split::Train);
  for (int i = 0; i < kFewShot; ++i) d.fewShot.push_back(shots.arithmetic());
  for (int i = 0; i < kChoiceShots; ++i) d.choiceShots.push_back(shots.choiceQuestion());
  DemoCorpus lines(seed + 106, Split::HeldOut);
  for (int n : kLineCounts) {
    std::vector<LinesItem> set;
    for (int i = 0; i < kLinesItems; ++i) set.push_back(lines.lines(n));
    d.lines.push_back(std::move(set));
  }
  return d;
}

std::string fewShotPrefix(const std::vector<ArithmeticItem>& exemplars, size_t count) {
  std::string p;
  for (size_t i = 0; i < count && i < exemplars.size(); ++i)
    p += DemoCorpus::cotPrompt(exemplars[i].question) + " " + DemoCorpus::chainOfThought(exemplars[i]) + "\n\n";
  return p;
}

namespace {

std::vector<ordered> arcRows(const std::vector<ChoiceItem>& items, const char* prefix) {
  std::vector<ordered> rows;
  int n = 0;
  for (const auto& q : items) {
    ordered choices = ordered::array();
    for (size_t i = 0; i < q.choices.size(); ++i)
      choices.push_back({{"text", q.choices[i]}, {"label", std::string(1, static_cast<char>('A' + i))}});
    char id[48];
    std::snprintf(id, sizeof id, "%s_%04d", prefix, ++n);
    rows.push_back({{"id", id},
                    {"question", {{"stem", q.question}, {"choices", choices}}},
                    {"answerKey", std::string(1, static_cast<char>('A' + q.answer))}});
  }
  return rows;
}

std::vector<ordered> gsmRows(const std::vector<ArithmeticItem>& items) {
  std::vector<ordered> rows;
  for (const auto& a : items) rows.push_back({{"question", a.question}, {"answer", a.answer}});
  return rows;
}

}  // namespace

void writeDemoData(const DemoData& d, const std::filesystem::path& dir,
                   const std::function<int(std::string_view)>& tokenCount) {
  openForWriting(dir / "heldout.txt") << d.heldOutText;  // verbatim: perplexity reads the file as is
  // The same text where the wikitext tasks look for it (they split it into lines).
  openForWriting(dir / "wikitext2" / "NOT_ORIGINAL_tyloquant_hf-rows_crlf" / "wiki.test.raw") << d.heldOutText << "\n";

  std::vector<ordered> rows;
  for (const auto& c : d.cloze) rows.push_back({{"text", c.text}});
  writeJsonl(dir / "lambada" / "lambada_test.jsonl", rows);
  writeJsonl(dir / "arc" / "ARC-Easy" / "ARC-Easy-Test.jsonl", arcRows(d.choices, "QSDemo"));
  writeJsonl(dir / "arc" / "ARC-Easy" / "ARC-Easy-Dev.jsonl", arcRows(d.choiceShots, "QSDemoDev"));
  writeJsonl(dir / "gsm8k" / "test.jsonl", gsmRows(d.arithmetic));
  writeJsonl(dir / "gsm8k" / "train.jsonl", gsmRows(d.fewShot));
  for (const auto& set : d.lines) {
    rows.clear();
    for (const auto& l : set)
      rows.push_back({{"random_idx", {l.key, l.keyIndex}},
                      {"expected_number", l.number},
                      {"num_lines", l.numLines},
                      {"token_size", tokenCount(l.prompt)},
                      {"correct_line", l.correctLine},
                      {"prompt", l.prompt},
                      {"prompt_length", -1}});
    writeJsonl(dir / "longeval" / "lines" / "testcases" / (std::to_string(set.front().numLines) + "_lines.jsonl"), rows);
  }
}

}  // namespace qs::demo
