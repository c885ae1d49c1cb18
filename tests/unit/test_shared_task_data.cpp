// Each task parses the whole real data file in ../shared/data (counts as published), with the
// fields its template and hooks need.
#include <QtTest/QtTest>

#include "core/base/error.h"
#include "tasks/evaluator.h"
#include "tasks/request_engine.h"
#include "tasks/task.h"
#include "tests/support/fake_lm.h"
#include "tests/support/test_support.h"

class TestSharedTaskData : public QObject {
  Q_OBJECT
  std::filesystem::path data_;
  std::filesystem::path tasks_;

  std::unique_ptr<qs::Task> load(const std::string& name) {
    qs::TaskSettings s;
    s.dataDir = data_;
    auto resolver = [this](const std::string& n) { return qs::findTask(tasks_, n); };
    return qs::makeTask(qs::findTask(tasks_, name), s, resolver);
  }

 private Q_SLOTS:
  void initTestCase() {
    data_ = qs::test::sharedDir() / "data";
    tasks_ = qs::test::sourceDir() / "resources" / "tasks";
    if (!std::filesystem::exists(data_ / "lambada" / "lambada_test.jsonl")) QSKIP("../shared/data is not available");
  }

  void documentCounts_data() {
    QTest::addColumn<QString>("task");
    QTest::addColumn<qlonglong>("count");
    QTest::newRow("lambada") << "lambada_openai" << 5153LL;
    QTest::newRow("gsm8k") << "gsm8k_cot" << 1319LL;
    QTest::newRow("mt_bench") << "mt_bench" << 80LL;
    QTest::newRow("arc_easy") << "arc_easy" << 2376LL;
    QTest::newRow("arc_challenge") << "arc_challenge" << 1172LL;
    QTest::newRow("piqa") << "piqa" << 1838LL;
    QTest::newRow("hellaswag") << "hellaswag" << 10042LL;
    QTest::newRow("mmlu") << "mmlu" << 14042LL;
    QTest::newRow("truthfulqa_mc1") << "truthfulqa_mc1" << 817LL;
    QTest::newRow("truthfulqa_mc2") << "truthfulqa_mc2" << 817LL;
    QTest::newRow("longeval_lines") << "longeval_lines" << 650LL;
    QTest::newRow("longeval_topics") << "longeval_topics" << 350LL;
    QTest::newRow("kv_retrieval") << "kv_retrieval" << 2500LL;  // 500 records x 5 gold positions
    QTest::newRow("wikitext2_document") << "wikitext2_document" << 62LL;
    QTest::newRow("wikitext2_concatenated") << "wikitext2_concatenated" << 2891LL;
    QTest::newRow("icl_arc_easy") << "icl_arc_easy" << 2376LL;
  }
  void documentCounts() {
    QFETCH(QString, task);
    QFETCH(qlonglong, count);
    std::unique_ptr<qs::Task> t;
    try {
      t = load(task.toStdString());
    } catch (const qs::Error& e) {
      QFAIL(e.what());
    }
    QCOMPARE(static_cast<qlonglong>(t->documentCount()), count);
  }

  // Request construction covers every document: templates, choices and gold answers resolve.
  void requestsBuildForEveryDocument() {
    qs::test::FakeLm lm(4096);
    qs::RequestEngine engine(lm);
    for (const char* name : {"arc_easy", "arc_challenge", "hellaswag", "piqa", "mmlu", "truthfulqa_mc2"}) {
      auto t = load(name);
      auto reqs = t->requests(0, engine);
      QVERIFY2(reqs.size() >= 2 * t->documentCount(), name);
      for (const auto& r : reqs) QVERIFY2(!r.context.empty() && !r.continuation.empty(), name);
    }
    auto mmlu = load("mmlu");
    auto reqs = mmlu->requests(0, engine);
    QCOMPARE(reqs.size(), size_t(4 * 14042));
    // 5-shot from the subject's dev split under the subject header.
    QVERIFY(reqs[0].context.rfind("The following are multiple choice questions (with answers) about abstract algebra.\n\n", 0) == 0);
    QCOMPARE(QString::fromStdString(reqs[0].continuation), QString(" A"));
    int answers = 0;
    for (size_t p = 0; (p = reqs[0].context.find("\nAnswer:", p)) != std::string::npos; ++p) ++answers;
    QCOMPARE(answers, 6);  // five examples and the question
  }

  void wikitextConcatenatedWindows() {
    auto t = load("wikitext2_concatenated");
    qs::test::FakeLm lm(2048);
    qs::RequestEngine engine(lm);
    auto reqs = t->requests(0, engine);
    // The fake tokenizes bytes: the joined text (rows + "\n\n") is about 1.29 MB.
    QVERIFY(reqs.size() > 600 && reqs.size() < 640);
    for (const auto& r : reqs) QCOMPARE(r.contextIds.size() + r.continuationIds.size(), size_t(2048));
  }
};

QTEST_GUILESS_MAIN(TestSharedTaskData)
#include "test_shared_task_data.moc"
