// Every bundled task file loads and runs end to end on the bundled samples with a deterministic
// fake LM; results carry stderr and n, and a second run reproduces them exactly.
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "tasks/evaluator.h"
#include "tasks/resource_paths.h"
#include "tests/support/fake_lm.h"
#include "tests/support/test_support.h"

namespace {

qs::EvalOptions bundledOptions() {
  qs::EvalOptions o;
  o.tasksDir = qs::test::sourceDir() / "resources" / "tasks";
  o.dataDir = qs::test::sourceDir() / "resources" / "data";
  o.bootstrapIterations = 200;
  o.klDivergence = false;
  return o;
}

std::vector<std::string> allTaskNames() {
  std::vector<std::string> names;
  for (const auto& t : qs::listTasks(bundledOptions().tasksDir)) names.push_back(t.name);
  return names;
}

}  // namespace

class TestBundledTasks : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void listsEveryTaskWithKindAndVersion() {
    auto tasks = qs::listTasks(bundledOptions().tasksDir);
    QVERIFY(tasks.size() >= 20);
    std::set<std::string> names;
    for (const auto& t : tasks) {
      QVERIFY2(t.error.empty(), t.error.c_str());
      QVERIFY(!t.name.empty());
      QVERIFY(t.version >= 1);
      QVERIFY(!t.kind.empty());
      QVERIFY2(names.insert(t.name).second, t.name.c_str());  // names are unique
    }
    for (const char* want : {"arc_easy", "arc_challenge", "hellaswag", "piqa", "mmlu", "lambada_openai",
                             "wikitext2_concatenated", "wikitext2_document", "gsm8k_cot", "truthfulqa_mc1",
                             "truthfulqa_mc2", "icl_arc_easy", "calibration_arc_easy", "longeval_lines",
                             "longeval_topics", "longeval_lines_generated", "kv_retrieval", "mt_bench"})
      QVERIFY2(names.count(want), want);
    QVERIFY(!names.count(""));  // abstract bases are not listed
  }

  void paperTasksAreGroupedByTheirKind() {
    std::map<std::string, std::string> kinds;
    for (const auto& t : qs::listTasks(bundledOptions().tasksDir)) kinds[t.name] = t.kind;
    const std::map<std::string, std::string> want{
        {"ethics_cm", "trustworthiness"},        {"ethics_cm_hard", "trustworthiness"},
        {"ethics_deontology", "trustworthiness"}, {"ethics_deontology_hard", "trustworthiness"},
        {"ethics_justice", "trustworthiness"},    {"ethics_justice_hard", "trustworthiness"},
        {"ethics_virtue", "trustworthiness"},     {"ethics_virtue_hard", "trustworthiness"},
        {"ethics_utilitarianism", "trustworthiness"}, {"ethics_utilitarianism_hard", "trustworthiness"},
        {"advglue", "trustworthiness"},           {"advglue_sst2", "trustworthiness"},
        {"advglue_qqp", "trustworthiness"},       {"advglue_mnli", "trustworthiness"},
        {"advglue_mnli_mm", "trustworthiness"},   {"advglue_qnli", "trustworthiness"},
        {"advglue_rte", "trustworthiness"},       {"ifeval", "emergent"},
        {"winogrande", "basic"},                  {"boolq", "basic"},
        {"mt_bench", "dialogue"}};
    for (const auto& [name, kind] : want) {
      QVERIFY2(kinds.count(name), name.c_str());
      QCOMPARE(QString::fromStdString(kinds[name]), QString::fromStdString(kind));
    }
  }

  void everyTaskRunsOnTheFakeLm() {
    qs::test::FakeLm lm(512);
    auto o = bundledOptions();
    o.limit = 6;
    for (const auto& name : allTaskNames()) {
      qs::EvalResults r;
      try {
        r = qs::evaluate(lm, {name}, o);
      } catch (const qs::Error& e) {
        QFAIL(qPrintable(QString::fromStdString(name + ": " + e.what())));
      }
      QCOMPARE(r.tasks.size(), size_t(1));
      const auto& t = r.tasks[0];
      QCOMPARE(QString::fromStdString(t.task), QString::fromStdString(name));
      QVERIFY2(t.documents > 0, name.c_str());
      bool anyHeadline = false;
      for (const auto& m : t.metrics) {
        QVERIFY2(m.n > 0, (name + " " + m.metric).c_str());
        QVERIFY2(std::isfinite(m.stderr) && m.stderr >= 0, (name + " " + m.metric).c_str());
        if (m.breakdown.empty()) anyHeadline = true;
      }
      // MT-Bench without a judge or baseline has no metric values, only notes saying why.
      if (name == "mt_bench") QVERIFY(!t.notes.empty());
      else QVERIFY2(anyHeadline, name.c_str());
    }
  }

  void resultsAreReproducible() {
    auto o = bundledOptions();
    o.limit = 8;
    std::vector<std::string> names{"arc_easy", "hellaswag", "lambada_openai", "wikitext2_document", "gsm8k_cot", "mmlu"};
    qs::test::FakeLm a(512), b(512);
    auto ra = qs::evaluate(a, names, o);
    auto rb = qs::evaluate(b, names, o);
    auto dump = [](const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
    QCOMPARE(dump(ra.toJson()["tasks"]), dump(rb.toJson()["tasks"]));
  }

  void limitSubsamplesDeterministicallyBySeed() {
    qs::test::FakeLm lm(512);
    auto o = bundledOptions();
    o.limit = 5;
    auto r1 = qs::evaluate(lm, {"lambada_openai"}, o);
    QCOMPARE(r1.tasks[0].documents, int64_t(5));
    o.seed = 99;
    auto r2 = qs::evaluate(lm, {"lambada_openai"}, o);
    QCOMPARE(r2.tasks[0].documents, int64_t(5));
    QVERIFY(r1.tasks[0].find("perplexity")->value != r2.tasks[0].find("perplexity")->value);
  }

  void fakeLmSolvesCountingQuestions() {
    // The fake predicts byte + 1; a task whose answers follow that rule scores 1, one that never
    // does scores 0: acc reads the right loglikelihoods.
    auto dir = qs::test::freshTempDir("counting_task");
    std::filesystem::create_directories(dir / "tasks" / "toy");
    std::filesystem::create_directories(dir / "data");
    std::ofstream(dir / "data" / "toy.jsonl") << R"({"q": "abc", "opts": ["d", "x"], "a": 0})" "\n"
                                                 R"({"q": "mno", "opts": ["z", "p"], "a": 1})" "\n";
    std::ofstream(dir / "tasks" / "toy" / "toy.json") << R"({"name": "toy", "version": 1, "kind": "basic",
      "data": {"files": "toy.jsonl"}, "output_type": "multiple_choice", "doc_to_text": "{q}",
      "choices": "opts", "gold": "a", "target_delimiter": "", "metrics": ["acc"]})";
    qs::EvalOptions o;
    o.tasksDir = dir / "tasks";
    o.dataDir = dir / "data";
    o.klDivergence = false;
    qs::test::FakeLm lm;
    auto r = qs::evaluate(lm, {"toy"}, o);
    QCOMPARE(r.tasks[0].find("acc")->value, 1.0);
    QCOMPARE(r.tasks[0].find("acc")->n, int64_t(2));
    QCOMPARE(r.stats.prefixTokensSaved, int64_t(2 * 4));  // two questions, BOS + 3 bytes each shared once
  }

  void itemsRecordEachDocumentsAnswer() {
    // Three questions; the fake LM predicts byte + 1, so it picks "d" after "abc" (right), "p"
    // after "mno" (wrong: gold is "z") and "u" after "rst" (right).
    auto dir = qs::test::freshTempDir("item_task");
    std::filesystem::create_directories(dir / "tasks" / "toy");
    std::filesystem::create_directories(dir / "data");
    std::ofstream(dir / "data" / "toy.jsonl") << R"({"id": "q1", "q": "abc", "opts": ["x", "d"], "a": 1})" "\n"
                                                 R"({"id": "q2", "q": "mno", "opts": ["p", "z", "k"], "a": 1})" "\n"
                                                 R"({"id": "q3", "q": "rst", "opts": ["u", "v"], "a": 0})" "\n";
    std::ofstream(dir / "tasks" / "toy" / "toy.json") << R"({"name": "toy", "version": 1, "kind": "basic",
      "data": {"files": "toy.jsonl"}, "output_type": "multiple_choice", "doc_to_text": "{q}",
      "choices": "opts", "gold": "a", "target_delimiter": "", "metrics": ["acc", "acc_norm"]})";
    qs::EvalOptions o;
    o.tasksDir = dir / "tasks";
    o.dataDir = dir / "data";
    o.klDivergence = false;
    qs::test::FakeLm lm;
    auto r = qs::evaluate(lm, {"toy"}, o);
    const auto& items = r.tasks[0].items;
    QCOMPARE(items.size(), size_t(3));
    QCOMPARE(items[0].docId, std::string("q1"));
    QCOMPARE(items[1].docIndex, int64_t(1));
    QCOMPARE(items[0].chosen, std::optional<int>(1));
    QCOMPARE(items[1].chosen, std::optional<int>(0));
    QCOMPARE(items[1].gold, std::optional<int>(1));
    QCOMPARE(items[2].chosen, std::optional<int>(0));
    QCOMPARE(items[0].score, std::optional<double>(1.0));
    QCOMPARE(items[1].score, std::optional<double>(0.0));
    QCOMPARE(items[2].score, std::optional<double>(1.0));
    QCOMPARE(items[1].loglikelihoods.size(), size_t(3));
    QCOMPARE(items[1].greedy.size(), size_t(3));
    QVERIFY(items[0].greedy[1] && !items[0].greedy[0]);
    // The chosen answer is the one with the highest log-likelihood.
    for (const auto& it : items)
      for (double ll : it.loglikelihoods) QVERIFY(ll <= it.loglikelihoods[static_cast<size_t>(*it.chosen)]);
    auto metrics = nlohmann::json::parse(items[1].metrics);
    QVERIFY(metrics.contains("acc") && metrics.contains("acc_norm"));
    QCOMPARE(metrics["acc"].get<double>(), 0.0);
    QCOMPARE(r.tasks[0].find("acc")->value, 2.0 / 3.0);

    // The documents behind the items, read again without a model.
    auto docs = qs::previewDocuments(o.tasksDir, o.dataDir, "toy", {1, 7});
    QCOMPARE(docs.size(), size_t(1));  // there is no document 7
    QCOMPARE(docs.at(1).prompt, std::string("mno"));
    QCOMPARE(docs.at(1).choices, std::vector<std::string>({"p", "z", "k"}));
    QCOMPARE(docs.at(1).gold, 1);
    QCOMPARE(docs.at(1).id, std::string("q2"));
    QVERIFY(docs.at(1).where.find("toy.jsonl:2") != std::string::npos);
  }

  void itemsAgreeWithTheAggregates() {
    // For mean-aggregated tasks the items' scores average to the reported metric; every
    // document of every kind of task (multiple choice, loglikelihood, rolling, generation) has one.
    qs::test::FakeLm lm(512);
    auto o = bundledOptions();
    o.limit = 12;
    auto r = qs::evaluate(lm, {"arc_easy", "lambada_openai", "gsm8k_cot", "wikitext2_document"}, o);
    for (const auto& t : r.tasks) {
      QVERIFY2(static_cast<int64_t>(t.items.size()) == t.documents, t.task.c_str());
      std::set<int64_t> docs;
      for (const auto& it : t.items) docs.insert(it.docIndex);
      QCOMPARE(docs.size(), t.items.size());  // distinct documents
      if (t.task == "gsm8k_cot") {
        for (const auto& it : t.items) QVERIFY(!it.outputs.empty());
      } else {
        for (const auto& it : t.items) QVERIFY(!it.loglikelihoods.empty());
      }
      if (t.task == "wikitext2_document") continue;  // first metric is a perplexity over the items' log-likelihoods
      double sum = 0;
      for (const auto& it : t.items) sum += it.score.value();
      QVERIFY2(std::abs(sum / t.items.size() - t.metrics.front().value) < 1e-12, t.task.c_str());
    }
  }

  void mmluReportsSubjectsAndMacroAverage() {
    qs::test::FakeLm lm(2048);
    auto r = qs::evaluate(lm, {"mmlu"}, bundledOptions());
    const auto& t = r.tasks[0];
    int subjects = 0;
    double sum = 0;
    for (const auto& m : t.metrics)
      if (m.metric == "acc" && m.breakdown.rfind("subject=", 0) == 0) {
        ++subjects;
        sum += m.value;
      }
    QCOMPARE(subjects, 3);
    QVERIFY(std::abs(t.find("acc")->value - sum / 3) < 1e-12);
    QCOMPARE(t.find("acc")->n, int64_t(24));
    QVERIFY(r.stats.prefixTokensSaved > 0);
  }

  void fewshotGainIsPaired() {
    qs::test::FakeLm lm(2048);
    auto r = qs::evaluate(lm, {"icl_arc_easy"}, bundledOptions());
    const auto& t = r.tasks[0];
    auto* zero = t.find("acc_0shot");
    auto* five = t.find("acc_5shot");
    auto* gain = t.find("acc_gain");
    QVERIFY(zero && five && gain);
    QVERIFY(std::abs(gain->value - (five->value - zero->value)) < 1e-12);
    QCOMPARE(gain->n, int64_t(24));
  }

  void klReferenceRoundTrip() {
    qs::test::FakeLm base(128);
    auto o = bundledOptions();
    o.klDivergence = true;
    o.klMaxTokens = 300;
    auto baseRun = qs::evaluate(base, {"arc_easy"}, o);
    QVERIFY(baseRun.logitReference.has_value());
    QCOMPARE(baseRun.logitReference->tokens.size(), size_t(300));
    auto dir = qs::test::freshTempDir("kl_baseline");
    qs::Baseline::fromResults(baseRun).save(dir);
    auto baseline = qs::Baseline::load(dir);
    o.baseline = &baseline;
    qs::test::FakeLm same(128);
    auto r = qs::evaluate(same, {"arc_easy"}, o);
    const qs::TaskResult* kl = nullptr;
    for (const auto& t : r.tasks)
      if (t.task == "kl_divergence") kl = &t;
    QVERIFY(kl);
    // The same model: KL only from float16 storage of the baseline, top tokens identical.
    QVERIFY(kl->find("kl_divergence")->value < 1e-5);
    QCOMPARE(kl->find("same_top_token")->value, 1.0);
    QCOMPARE(kl->find("kl_divergence")->n, int64_t(299 - 2));  // windows of 128: 127 + 127 + 43 positions
  }

  void cancellationStopsAnEvaluation() {
    qs::test::FakeLm lm(512);
    auto o = bundledOptions();
    o.engine.maxBatchSize = 1;
    qs::CancelToken cancel;
    int reports = 0;
    QVERIFY_THROWS_EXCEPTION(qs::Cancelled, qs::evaluate(lm, {"arc_easy"}, o, [&](const qs::EvalProgress& p) {
      if (p.stage == "requests" && ++reports == 3) cancel.cancel();
    }, &cancel));
  }
};

QTEST_GUILESS_MAIN(TestBundledTasks)
#include "test_bundled_tasks.moc"
