// "Compare with FP16…": the flipped items of a hand-built database, with the documents read from
// the bundled arc_easy task over resources/demo-data, and the plain answers when nothing can be
// compared.
#include <QtTest/QtTest>

#include <QAction>
#include <QComboBox>
#include <QItemSelectionModel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTableWidget>

#include "core/store/experiment_store.h"
#include "tasks/evaluator.h"
#include "tasks/resource_paths.h"
#include "tests/gui/item_test_data.h"
#include "tests/support/test_support.h"
#include "ui/experiment_snapshot.h"
#include "ui/flips_dialog.h"
#include "ui/results_table_model.h"
#include "ui/results_view.h"

namespace {

using namespace qs;
namespace fs = std::filesystem;

fs::path demoData() { return test::sourceDir() / "resources" / "demo-data"; }

std::string protocolJson() {
  return R"({"protocol": "lm-eval arc_easy", "kind": "basic", "version": 1, "output": "multiple_choice", "fewshot": 0,
             "limit": 0, "seed": 1234, "data_dir": ")" + demoData().string() + "\"}";
}

}  // namespace

class TestFlipsView : public QObject {
  Q_OBJECT
  fs::path file_;
  std::map<int64_t, DocumentPreview> docs_;
  int64_t fp16_ = 0, w4_ = 0, w2Old_ = 0, orphan_ = 0;

  std::unique_ptr<FlipsDialog> openDialog(int64_t run) {
    auto dialog = std::make_unique<FlipsDialog>(file_, run, fs::path(), fs::path());
    [&] { QTRY_VERIFY_WITH_TIMEOUT(!dialog->loading(), 20000); }();
    return dialog;
  }

