// Significance on the curves: points whose run differs from its FP16 run at p < 0.05 (McNemar on
// the paired items) get a star, the others none; the tooltip gives p, a legend entry and the note
// under the chart explain the star. A database without items shows none of it.
#include <QtTest/QtTest>

#include <QChart>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>

#include "core/store/experiment_store.h"
#include "tests/gui/gui_test_data.h"
#include "tests/gui/item_test_data.h"
#include "tests/support/test_support.h"
#include "ui/curve_chart.h"
#include "ui/curves_view.h"
#include "ui/experiment_snapshot.h"

namespace {

using namespace qs;
namespace fs = std::filesystem;

std::vector<QScatterSeries*> starSeries(QChart* chart) {
  std::vector<QScatterSeries*> out;
  for (QAbstractSeries* s : chart->series())
    if (s->property("significanceMarks").toBool()) out.push_back(qobject_cast<QScatterSeries*>(s));
  return out;
}

bool hasLegendKey(QChart* chart) {
  for (QAbstractSeries* s : chart->series())
    if (s->property("legendOnly").toBool()) return true;
  return false;
}

}  // namespace

class TestCurveSignificance : public QObject {
  Q_OBJECT
  fs::path file_;
  std::map<std::string, int64_t> runs_;

 private Q_SLOTS:
  void initTestCase() {
    file_ = test::freshTempDir("gui_significance") / "items.qsdb";
    ExperimentStore store(file_);
    const int64_t model = store.upsertModel({0, "/models/demo", "llama", 1000, "F32", "fp-demo"});
    // 60 items, FP16 all right. W8 loses 2 (McNemar p = 0.5), W2 loses 20 (p = 2^-19), W4 has no
    // items (stored by an older version), W3 loses 6 (p = 2 / 64 = 0.03125).
    runs_["FP16"] = test::addItemRun(store, model, {"FP16", "arc_easy", {test::acc(1.0, 60)}, test::choiceItems(60, 0)});
    runs_["W8"] = test::addItemRun(store, model, {"W8A16KV16-g128", "arc_easy", {test::acc(58.0 / 60, 60)}, test::choiceItems(60, 2)});
    runs_["W4"] = test::addItemRun(store, model, {"W4A16KV16-g128", "arc_easy", {test::acc(0.9, 60)}, {}});
    runs_["W3"] = test::addItemRun(store, model, {"W3A16KV16-g128", "arc_easy", {test::acc(0.9, 60)}, test::choiceItems(60, 6)});
    runs_["W2"] = test::addItemRun(store, model, {"W2A16KV16-g128", "arc_easy", {test::acc(40.0 / 60, 60)}, test::choiceItems(60, 20)});
  }

  void starsMarkOnlyTheSignificantPoints() {
    ExperimentStore store(file_, ExperimentStore::Mode::ReadOnly);
    CurvesView view;
    view.setSnapshot(std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(store)));
    QTRY_VERIFY_WITH_TIMEOUT(!view.significancePending(), 20000);
    const SignificanceMap& sig = view.significance();
    QCOMPARE(int(sig.size()), 4);
    QVERIFY(std::abs(*sig.at(runs_["W8"]).p - 0.5) < 1e-12);
    QVERIFY(std::abs(*sig.at(runs_["W3"]).p - 0.03125) < 1e-12);
    QVERIFY(!sig.at(runs_["W4"]).p);
    QCOMPARE(sig.at(runs_["W4"]).baselineRunId, runs_["FP16"]);

    QChart* chart = view.chart();
    const auto stars = starSeries(chart);
    QCOMPARE(int(stars.size()), 1);  // one line (W only), its significant points
    auto* line = qobject_cast<QLineSeries*>(stars.front()->property("whiskerOf").value<QObject*>());
    QVERIFY(line);
    QCOMPARE(stars.front()->count(), 2);  // W2 and W3; not W8 (p = 0.5) nor W4 (untested)
    // The stars sit on the line's points of 2 and 3 bits.
    const QVariantList bits = line->property("bits").toList();
    QList<double> starred;
    for (int i = 0; i < line->count(); ++i)
      for (const QPointF& p : stars.front()->points())
        if (p == line->at(i)) starred << bits[i].toDouble();
    std::sort(starred.begin(), starred.end());
    QCOMPARE(starred, (QList<double>{2, 3}));
    QVERIFY(hasLegendKey(chart));
    for (QLegendMarker* m : chart->legend()->markers(stars.front())) QVERIFY(!m->isVisible());

    // Tooltips: p for the tested points, why not for the untested one.
    auto tipFor = [&](double b) {
      for (int i = 0; i < bits.size(); ++i)
        if (bits[i].toDouble() == b) return curvePointToolTip(line, i);
      return QString();
    };
    QVERIFY2(tipFor(2).contains("McNemar p = ") && tipFor(2).contains("differs from FP16"), qPrintable(tipFor(2)));
    QVERIFY2(tipFor(8).contains("McNemar p = 0.5") && tipFor(8).contains("not significant"), qPrintable(tipFor(8)));
    QVERIFY2(tipFor(4).contains("not tested: no per-item results"), qPrintable(tipFor(4)));
    // A star hovered shows its point's numbers.
    QVERIFY(curveToolTipAt(stars.front(), stars.front()->at(0)).contains("McNemar"));
    // The note under the chart explains the star and counts.
    QVERIFY2(view.notesLabel()->text().contains("2 of 3 tested points"), qPrintable(view.notesLabel()->text()));

    // Hiding the series from its legend entry hides its stars with it.
    for (QLegendMarker* m : chart->legend()->markers(line)) Q_EMIT m->clicked();
    QVERIFY(!line->isVisible());
    QVERIFY(!stars.front()->isVisible());
  }

  void noItemsNoStars() {
    const auto file = test::freshTempDir("gui_significance_none") / "demo.qsdb";
    test::makeDemoDatabase(file);
    ExperimentStore store(file, ExperimentStore::Mode::ReadOnly);
    CurvesView view;
    view.setSnapshot(std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(store)));
    QTRY_VERIFY_WITH_TIMEOUT(!view.significancePending(), 20000);
    QVERIFY(!view.significance().empty());  // tested, but nothing to test with
    for (const auto& [id, s] : view.significance()) QVERIFY(!s.p);
    QVERIFY(starSeries(view.chart()).empty());
    QVERIFY(!hasLegendKey(view.chart()));
    QVERIFY(!view.notesLabel()->text().contains("tested points"));
  }
};

QTEST_MAIN(TestCurveSignificance)
#include "test_curve_significance.moc"
