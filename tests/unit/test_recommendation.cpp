// recommend() over a hand-built database whose answer is known: losses, budget, cost ranking,
// categories, significance from items, and the notes for what is missing.
#include <QtTest/QtTest>

#include "core/store/experiment_store.h"
#include "tasks/report/recommendation.h"
#include "tests/support/test_support.h"

namespace {

struct Fixture {
  std::filesystem::path file;
  std::unique_ptr<qs::ExperimentStore> store;
  int64_t model = 0;

  explicit Fixture(const char* name) : file(qs::test::freshTempDir(name) / "rec.qsdb") {
    store = std::make_unique<qs::ExperimentStore>(file);
    model = store->upsertModel({0, "/models/tiny", "llama", 1000, "F16", "fp-tiny"});
  }

  // A done run: acc (higher is better) or word_perplexity (lower), with `right` of `n` items right
  // (first the documents 0..right-1) when items are wanted.
  void run(const std::string& quant, const std::string& task, double value, double bpw, bool higherIsBetter = true,
           int right = -1, int n = 0, const std::string& kind = "basic", int64_t modelId = 0) {
    qs::RunRecord r;
    r.modelId = modelId ? modelId : model;
    r.quantName = quant;
    r.quantJson = "{\"bits_per_weight\": " + std::to_string(bpw) + "}";
    r.task = task;
    r.taskVersion = "1";
    r.seed = 1234;
    r.protocol = "{\"kind\": \"" + kind + "\"}";
    const int64_t id = store->beginRun(r);
    qs::RunResults res;
    res.metrics = {{higherIsBetter ? "acc" : "word_perplexity", value, 0.01, 100, higherIsBetter},
                   {"kl_divergence", 0.5, 0.01, 100, false}};
    for (int i = 0; i < n; ++i) {
      qs::ItemRecord it;
      it.item = i;
      it.docIndex = i;
      it.score = i < right ? 1.0 : 0.0;
      res.items.push_back(it);
    }
    store->finishRun(id, res);
  }
};

const qs::Recommendation* group(const std::vector<qs::Recommendation>& recs, const std::string& kind) {
  for (const auto& r : recs)
    if (r.kind == kind) return &r;
  return nullptr;
}

const qs::ConfigVerdict* config(const qs::Recommendation& r, const std::string& quant) {
  for (const auto& c : r.configs)
    if (c.quant == quant) return &c;
  return nullptr;
}

}  // namespace

