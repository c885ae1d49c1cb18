// The request engine and the tasks on real checkpoints: the golden LLaMA (scored against the
// Hugging Face logits) and stories260K with its tokenizer (scores reproducible to the last digit).
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>

#include "core/model/model.h"
#include "core/base/runtime.h"
#include "core/checkpoint/safetensors.h"
#include "core/tokenizer/tokenizer.h"
#include "tasks/evaluator.h"
#include "tasks/model_backend.h"
#include "tasks/request_engine.h"
#include "tests/support/test_support.h"

namespace {

std::vector<int> row(const nlohmann::json& ids, int r, int from, int to) {
  std::vector<int> out;
  for (int i = from; i < to; ++i) out.push_back(ids[r][i].get<int>());
  return out;
}

qs::Request pretokenized(std::vector<int> ctx, std::vector<int> cont) {
  qs::Request r;
  r.pretokenized = true;
  r.contextIds = std::move(ctx);
  r.continuationIds = std::move(cont);
  return r;
}

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

class TestTaskEngineModels : public QObject {
  Q_OBJECT
  std::filesystem::path shared_;
  std::unique_ptr<qs::Model> golden_;
  std::unique_ptr<qs::Tokenizer> storiesTok_;
  std::unique_ptr<qs::ModelBackend> stories_;
  nlohmann::json ids_;
  at::Tensor goldenLogits_;

  double goldenLogprob(int r, int from, int to) {
    auto lp = at::log_softmax(goldenLogits_[r].to(at::kDouble), -1);
    double s = 0;
    for (int t = from; t < to; ++t) s += lp[t - 1][ids_[r][t].get<int>()].item<double>();
    return s;
  }

 private Q_SLOTS:
  void initTestCase() {
    qs::configureThreads();
    shared_ = qs::test::sharedDir();
    if (!std::filesystem::exists(qs::test::goldenDir() / "llama" / "model.safetensors") ||
        !std::filesystem::exists(shared_ / "models" / "stories260K" / "tokenizer.json"))
      QSKIP("../shared golden/llama or models/stories260K is not available");
    golden_ = qs::Model::load(qs::test::goldenDir() / "llama");
    storiesTok_ = qs::Tokenizer::load(shared_ / "models" / "stories260K");
    stories_ = qs::ModelBackend::load(shared_ / "models" / "stories260K");
    ids_ = nlohmann::json::parse(qs::test::readFile(qs::test::goldenDir() / "llama" / "input_ids.json"))["input_ids"];
    goldenLogits_ = qs::SafetensorsFile::open(qs::test::goldenDir() / "llama" / "logits.safetensors")->tensor("logits").clone();
  }

  // Loglikelihoods through the engine (batched, shared prefixes, KV-cache copies) equal the
  // Hugging Face logits' log-softmax.
  void goldenLoglikelihoods() {
    // The stories260K tokenizer has the golden model's vocabulary size (512); requests are token ids.
    qs::ModelBackend lm(*golden_, *storiesTok_);
    std::vector<qs::Request> reqs;
    std::vector<double> want;
    for (int r = 0; r < 2; ++r)
      for (int k : {1, 8, 8, 20}) {
        reqs.push_back(pretokenized(row(ids_, r, 0, k), row(ids_, r, k, 24)));
        want.push_back(goldenLogprob(r, k, 24));
      }
    // A second continuation of the 8-token contexts, so that they are scored from a shared prefix.
    // Different lengths per row: the continuation batch is right-padded after a left-padded cache.
    for (int r = 0; r < 2; ++r) reqs.push_back(pretokenized(row(ids_, r, 0, 8), row(ids_, r, 8, r == 0 ? 12 : 21)));
    for (int r = 0; r < 2; ++r) want.push_back(goldenLogprob(r, 8, r == 0 ? 12 : 21));
    // Contexts of different lengths in one shared batch (left padding of the cached contexts).
    for (int k : {5, 11}) {
      reqs.push_back(pretokenized(row(ids_, 1, 0, k), row(ids_, 1, k, k + 3)));
      reqs.push_back(pretokenized(row(ids_, 1, 0, k), row(ids_, 1, k, k + 7)));
      want.push_back(goldenLogprob(1, k, k + 3));
      want.push_back(goldenLogprob(1, k, k + 7));
    }
    for (int config = 0; config < 4; ++config) {
      const bool share = config < 2;
      qs::EngineOptions o;
      o.sharePrefixes = share;
      o.maxBatchTokens = config % 2 ? 4096 : 40;  // one group per batch, or all in one batch
      qs::RequestEngine engine(lm, o);
      auto out = engine.run(reqs);
      for (size_t i = 0; i < reqs.size(); ++i)
        QVERIFY2(std::abs(out[i].logprob - want[i]) < 2e-4,
                 qPrintable(QString("request %1 config %2: %3 vs %4").arg(i).arg(config).arg(out[i].logprob).arg(want[i])));
      if (share) QVERIFY(engine.stats().prefixTokensSaved >= 2 * 8 + 5 + 11);
    }
  }

