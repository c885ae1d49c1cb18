// The demo model's corpus generator and tokenizer trainer (tools/train_demo_model): deterministic in
// the seed, training and held-out material disjoint where the README says so, LongEval-like records
// in LongChat's format with keys that share no word within a record, recall drills that repeat their
// record, and a trained BPE whose Hugging Face export the product's tokenizer reads back identically.
#include <QtTest/QtTest>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "core/tokenizer/tokenizer.h"
#include "tests/support/test_support.h"
#include "tools/train_demo_model/byte_level_bpe.h"
#include "tools/train_demo_model/demo_corpus.h"

using qs::demo::DemoCorpus;
using qs::demo::Split;

namespace {

std::string joined(const qs::demo::TrainingDocument& doc) {
  std::string text;
  for (const auto& s : doc.segments) text += s;
  return text;
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

const std::regex kRecordLine(R"(line ([a-z]+)-([a-z]+): REGISTER_CONTENT is <([0-9]+)>)");

}  // namespace

class TestDemoCorpus : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void sameSeedSameDocumentsOtherSeedOthers() {
    DemoCorpus a(7, Split::Train), b(7, Split::Train), c(8, Split::Train);
    int differing = 0;
    for (int i = 0; i < 50; ++i) {
      const auto da = joined(a.document()), db = joined(b.document()), dc = joined(c.document());
      QCOMPARE(da, db);
      differing += da != dc;
    }
    QVERIFY(differing > 40);
    QCOMPARE(DemoCorpus(7, Split::HeldOut).plainText(5000), DemoCorpus(7, Split::HeldOut).plainText(5000));
  }

  void recordsFollowLongChatsFormatAndShareNoKeyWord() {
    DemoCorpus corpus(1, Split::Train);
    for (int n : {1, 2, 8, 20, qs::demo::kMaxTrainingLines}) {
      for (int rep = 0; rep < 20; ++rep) {
        const auto item = corpus.lines(n);
        QCOMPARE(item.numLines, n);
        QCOMPARE(int(item.keys.size()), n);
        QCOMPARE(int(item.numbers.size()), n);
        QVERIFY(item.prompt.starts_with(qs::demo::kLinesPreamble));
        QVERIFY(item.prompt.ends_with(DemoCorpus::linesQuestion(item.key)));
        QCOMPARE(item.key, item.keys[item.keyIndex]);
        QCOMPARE(item.number, item.numbers[item.keyIndex]);
        QVERIFY(item.prompt.find(item.correctLine) != std::string::npos);
        QVERIFY(item.answer.find(std::string("<").append(std::to_string(item.number)).append(">")) != std::string::npos);
        std::set<std::string> words;
        int recordLines = 0;
        for (const auto& line : splitLines(item.prompt)) {
          std::smatch m;
          if (!std::regex_match(line, m, kRecordLine)) continue;
          QCOMPARE(m[1].str() + "-" + m[2].str(), item.keys[recordLines]);
          QCOMPARE(std::stoi(m[3].str()), item.numbers[recordLines]);
          const int number = std::stoi(m[3].str());
          QVERIFY(number >= 100 && number <= 9999);
          // LongEval draws keys from long word lists, so no two lines of a record share a word.
          QVERIFY2(words.insert(m[1].str()).second && words.insert(m[2].str()).second, line.c_str());
          ++recordLines;
        }
        QCOMPARE(recordLines, n);
      }
    }
  }

  void heldOutKeysAndQuestionsNeverOccurInTraining() {
    std::set<std::string> trainKeys, trainQuestions;
    DemoCorpus train(3, Split::Train), heldOut(3, Split::HeldOut);
    for (int i = 0; i < 300; ++i) {
      for (const auto& k : train.lines(8).keys) trainKeys.insert(k);
      trainQuestions.insert(train.choiceQuestion().question);
    }
    QVERIFY(trainKeys.size() > 200);
    int checked = 0;
    for (int i = 0; i < 100; ++i) {
      for (const auto& k : heldOut.lines(8).keys) {
        QVERIFY2(!trainKeys.count(k), k.c_str());
        ++checked;
      }
      const auto q = heldOut.choiceQuestion().question;
      QVERIFY2(!trainQuestions.count(q), q.c_str());
    }
    QCOMPARE(checked, 800);
  }

  void recallDrillsRepeatTheirRecord() {
    DemoCorpus corpus(5, Split::Train);
    int drills = 0, shuffled = 0;
    for (int i = 0; i < 300; ++i) {
      const auto text = joined(corpus.retrievalWarmupDocument());
      const auto again = text.find("\nThe same record");
      if (again == std::string::npos) continue;
      auto first = splitLines(text.substr(0, again)), second = splitLines(text.substr(text.find(":\n\n", again) + 3));
      QVERIFY(!first.empty());
      QVERIFY(first.size() <= size_t(qs::demo::kMaxWarmupLines));
      shuffled += first != second;
      std::sort(first.begin(), first.end());
      std::sort(second.begin(), second.end());
      QCOMPARE(second, first);
      ++drills;
    }
    QVERIFY(drills > 100);
    QVERIFY(shuffled > 20);
  }

  void trainedBpeRoundTripsAndTheProductTokenizerAgrees() {
    const auto text = DemoCorpus(9, Split::Train).plainText(60000);
    DemoCorpus records(9, Split::HeldOut);
    const auto record = records.lines(6).prompt;
    std::vector<std::string_view> texts = {text, record};
    const auto bpe = qs::demo::ByteLevelBpe::train(texts, 300);
    QCOMPARE(bpe.mergeCount(), 300);
    const std::string probe = record + "\nThe answer is 42. Lily's kite is red, isn't it?  Ünïcödé ✓";
    const auto ids = bpe.encode(probe);
    QCOMPARE(bpe.decode(ids), probe);
    // The merges compress the corpus's own text (a byte per token without them).
    const auto trained = bpe.encode(text.substr(0, 20000));
    QVERIFY2(trained.size() < 20000 / 2, std::to_string(trained.size()).c_str());

    const auto dir = qs::test::freshTempDir("demo_corpus_bpe");
    bpe.writeHuggingFace(dir, 512);
    const auto tokenizer = qs::Tokenizer::load(dir);
    auto loaded = tokenizer->encode(probe, false);
    QCOMPARE(loaded, ids);
  }
};

QTEST_GUILESS_MAIN(TestDemoCorpus)
#include "test_demo_corpus.moc"
