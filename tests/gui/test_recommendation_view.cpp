// The Recommendation tab over a hand-built database: the cheapest configuration per category
// within the budget, the ranked table, the notes, and all of it following the budget spin box.
#include <QtTest/QtTest>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QTableWidget>

#include "core/store/experiment_store.h"
#include "tests/gui/item_test_data.h"
#include "tests/support/test_support.h"
#include "ui/experiment_snapshot.h"
#include "ui/recommendation_view.h"

namespace {

using namespace qs;
namespace fs = std::filesystem;

// The line "W-only: X" of the cheapest summary.
QString cheapestOf(const RecommendationView& v, const QString& category) {
  const QString text = v.cheapestText();
  const int at = text.indexOf(category + ":");
  if (at < 0) return {};
  return text.mid(at + category.size() + 1).trimmed().section(QRegularExpression("\\s"), 0, 0);
}

}  // namespace

class TestRecommendationView : public QObject {
  Q_OBJECT
  fs::path file_;

 private Q_SLOTS:
  void initTestCase() {
    QCoreApplication::setOrganizationName("QuantScopeTest");
    QCoreApplication::setApplicationName("test_recommendation_view");
    file_ = test::freshTempDir("gui_recommendation") / "rec.qsdb";
    ExperimentStore store(file_);
    const int64_t model = store.upsertModel({0, "/models/demo", "llama", 1000, "F32", "fp-demo"});
    // arc_easy, FP16 0.80: loss W8 0.625 %, W4 1.5 %, W3 5 %, W2 37.5 %, W4A8 3.75 %, KV4 1.25 %.
    const std::vector<std::pair<std::string, double>> runs{
        {"FP16", 0.80},           {"W8A16KV16-g128", 0.795}, {"W4A16KV16-g128", 0.788}, {"W3A16KV16-g128", 0.76},
        {"W2A16KV16-g128", 0.50}, {"W4A8KV16-g128", 0.77},   {"W16A16KV4-g128", 0.79}};
    for (const auto& [quant, value] : runs) test::addItemRun(store, model, {quant, "arc_easy", {test::acc(value, 1000)}, {}});
  }

  void cheapestWithinTheBudgetFollowsTheSpinBox() {
    ExperimentStore store(file_, ExperimentStore::Mode::ReadOnly);
    RecommendationView view;
    QCOMPARE(view.budgetBox()->value(), 2.0);  // the paper's criterion by default
    view.setSnapshot(std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(store)));
    // Hidden (another tab is in front): nothing is computed until it is shown.
    QTest::qWait(400);
    QVERIFY(view.recommendations().empty());
    view.show();
    QTRY_VERIFY_WITH_TIMEOUT(!view.busy(), 20000);
    QCOMPARE(view.groupBox()->count(), 1);
    QVERIFY2(view.groupBox()->currentText().startsWith("demo · basic"), qPrintable(view.groupBox()->currentText()));
    QCOMPARE(cheapestOf(view, "W-only"), QString("W4A16KV16-g128"));
    QCOMPARE(cheapestOf(view, "KV"), QString("W16A16KV4-g128"));
    QCOMPARE(cheapestOf(view, "W+A"), QString("none"));
    QCOMPARE(cheapestOf(view, "combined"), QString("W4A16KV16-g128"));

    // The ranked table: cheapest first, loss per task, W2 over the budget.
    QTableWidget* t = view.table();
    QCOMPARE(t->rowCount(), 6);
    QCOMPARE(t->item(0, 0)->text(), QString("W2A16KV16-g128"));
    QCOMPARE(t->horizontalHeaderItem(4)->text(), QString("arc_easy loss"));
    for (int r = 1; r < t->rowCount(); ++r)
      QVERIFY(t->item(r - 1, 2)->text().remove('~').toDouble() <= t->item(r, 2)->text().remove('~').toDouble());
    for (int r = 0; r < t->rowCount(); ++r)
      if (t->item(r, 0)->text() == "W4A16KV16-g128") QCOMPARE(t->item(r, 3)->text(), QString("+1.50%"));
    // n = 1000 with stderr 0.01: W2's loss is more than noise (z-test on the standard errors).
    QVERIFY(t->item(0, 4)->text().endsWith("*"));

    // A tighter budget: W4 (1.5 %) no longer fits, W8 (0.625 %) does; KV4 (1.25 %) neither.
    view.budgetBox()->setValue(1.0);
    QTRY_VERIFY_WITH_TIMEOUT(!view.busy() && cheapestOf(view, "W-only") == "W8A16KV16-g128", 20000);
    QCOMPARE(cheapestOf(view, "KV"), QString("none"));
    // A looser one: W3 (5 %) and W4A8 (3.75 %) fit.
    view.budgetBox()->setValue(6.0);
    QTRY_VERIFY_WITH_TIMEOUT(!view.busy() && cheapestOf(view, "W-only") == "W3A16KV16-g128", 20000);
    QCOMPARE(cheapestOf(view, "W+A"), QString("W4A8KV16-g128"));
    // Nothing meets a zero budget, and the notes say so.
    view.budgetBox()->setValue(0.0);
    QTRY_VERIFY_WITH_TIMEOUT(!view.busy() && cheapestOf(view, "W-only") == "none", 20000);
    QVERIFY2(view.notesText().contains("stays within 0%"), qPrintable(view.notesText()));
  }

  void aTaskThatWasNotRunIsNamed() {
    ExperimentStore store(file_, ExperimentStore::Mode::ReadOnly);
    RecommendationView view;
    view.show();
    view.setSnapshot(std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(store)));
    view.tasksEdit()->setText("arc_easy, gsm8k_cot");
    QTRY_VERIFY_WITH_TIMEOUT(!view.busy() && view.notesText().contains("gsm8k_cot: not run"), 20000);
    QCOMPARE(cheapestOf(view, "W-only"), QString("W4A16KV16-g128"));  // arc_easy still judges
    QVERIFY(view.reportText().contains("W4A16KV16-g128"));
  }
};

QTEST_MAIN(TestRecommendationView)
#include "test_recommendation_view.moc"