 private Q_SLOTS:
  void initTestCase() {
    QCoreApplication::setOrganizationName("QuantScopeTest");
    QCoreApplication::setApplicationName("test_flips_view");
    docs_ = previewDocuments(defaultTasksDir(), demoData(), "arc_easy", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    QCOMPARE(int(docs_.size()), 10);
    file_ = test::freshTempDir("gui_flips") / "flips.qsdb";
    ExperimentStore store(file_);
    const int64_t model = store.upsertModel({0, "/models/demo", "llama", 1000, "F32", "fp-demo"});
    // FP16 gets doc 7 wrong; W4 gets doc 2 wrong (lost) and doc 7 right (gained).
    std::vector<ItemRecord> reference, quantized;
    for (int64_t d = 0; d < 10; ++d) {
      const int gold = docs_.at(d).gold;
      const int wrong = (gold + 1) % 4;
      reference.push_back(test::choiceItem(d, d == 7 ? wrong : gold, gold));
      quantized.push_back(test::choiceItem(d, d == 2 ? wrong : gold, gold));
    }
    fp16_ = test::addItemRun(store, model, {"FP16", "arc_easy", {test::acc(0.9, 10)}, reference, protocolJson()});
    w4_ = test::addItemRun(store, model, {"W4A16KV16-g128", "arc_easy", {test::acc(0.9, 10)}, quantized, protocolJson()});
    // Stored without items (an older file) and without an FP16 partner (another task).
    w2Old_ = test::addItemRun(store, model, {"W2A16KV16-g128", "arc_easy", {test::acc(0.5, 10)}, {}, ""});
    orphan_ = test::addItemRun(store, model, {"W4A16KV16-g128", "arc_challenge", {test::acc(0.4, 10)}, quantized, protocolJson()});
  }

  void listsTheLostAndGainedItemsWithTheirDocuments() {
    auto dialog = openDialog(w4_);
    const FlipsReport& r = dialog->report();
    QVERIFY2(r.problem.empty(), r.problem.c_str());
    QVERIFY2(r.documentProblem.empty(), r.documentProblem.c_str());
    QCOMPARE(r.baseline->id, fp16_);
    QCOMPARE(int(r.flips.size()), 2);
    QCOMPARE(r.comparison.test.lost, int64_t(1));
    QCOMPARE(r.comparison.test.gained, int64_t(1));
    QTableWidget* t = dialog->table();
    QCOMPARE(t->rowCount(), 2);
    QVERIFY(t->item(0, 0)->text().startsWith("lost"));
    const DocumentPreview& doc2 = docs_.at(2);
    QCOMPARE(t->item(0, 1)->text(), QString("2 (%1)").arg(QString::fromStdString(doc2.id)));
    QVERIFY2(t->item(0, 2)->text().contains("roar"), qPrintable(t->item(0, 2)->text()));
    const QString goldAnswer = QString("(%1) %2").arg(QChar('A' + doc2.gold)).arg(QString::fromStdString(doc2.choices[doc2.gold]));
    const int wrong = (doc2.gold + 1) % 4;
    QCOMPARE(t->item(0, 3)->text(), goldAnswer);  // FP16 answered right
    QCOMPARE(t->item(0, 4)->text(), QString("(%1) %2").arg(QChar('A' + wrong)).arg(QString::fromStdString(doc2.choices[wrong])));
    QVERIFY(t->item(1, 0)->text().startsWith("gained"));
    QVERIFY(t->item(1, 1)->text().startsWith("7"));
    // The details pane: the whole prompt, every choice, the gold marked, both picks.
    dialog->showFlip(0);
    const QString html = dialog->detailsHtml();
    QVERIFY(html.contains("roar"));
    for (const auto& c : doc2.choices) QVERIFY2(html.contains(QString::fromStdString(c)), c.c_str());
    QVERIFY(html.contains("gold"));
    QVERIFY(html.contains("FP16's pick") && html.contains("this run's pick"));
    // The header line: counts and McNemar's p (1 lost, 1 gained: p = 1).
    const QString summary = dialog->summaryText();
    QVERIFY2(summary.contains("lost 1") && summary.contains("gained 1"), qPrintable(summary));
    QVERIFY2(summary.contains("McNemar exact p = 1"), qPrintable(summary));
    QVERIFY(summary.contains("not significant"));
    // The filter: lost only, gained only.
    dialog->filterBox()->setCurrentIndex(1);
    QCOMPARE(t->rowCount(), 1);
    QVERIFY(t->item(0, 0)->text().startsWith("lost"));
    dialog->filterBox()->setCurrentIndex(2);
    QCOMPARE(t->rowCount(), 1);
    QVERIFY(t->item(0, 1)->text().startsWith("7"));
  }

  void saysPlainlyWhenNothingCanBeCompared() {
    auto old = openDialog(w2Old_);
    QVERIFY2(old->summaryText().contains("predates per-item results"), qPrintable(old->summaryText()));
    QCOMPARE(old->table()->rowCount(), 0);
    auto orphan = openDialog(orphan_);
    QVERIFY2(orphan->summaryText().contains("has no FP16 partner"), qPrintable(orphan->summaryText()));
    QCOMPARE(orphan->table()->rowCount(), 0);
    auto self = openDialog(fp16_);
    QVERIFY2(self->summaryText().contains("itself an FP16 run"), qPrintable(self->summaryText()));
  }

  void resultsTableOffersTheComparisonForQuantizedRuns() {
    ExperimentStore store(file_, ExperimentStore::Mode::ReadOnly);
    auto snapshot = std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(store));
    ResultsView view;
    view.setSource(&store, snapshot);
    QVERIFY(!view.compareAction()->isEnabled());  // nothing selected
    auto selectRun = [&](int64_t run) {
      for (int r = 0; r < view.proxy()->rowCount(); ++r)
        if (view.proxy()->index(r, 0).data(ResultsTableModel::kRunIdRole).toLongLong() == run) {
          view.table()->setCurrentIndex(view.proxy()->index(r, 0));
          return true;
        }
      return false;
    };
    QVERIFY(selectRun(fp16_));
    QVERIFY(!view.compareAction()->isEnabled());  // the baseline has nothing to compare with
    QVERIFY(selectRun(w4_));
    QVERIFY(view.compareAction()->isEnabled());
    QVERIFY(view.compareButton()->isEnabled());
    QVERIFY(view.table()->actions().contains(view.compareAction()));  // the context menu
    view.compareAction()->trigger();
    auto dialogs = view.findChildren<FlipsDialog*>();
    QCOMPARE(dialogs.size(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!dialogs.front()->loading(), 20000);
    QCOMPARE(dialogs.front()->table()->rowCount(), 2);
    // The details of the run say how many items it has.
    QVERIFY(view.detailsHtml().contains("10 items"));
  }
};

QTEST_MAIN(TestFlipsView)
#include "test_flips_view.moc"