class TestRecommendation : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void headlineMetricPrefersAccuracyThenPerplexity() {
    QCOMPARE(qs::headlineMetric({"acc_norm", "acc", "kl_divergence"}), std::string("acc"));
    QCOMPARE(qs::headlineMetric({"kl_divergence", "token_perplexity", "word_perplexity"}), std::string("word_perplexity"));
    QCOMPARE(qs::headlineMetric({"kl_divergence", "same_top_token", "rougeL"}), std::string("rougeL"));
  }

  void cheapestAcceptablePerCategory() {
    Fixture f("rec_basic");
    // arc: FP16 0.80 with 100 items, 80 right. lambada-like perplexity task: FP16 10.0.
    f.run("FP16", "arc", 0.80, 16, true, 80, 100);
    f.run("FP16", "ppl", 10.0, 16, false);
    // W8: losses 0.5% / 0.5% -> mean 0.5: ok.       W4-g128: 1.5% / 3% -> 2.25: over (arc alone ok).
    f.run("W8A16KV16-g128", "arc", 0.796, 8.25, true, 79, 100);
    f.run("W8A16KV16-g128", "ppl", 10.05, 8.25, false);
    f.run("W4A16KV16-g128", "arc", 0.788, 4.25, true, 78, 100);
    f.run("W4A16KV16-g128", "ppl", 10.3, 4.25, false);
    // W4-g64: 1% / 1% -> ok, cheaper than W8: the cheapest W-only.
    f.run("W4A16KV16-g64", "arc", 0.792, 4.5, true, 79, 100);
    f.run("W4A16KV16-g64", "ppl", 10.1, 4.5, false);
    // W4A8: 1% / 2% -> 1.5 ok at 4.25 bits: the cheapest W+A and overall.
    f.run("W4A8KV16-g128", "arc", 0.792, 4.25, true, 79, 100);
    f.run("W4A8KV16-g128", "ppl", 10.2, 4.25, false);
    // W3: 25% loss on arc, 20 items lost: significant; 1 bit cheaper but over.
    f.run("W3A16KV16-g128", "arc", 0.60, 3.25, true, 60, 100);
    f.run("W3A16KV16-g128", "ppl", 14.0, 3.25, false);
    // KV4: 0.25% / 0.1%: ok; weights stay at 16 bits.
    f.run("W16A16KV4-g128", "arc", 0.798, 16, true, 80, 100);
    f.run("W16A16KV4-g128", "ppl", 10.01, 16, false);
    // W2 ran on arc only: no average.
    f.run("W2A16KV16-g128", "arc", 0.30, 2.25, true, 30, 100);

    qs::RecommendOptions o;
    o.budgetPercent = 2;
    auto recs = qs::recommend(*f.store, o);
    QCOMPARE(recs.size(), size_t(1));  // one kind: no separate "all" group
    const auto& r = recs[0];
    QCOMPARE(r.kind, std::string("basic"));
    QCOMPARE(r.tasks, std::vector<std::string>({"arc", "ppl"}));
    QCOMPARE(r.cheapest.at(qs::ConfigCategory::WeightOnly), std::string("W4A16KV16-g64"));
    QCOMPARE(r.cheapest.at(qs::ConfigCategory::WeightActivation), std::string("W4A8KV16-g128"));
    QCOMPARE(r.cheapest.at(qs::ConfigCategory::KvCache), std::string("W16A16KV4-g128"));
    QCOMPARE(r.cheapest.at(qs::ConfigCategory::Combined), std::string("W4A8KV16-g128"));
    // Per task: W4-g128 is acceptable on arc alone (1.5%), W3 nowhere.
    QCOMPARE(r.cheapestPerTask.at("arc").at(qs::ConfigCategory::WeightOnly), std::string("W4A16KV16-g128"));
    QCOMPARE(r.cheapestPerTask.at("ppl").at(qs::ConfigCategory::WeightOnly), std::string("W4A16KV16-g64"));

    // Ranked by cost: bits per weight, then activation bits (W4A8 before W4-g128 at 4.25).
    std::vector<std::string> order;
    for (const auto& c : r.configs) order.push_back(c.quant);
    QCOMPARE(order, std::vector<std::string>({"W2A16KV16-g128", "W3A16KV16-g128", "W4A8KV16-g128", "W4A16KV16-g128",
                                              "W4A16KV16-g64", "W8A16KV16-g128", "W16A16KV4-g128"}));
    const auto* w4 = config(r, "W4A16KV16-g128");
    QVERIFY(std::abs(*w4->averageLoss - 2.25) < 1e-9);
    QVERIFY(!w4->withinAverage);
    QVERIFY(std::abs(w4->tasks[1].lossPercent - 3.0) < 1e-9);  // perplexity: (q - b) / b
    const auto* w2 = config(r, "W2A16KV16-g128");
    QVERIFY(!w2->averageLoss);
    QCOMPARE(w2->missing, std::vector<std::string>({"ppl"}));
    // Significance from the items: W3 lost 20 of 80 right answers (McNemar p = 2^-19);
    // W4-g128 lost 2 (p = 0.5): not significant.
    const auto* w3 = config(r, "W3A16KV16-g128");
    QVERIFY(w3->tasks[0].test.find("McNemar") == 0);
    QVERIFY(std::abs(*w3->tasks[0].pValue - std::pow(2.0, -19)) < 1e-15);
    QVERIFY(w3->tasks[0].significant);
    QVERIFY(std::abs(*w4->tasks[0].pValue - 0.5) < 1e-12);
    QVERIFY(!w4->tasks[0].significant);
    // Without items the stored standard errors decide: 0.4 / (0.01 * sqrt 2) = 28 sigma.
    QCOMPARE(w3->tasks[1].test, std::string("stderr z"));
    QVERIFY(w3->tasks[1].significant);
    QVERIFY(r.notes.empty());
  }

  void saysWhenNothingMeetsTheBudgetOrATaskIsMissing() {
    Fixture f("rec_none");
    f.run("FP16", "arc", 0.80, 16);
    f.run("W3A16KV16-g128", "arc", 0.60, 3.25);
    f.run("W16A16KV16", "gsm", 0.20, 16, true, -1, 0, "emergent");
    f.run("W4A16KV16-g128", "gsm", 0.10, 4.25, true, -1, 0, "emergent");
    // A second model without a baseline run.
    const int64_t other = f.store->upsertModel({0, "/models/other", "opt", 1000, "F16", "fp-other"});
    f.run("W4A16KV16-g128", "arc", 0.5, 4.25, true, -1, 0, "basic", other);

    qs::RecommendOptions o;
    o.tasks = {"arc", "gsm", "mmlu"};
    auto recs = qs::recommend(*f.store, o);
    const auto* all = group(recs, "all");
    QVERIFY(all);
    QVERIFY(all->cheapest.empty());
    auto text = qs::formatRecommendations(recs, o);
    QVERIFY(text.find("no configuration run on every task stays within 2% on the average") != std::string::npos);
    QVERIFY(text.find("mmlu: not run on this model") != std::string::npos);
    QVERIFY(text.find("arc: no FP16 baseline run") != std::string::npos);  // the second model
    // "W16A16KV16" counts as the baseline like "FP16".
    const auto* emergent = group(recs, "emergent");
    QVERIFY(emergent && emergent->tasks == std::vector<std::string>({"gsm"}));
    QVERIFY(std::abs(emergent->configs[0].tasks[0].lossPercent - 50.0) < 1e-9);

    qs::RecommendOptions empty;
    empty.tasks = {"nothing"};
    auto none = qs::recommend(*f.store, empty);
    QCOMPARE(none.size(), size_t(1));
    QCOMPARE(none[0].notes.front(), std::string("none of the requested tasks has a done run"));
  }

  void storedRunsWithoutBitsUseTheNominalCost() {
    Fixture f("rec_nominal");
    f.run("FP16", "arc", 0.80, 16);
    qs::RunRecord r;
    r.modelId = f.model;
    r.quantName = "W4A16KV16-g128";
    r.quantJson = "{}";  // as runs stored before bits per weight existed
    r.task = "arc";
    r.taskVersion = "1";
    r.seed = 1234;
    const int64_t id = f.store->beginRun(r);
    qs::RunResults res;
    res.metrics = {{"acc", 0.79, 0.01, 100, true}};
    f.store->finishRun(id, res);
    auto recs = qs::recommend(*f.store, {});
    const auto* c = config(recs[0], "W4A16KV16-g128");
    QVERIFY(c && c->bitsNominal);
    QVERIFY(std::abs(c->bitsPerWeight - 4.25) < 1e-9);  // 4 + (16 + 16) / 128
  }
};

QTEST_APPLESS_MAIN(TestRecommendation)
#include "test_recommendation.moc"
