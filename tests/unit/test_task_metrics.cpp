// Aggregations with standard errors, calibration, seeded subsampling, and the built-in hooks.
#include <QtTest/QtTest>

#include <cmath>

#include "core/base/error.h"
#include "tasks/longeval_generator.h"
#include "tasks/metrics.h"
#include "tasks/task_hooks.h"

class TestTaskMetrics : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void meanAndProportionStderr() {
    std::vector<qs::Sample> s;
    for (double v : {1, 0, 1, 1}) s.push_back({v});
    auto e = qs::aggregateSamples("mean", s, 1);
    QCOMPARE(e.value, 0.75);
    QCOMPARE(e.n, int64_t(4));
    QVERIFY(std::abs(e.stderr - 0.25) < 1e-12);  // sample std 0.5 (n - 1) / sqrt(4)
  }

  void ratioPoolsTheWeights() {
    // IFEval's instruction level: 1 of 2 and 3 of 4 instructions followed -> 4 of 6, not (0.5 + 0.75) / 2.
    std::vector<qs::Sample> s{{1.0, 2}, {3.0, 4}};
    QVERIFY(std::abs(qs::aggregateValue("ratio", s) - 4.0 / 6) < 1e-12);
    auto e = qs::aggregateSamples("ratio", s, 7, 200);
    QCOMPARE(e.n, int64_t(2));
    QVERIFY(e.stderr > 0);
    QVERIFY(qs::isKnownAggregation("ratio"));
  }

  void perplexities() {
    std::vector<qs::Sample> s{{-2.0, 4}, {-6.0, 4}};
    QVERIFY(std::abs(qs::aggregateValue("perplexity", s) - std::exp(4.0)) < 1e-9);
    QVERIFY(std::abs(qs::aggregateValue("weighted_perplexity", s) - std::exp(1.0)) < 1e-9);
    QVERIFY(std::abs(qs::aggregateValue("bits_per_byte", s) - 1.0 / std::log(2.0)) < 1e-12);
    auto e = qs::aggregateSamples("perplexity", s, 1);
    QVERIFY(std::abs(e.stderr - std::exp(4.0) * 2.0) < 1e-6);  // delta method: ppl * stderr(nll)
  }

  void bootstrapIsSeeded() {
    std::vector<qs::Sample> s;
    for (int i = 0; i < 50; ++i) s.push_back({-1.0 - (i % 7) * 0.3, 3.0 + i % 4});
    auto a = qs::aggregateSamples("weighted_perplexity", s, 42, 300);
    auto b = qs::aggregateSamples("weighted_perplexity", s, 42, 300);
    auto c = qs::aggregateSamples("weighted_perplexity", s, 43, 300);
    QCOMPARE(a.stderr, b.stderr);
    QVERIFY(a.stderr != c.stderr);
    QVERIFY(a.stderr > 0 && a.stderr < a.value);
  }

  void calibrationError() {
    // Two bins: confidence 0.95 with 50% accuracy, 0.55 with 50% accuracy.
    std::vector<double> conf{0.95, 0.95, 0.55, 0.55}, correct{1, 0, 1, 0};
    QVERIFY(std::abs(qs::expectedCalibrationError(conf, correct) - (0.5 * 0.45 + 0.5 * 0.05)) < 1e-12);
    std::vector<double> perfect{1.0, 1.0}, right{1, 1};
    QCOMPARE(qs::expectedCalibrationError(perfect, right), 0.0);
  }

  void subsampleIsDeterministic() {
    auto a = qs::seededSubsample(100, 10, 7);
    QCOMPARE(a, qs::seededSubsample(100, 10, 7));
    QVERIFY(a != qs::seededSubsample(100, 10, 8));
    QCOMPARE(a.size(), size_t(10));
    QVERIFY(std::is_sorted(a.begin(), a.end()));
    QCOMPARE(qs::seededSubsample(5, 10, 7).size(), size_t(5));
  }

  void answerExtraction() {
    QCOMPARE(QString::fromStdString(qs::lastNumber("so 3 + 4 = 7. The answer is 1,234.")), QString("1234"));
    QCOMPARE(QString::fromStdString(qs::lastNumber("costs $15 in total")), QString("15"));
    QCOMPARE(QString::fromStdString(qs::lastNumber("it is -3")), QString("-3"));
    QCOMPARE(QString::fromStdString(qs::lastNumber("no digits here.")), QString(""));
    QCOMPARE(QString::fromStdString(qs::lastNumber("about 2.5 kg")), QString("2.5"));
  }

  void wikitextDetokenizer() {
    std::string in = " = Title = \n The cat @-@ like dog , said \" hello \" ( twice ) . It 's 1 @,@ 000 @.@ 5 km . \n";
    std::string want = " = Title =\nThe cat-like dog, said \"hello\" (twice). It's 1,000.5 km.\n";
    QCOMPARE(QString::fromStdString(qs::wikitextDetokenize(in)), QString::fromStdString(want));
    QCOMPARE(qs::countWordsLikeRegexSplit(" a  b\nc "), int64_t(5));  // Python: ['', 'a', 'b', 'c', '']
    QCOMPARE(qs::countWordsLikeRegexSplit("a b"), int64_t(2));
  }

  void hellaswagCleanup() {
    QCOMPARE(QString::fromStdString(qs::hellaswagPreprocess("  How to cook [title] Boil water.  [step] Add  salt. ")),
             QString("How to cook. Boil water.  Add salt."));  // as upstream: three spaces -> two
  }

  void rougeL() {
    QCOMPARE(qs::rougeLF1("the cat sat", "the cat sat"), 1.0);
    QCOMPARE(qs::rougeLF1("a b", "c d"), 0.0);
    QVERIFY(std::abs(qs::rougeLF1("the cat sat on", "the dog sat") - 2 * (0.5 * 2.0 / 3) / (0.5 + 2.0 / 3)) < 1e-12);
  }

  void longevalGenerator() {
    auto docs = qs::generateLongEvalLines(50, 5, 9);
    QCOMPARE(docs.size(), size_t(5));
    for (const auto& d : docs) {
      const std::string& prompt = d.fields["prompt"].get<std::string>();
      std::string line = d.fields["correct_line"].get<std::string>();
      QVERIFY(prompt.find(line) != std::string::npos);
      int lines = 0;
      for (size_t p = 0; (p = prompt.find("\nline ", p)) != std::string::npos; ++p) ++lines;
      QCOMPARE(lines, 50);  // the first line follows "start:\n\n"
    }
    QCOMPARE(docs[0].fields["random_idx"][1].get<int>(), 5);   // spread over the record
    QCOMPARE(docs[4].fields["random_idx"][1].get<int>(), 45);
    QCOMPARE(docs[2].fields.dump(), qs::generateLongEvalLines(50, 5, 9)[2].fields.dump());
    std::vector<qs::Conversation> pool{{"A", "USER: a "}, {"B", "USER: b "}, {"C", "USER: c "}};
    auto topics = qs::generateLongEvalTopics(pool, 2, 3, 1);
    QCOMPARE(topics[0].fields["topics"].size(), size_t(2));
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::generateLongEvalTopics(pool, 4, 1, 1));
  }

  void registriesKnowTheBuiltins() {
    for (const char* m : {"acc", "acc_norm", "ece", "mc2", "perplexity", "word_perplexity", "bits_per_byte", "exact_match", "judge_score"})
      QVERIFY2(qs::findMetric(m), m);
    QVERIFY(qs::findDocHook("hellaswag_preprocess"));
    QVERIFY(qs::findDatasetHook("kv_retrieval_positions"));
    QVERIFY(qs::findTextFilter("last_number"));
    QVERIFY(!qs::findMetric("nope"));
    QVERIFY(qs::hookNames("metric").find("mc2") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestTaskMetrics)
#include "test_task_metrics.moc"
