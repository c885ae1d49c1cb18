#include "tools/train_demo_model/demo_data_files.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace qs::demo {
namespace {

using ordered = nlohmann::ordered_json;

constexpr int kClozeItems = 200;
constexpr int kChoiceItems = 200;
constexpr int kArithmeticItems = 100;
constexpr int kFewShot = 2;
constexpr int kLinesItems = 30;
constexpr int kLineCounts[] = {8, 16, 24};
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
  DemoCorpus lines(seed + 106, Split::HeldOut);
  for (int n : kLineCounts) {
    std::vector<LinesItem> set;
    for (int i = 0; i < kLinesItems; ++i) set.push_back(lines.lines(n));
    d.lines.push_back(std::move(set));
  }
  return d;
}

std::string fewShotPrefix(const std::vector<ArithmeticItem>& exemplars) {
  std::string p;
  for (const auto& e : exemplars) p += DemoCorpus::questionPrompt(e.question) + " " + e.answer + "\n\n";
  return p;
}

void writeDemoData(const DemoData& d, const std::filesystem::path& dir,
                   const std::function<int(std::string_view)>& tokenCount) {
  openForWriting(dir / "heldout.txt") << d.heldOutText;  // verbatim: perplexity reads the file as is

  std::vector<ordered> rows;
  for (const auto& c : d.cloze) rows.push_back({{"text", c.text}});
  writeJsonl(dir / "lambada_demo.jsonl", rows);

  rows.clear();
  int n = 0;
  for (const auto& q : d.choices) {
    ordered choices = ordered::array();
    for (size_t i = 0; i < q.choices.size(); ++i)
      choices.push_back({{"text", q.choices[i]}, {"label", std::string(1, static_cast<char>('A' + i))}});
    char id[32];
    std::snprintf(id, sizeof id, "QSDemo_%04d", ++n);
    rows.push_back({{"id", id},
                    {"question", {{"stem", q.question}, {"choices", choices}}},
                    {"answerKey", std::string(1, static_cast<char>('A' + q.answer))}});
  }
  writeJsonl(dir / "arc_demo.jsonl", rows);

  auto gsm = [](const std::vector<ArithmeticItem>& items) {
    std::vector<ordered> out;
    for (const auto& a : items) out.push_back({{"question", a.question}, {"answer", a.answer}});
    return out;
  };
  writeJsonl(dir / "gsm8k_demo_test.jsonl", gsm(d.arithmetic));
  writeJsonl(dir / "gsm8k_demo_train.jsonl", gsm(d.fewShot));

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
    writeJsonl(dir / "longeval_lines" / (std::to_string(set.front().numLines) + "_lines.jsonl"), rows);
  }
}

}  // namespace qs::demo
