// Protocol provenance: the run details show the protocol; the curves and both results tables warn
// when runs compared together differ in protocol (here: the perplexity window), and only then.
#include <QtTest/QtTest>

#include <QChart>
#include <QComboBox>
#include <QIcon>
#include <QLabel>

#include "core/store/experiment_store.h"
#include "tests/gui/item_test_data.h"
#include "tests/support/test_support.h"
#include "ui/curves_view.h"
#include "ui/experiment_snapshot.h"
#include "ui/paper_table_model.h"
#include "ui/protocol_diff.h"
#include "ui/results_table_model.h"
#include "ui/results_view.h"

namespace {

using namespace qs;
namespace fs = std::filesystem;

std::string protocol(int window) {
  return R"({"protocol": "wikitext word perplexity", "kind": "basic", "version": 1, "output": "loglikelihood_rolling",
             "fewshot": 0, "limit": 0, "seed": 1234,
             "perplexity": {"protocol": "concatenated", "window": )" + std::to_string(window) +
         R"(, "stride": )" + std::to_string(window) + R"(, "metrics": ["word_perplexity"]}})";
}

MetricRecord ppl(double v) { return {"word_perplexity", v, std::nullopt, 40, false}; }

}  // namespace

class TestProtocolWarnings : public QObject {
  Q_OBJECT
  fs::path file_;
  std::map<std::string, int64_t> runs_;

 private Q_SLOTS:
  void initTestCase() {
    file_ = test::freshTempDir("gui_protocol") / "protocol.qsdb";
    ExperimentStore store(file_);
    const int64_t model = store.upsertModel({0, "/models/demo", "llama", 1000, "F32", "fp-demo"});
    // "same": every run with a window of 512. "mixed": the W2 run with 1024.
    for (const std::string task : {"same", "mixed"}) {
      runs_[task + "/FP16"] = test::addItemRun(store, model, {"FP16", task, {ppl(20)}, {}, protocol(512)});
      runs_[task + "/W4"] = test::addItemRun(store, model, {"W4A16KV16-g128", task, {ppl(21)}, {}, protocol(512)});
      runs_[task + "/W2"] =
          test::addItemRun(store, model, {"W2A16KV16-g128", task, {ppl(60)}, {}, protocol(task == "mixed" ? 1024 : 512)});
    }
  }

  void differencesAreNamed() {
    ExperimentStore store(file_, ExperimentStore::Mode::ReadOnly);
    const ExperimentSnapshot s = ExperimentSnapshot::load(store);
    const auto byTask = protocolDifferencesByTask(s);
    QCOMPARE(int(byTask.size()), 1);
    QCOMPARE(int(byTask.at("mixed").size()), 2);  // window and stride
    const std::string line = byTask.at("mixed").front();
    QVERIFY2(line.find("perplexity window: 1024 (run " + std::to_string(runs_["mixed/W2"]) + ") vs 512 (runs ") == 0,
             line.c_str());
  }

  void curvesWarnUnderTheChart() {
    ExperimentStore store(file_, ExperimentStore::Mode::ReadOnly);
    CurvesView view;
    view.setSnapshot(std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(store)));
    view.taskBox()->setCurrentText("mixed");
    QCOMPARE(view.options().task, std::string("mixed"));
    QVERIFY2(view.notesLabel()->text().contains("differ in protocol") && view.notesLabel()->text().contains("perplexity window: 1024"),
             qPrintable(view.notesLabel()->text()));
    view.taskBox()->setCurrentText("same");
    QCOMPARE(view.options().task, std::string("same"));
    QVERIFY(!view.curves().series.empty());
    QVERIFY2(!view.notesLabel()->text().contains("differ in protocol"), qPrintable(view.notesLabel()->text()));
  }

  void tablesWarnOnTheMixedTaskOnly() {
    ExperimentStore store(file_, ExperimentStore::Mode::ReadOnly);
    auto snapshot = std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(store));
    ResultsTableModel model;
    model.setSnapshot(snapshot);
    int warned = 0, plain = 0;
    for (int r = 0; r < model.rowCount(); ++r) {
      const QModelIndex task = model.index(r, ResultsTableModel::Task);
      const bool icon = !model.data(task, Qt::DecorationRole).value<QIcon>().isNull();
      if (task.data().toString() == "mixed") {
        QVERIFY(icon);
        QVERIFY(model.data(task, Qt::ToolTipRole).toString().contains("perplexity window"));
        ++warned;
      } else {
        QVERIFY(!icon);
        QVERIFY(!model.data(task, Qt::ToolTipRole).isValid());
        ++plain;
      }
    }
    QCOMPARE(warned, 3);
    QCOMPARE(plain, 3);
    QVERIFY(model.headerData(ResultsTableModel::Task, Qt::Horizontal, Qt::ToolTipRole).toString().contains("mixed"));

    PaperTableModel paper;
    paper.setSnapshot(snapshot);
    int columnsWarned = 0;
    for (int c = 2; c < paper.columnCount(); ++c) {
      const QString name = paper.headerData(c, Qt::Horizontal, Qt::DisplayRole).toString();
      const bool icon = paper.headerData(c, Qt::Horizontal, Qt::DecorationRole).isValid();
      QCOMPARE(icon, name.startsWith("mixed"));
      columnsWarned += icon;
      if (icon) QVERIFY(paper.headerData(c, Qt::Horizontal, Qt::ToolTipRole).toString().contains("1024"));
    }
    QCOMPARE(columnsWarned, 1);
  }

  void runDetailsShowTheProtocol() {
    ExperimentStore store(file_, ExperimentStore::Mode::ReadOnly);
    const ExperimentSnapshot s = ExperimentSnapshot::load(store);
    const QString html = runDetailsHtml(&store, s, runs_["mixed/W2"]);
    QVERIFY(html.contains("Protocol"));
    QVERIFY(html.contains("Perplexity window"));
    QVERIFY(html.contains("1024"));
    QVERIFY(html.contains("bundled data"));
  }

  void noProtocolNoWarning() {
    // Runs stored before schema v5 record none: nothing to compare, nothing to warn about.
    const auto file = test::freshTempDir("gui_protocol_old") / "old.qsdb";
    {
      ExperimentStore store(file);
      const int64_t model = store.upsertModel({0, "/models/demo", "llama", 1000, "F32", "fp-demo"});
      test::addItemRun(store, model, {"FP16", "wikitext", {ppl(20)}, {}, ""});
      test::addItemRun(store, model, {"W4A16KV16-g128", "wikitext", {ppl(21)}, {}, protocol(512)});
    }
    ExperimentStore store(file, ExperimentStore::Mode::ReadOnly);
    QVERIFY(protocolDifferencesByTask(ExperimentSnapshot::load(store)).empty());
    QVERIFY(runDetailsHtml(&store, ExperimentSnapshot::load(store), 1).contains("Not recorded"));
  }
};

QTEST_MAIN(TestProtocolWarnings)
#include "test_protocol_warnings.moc"