  void goldenGreedyGeneration() {
    qs::ModelBackend lm(*golden_, *storiesTok_);
    auto greedy = nlohmann::json::parse(qs::test::readFile(qs::test::goldenDir() / "llama" / "greedy.json"));
    qs::Request r;
    r.type = qs::RequestType::GenerateUntil;
    r.pretokenized = true;
    r.contextIds = greedy["prompt_ids"].get<std::vector<int>>();
    r.maxNewTokens = 16;
    qs::Request other = r;  // batched with a longer prompt: left padding must not change the result
    other.contextIds = row(ids_, 1, 0, 13);
    qs::RequestEngine engine(lm);
    auto out = engine.run({r, other});
    QCOMPARE(out[0].generatedIds, greedy["generate_tokens_kv_cache"].get<std::vector<int>>());
  }

  // Two runs of the same tasks give the same numbers to the last digit: stories260K (a trained
  // model with its tokenizer) and the golden LLaMA (random weights, the stories260K tokenizer).
  void scoresAreReproducible() {
    qs::EvalOptions o;
    o.dataDir = shared_ / "data";
    o.limit = 3;
    o.bootstrapIterations = 100;
    o.klMaxTokens = 256;
    qs::ModelBackend golden(*golden_, *storiesTok_);
    struct Case {
      qs::LmBackend* lm;
      std::vector<std::string> tasks;
    };
    std::vector<Case> cases{
        {stories_.get(), {"arc_easy", "hellaswag", "piqa", "lambada_openai", "truthfulqa_mc2", "lambada_openai_generate"}},
        {&golden, {"arc_challenge", "mmlu", "wikitext2_document", "wikitext2_concatenated", "gsm8k_cot", "longeval_topics"}}};
    for (auto& c : cases) {
      auto a = qs::evaluate(*c.lm, c.tasks, o);
      auto b = qs::evaluate(*c.lm, c.tasks, o);
      QCOMPARE(dump(a.toJson()["tasks"]), dump(b.toJson()["tasks"]));
      QCOMPARE(a.tasks.size(), c.tasks.size());
      for (const auto& t : a.tasks) {
        QVERIFY2(!t.metrics.empty(), t.task.c_str());
        for (const auto& m : t.metrics) QVERIFY2(std::isfinite(m.value), (t.task + " " + m.metric).c_str());
      }
      QVERIFY(a.stats.prefixTokensSaved > 0);
      QVERIFY(a.stats.generatedTokens > 0);
      QVERIFY(a.logitReference && a.logitReference->tokens.size() == 256);
    }
  }

  void storiesPrefixSharingMatchesUnshared() {
    qs::EvalOptions o;
    o.dataDir = shared_ / "data";
    o.limit = 6;
    o.klDivergence = false;
    auto shared = qs::evaluate(*stories_, {"arc_challenge"}, o);
    o.engine.sharePrefixes = false;
    auto plain = qs::evaluate(*stories_, {"arc_challenge"}, o);
    QCOMPARE(shared.tasks[0].find("acc")->value, plain.tasks[0].find("acc")->value);
    QCOMPARE(shared.tasks[0].find("acc_norm")->value, plain.tasks[0].find("acc_norm")->value);
    QVERIFY(shared.stats.forwardTokens < plain.stats.forwardTokens);
    QCOMPARE(plain.stats.forwardTokens - shared.stats.forwardTokens, shared.stats.prefixTokensSaved);
  }

  void klAgainstItselfIsZero() {
    qs::EvalOptions o;
    o.klMaxTokens = 600;
    auto base = qs::evaluate(*stories_, {"lambada_openai"}, o);
    QVERIFY(base.logitReference);
    auto baseline = qs::Baseline::fromResults(base);
    o.baseline = &baseline;
    auto again = qs::evaluate(*stories_, {"lambada_openai"}, o);
    QCOMPARE(QString::fromStdString(again.tasks.back().task), QString("kl_divergence"));
    QVERIFY(again.tasks.back().find("kl_divergence")->value < 1e-4);
    QCOMPARE(again.tasks.back().find("same_top_token")->value, 1.0);
  }
};

QTEST_GUILESS_MAIN(TestTaskEngineModels)
#include "test_task_engine_models.moc"
