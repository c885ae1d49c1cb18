// MT-Bench flow: two turns (the second sees the first answer), a judge model scoring through the
// same engine with the MT-Bench prompts, and agreement with a baseline's answers.
#include <QtTest/QtTest>

#include "tasks/evaluator.h"
#include "tests/support/fake_lm.h"
#include "tests/support/scripted_lm.h"
#include "tests/support/test_support.h"

namespace {

using qs::test::ScriptedLm;

qs::EvalOptions options() {
  qs::EvalOptions o;
  o.tasksDir = qs::test::sourceDir() / "resources" / "tasks";
  o.dataDir = qs::test::sourceDir() / "resources" / "data";
  o.klDivergence = false;
  return o;
}

}  // namespace

class TestDialogueTask : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void secondTurnSeesFirstAnswer() {
    ScriptedLm model("Sure thing.");
    auto r = qs::evaluate(model, {"mt_bench"}, options());
    QCOMPARE(model.prompts.size(), size_t(16));  // 8 questions x 2 turns
    const std::string& second = model.prompts.back();
    QVERIFY2(second.find("ASSISTANT: Sure thing.</s>USER: ") != std::string::npos, second.c_str());
    QVERIFY(second.rfind("A chat between a curious user", 0) == 0);
    QCOMPARE(r.tasks[0].generations.size(), size_t(8));
    QCOMPARE(r.tasks[0].generations.begin()->second.size(), size_t(2));
  }

  void judgeScoresThroughTheEngine() {
    qs::test::FakeLm model(4096);
    ScriptedLm judge("The answer is fine. Rating: [[7]]");
    auto o = options();
    o.judge = &judge;
    auto r = qs::evaluate(model, {"mt_bench"}, o);
    const auto& t = r.tasks[0];
    QCOMPARE(judge.prompts.size(), size_t(16));
    QCOMPARE(t.find("judge_score")->value, 7.0);
    QCOMPARE(t.find("judge_score")->n, int64_t(8));
    QVERIFY(t.find("judge_score", "category=math"));
    bool sawReference = false, sawMultiTurn = false;
    for (const auto& p : judge.prompts) {
      sawReference = sawReference || (p.find("[The Start of Reference Answer]") != std::string::npos &&
                                      p.find("Carl is the shortest.") != std::string::npos);
      sawMultiTurn = sawMultiTurn || p.find("<|The Start of Assistant A's Conversation with User|>") != std::string::npos;
      QVERIFY(p.find("[[rating]]") != std::string::npos);
    }
    QVERIFY(sawReference);
    QVERIFY(sawMultiTurn);
  }

  void agreementWithBaselineAnswers() {
    qs::test::FakeLm base(4096);
    auto first = qs::evaluate(base, {"mt_bench"}, options());
    auto baseline = qs::Baseline::fromResults(first);
    auto o = options();
    o.baseline = &baseline;
    qs::test::FakeLm same(4096);
    auto again = qs::evaluate(same, {"mt_bench"}, o);
    QCOMPARE(again.tasks[0].find("agreement_exact")->value, 1.0);
    QCOMPARE(again.tasks[0].find("agreement_rougeL")->value, 1.0);
    ScriptedLm other("something else entirely");
    auto different = qs::evaluate(other, {"mt_bench"}, o);
    QCOMPARE(different.tasks[0].find("agreement_exact")->value, 0.0);
    QVERIFY(different.tasks[0].find("agreement_rougeL")->value < 0.5);
  }
};

QTEST_GUILESS_MAIN(TestDialogueTask)
#include "test_dialogue_task.moc"
