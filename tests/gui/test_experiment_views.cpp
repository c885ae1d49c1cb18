// The views over a database: what the curves, heatmaps and results table show must equal the
// values stored through the store API (tests/gui/gui_test_data.h).
#include <QtTest/QtTest>

#include <QChart>
#include <QCheckBox>
#include <QLabel>
#include <QValueAxis>
#include <QComboBox>
#include <QLineEdit>
#include <QLineSeries>
#include <QPainter>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QToolTip>
#include <cmath>
#include <tuple>

#include "core/store/experiment_store.h"
#include "tasks/report/result_points.h"
#include "tasks/report/results_table.h"
#include "tests/gui/gui_test_data.h"
#include "tests/support/test_support.h"
#include "ui/curve_chart.h"
#include "ui/curve_data.h"
#include "ui/curves_view.h"
#include "ui/experiment_snapshot.h"
#include "ui/heatmap_data.h"
#include "ui/heatmap_table_model.h"
#include "ui/heatmap_view.h"
#include "ui/heatmap_widget.h"
#include "ui/results_table_model.h"
#include "ui/results_view.h"

namespace {

using namespace qs;

double demoAcc(const std::string& quant) {
  for (const auto& m : test::demoMetrics())
    if (m.quant == quant) return m.acc;
  return NAN;
}

const CurveSeries* findSeries(const CurveSet& set, const std::string& name) {
  for (const auto& s : set.series)
    if (s.name == name) return &s;
  return nullptr;
}

QLineSeries* findLine(QChart* chart, const QString& name) {
  for (QAbstractSeries* s : chart->series())
    if (s->name() == name) return qobject_cast<QLineSeries*>(s);
  return nullptr;
}

}  // namespace

class TestExperimentViews : public QObject {
  Q_OBJECT
  std::filesystem::path file_;
  test::DemoDatabase db_;
  std::unique_ptr<ExperimentStore> store_;
  std::shared_ptr<const ExperimentSnapshot> snapshot_;

 private Q_SLOTS:
  void initTestCase() {
    file_ = test::freshTempDir("gui_views") / "demo.qsdb";
    db_ = test::makeDemoDatabase(file_);
    store_ = std::make_unique<ExperimentStore>(file_, ExperimentStore::Mode::ReadOnly);
    snapshot_ = std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(*store_));
  }

  void snapshotHoldsEveryRun() {
    QCOMPARE(int(snapshot_->runs.size()), int(test::demoMetrics().size()) * 2 + 3);
    QCOMPARE(snapshot_->modelName(db_.opt), std::string("opt-125m"));
    QCOMPARE(snapshot_->tasks(), (std::vector<std::string>{"arc_easy", "wikitext"}));
    QCOMPARE(snapshot_->metricNames("arc_easy"), std::vector<std::string>{"acc"});
    const RunEntry* base = snapshot_->baseline(db_.opt, "arc_easy");
    QVERIFY(base);
    QCOMPARE(base->run.id, db_.optRuns.at("FP16"));
  }

  void curvesSeriesEqualStoredValues() {
    CurveOptions o;
    o.task = "arc_easy";
    o.metric = "acc";
    const CurveSet set = buildCurves(*snapshot_, o);
    const CurveSeries* w = findSeries(set, "opt-125m · W only (x = weight bits)");
    QVERIFY(w);
    QCOMPARE(int(w->points.size()), 4);  // W2 W3 W4 W8, ascending
    const char* names[] = {"W2A16KV16-g128", "W3A16KV16-g128", "W4A16KV16-g128", "W8A16KV16-g128"};
    const double bits[] = {2, 3, 4, 8};
    for (int i = 0; i < 4; ++i) {
      QCOMPARE(w->points[i].bits, bits[i]);
      QCOMPARE(w->points[i].value, demoAcc(names[i]));
      QCOMPARE(w->points[i].runId, db_.optRuns.at(names[i]));
      QVERIFY(w->points[i].stdError.has_value());
    }
    const CurveSeries* kv = findSeries(set, "opt-125m · KV only (x = KV bits)");
    QVERIFY(kv);
    QCOMPARE(int(kv->points.size()), 3);
    QCOMPARE(kv->points[1].value, demoAcc("W16A16KV4-g128"));
    // WA: x = activation bits, one series per weight bit-width.
    const CurveSeries* w4a = findSeries(set, "opt-125m · W4 + A (x = activation bits)");
    QVERIFY(w4a);
    QCOMPARE(int(w4a->points.size()), 2);
    QCOMPARE(w4a->points[0].bits, 4.0);
    QCOMPARE(w4a->points[0].value, demoAcc("W4A4KV16-g128"));
    QVERIFY(findSeries(set, "opt-125m · W8 + A (x = activation bits)"));
    // The llama model: W only, one point; its failed W2 run is not on the curve.
    const CurveSeries* llama = findSeries(set, "llama-7b · W only (x = weight bits)");
    QVERIFY(llama);
    QCOMPARE(int(llama->points.size()), 1);
    QCOMPARE(int(set.baselines.size()), 2);
    QCOMPARE(set.baselines[0].value, 0.600);
    // W4A16KV4 quantizes two tensor types: left out, with a note.
    QCOMPARE(int(set.notes.size()), 1);
  }

  void curvesByBitsPerWeight() {
    CurveOptions o;
    o.task = "arc_easy";
    o.metric = "acc";
    o.xAxis = CurveXAxis::BitsPerWeight;
    const CurveSet set = buildCurves(*snapshot_, o);
    const CurveSeries* w = findSeries(set, "opt-125m · W only (x = weight bits)");
    QVERIFY(w);
    // The demo runs stored no measured figure: the names' cost on a 4096-wide linear, an fp16
    // scale and zero point per group of 128 (2.25, 3.25, 4.25, 8.25).
    const double x[] = {2.25, 3.25, 4.25, 8.25};
    QCOMPARE(int(w->points.size()), 4);
    for (int i = 0; i < 4; ++i) {
      QCOMPARE(w->points[i].bits, x[i]);
      QVERIFY(w->points[i].nominalCost);
    }
    // W+A and KV series do not move along this axis: left out, and said so.
    QVERIFY(!findSeries(set, "opt-125m · KV only (x = KV bits)"));
    QVERIFY(!findSeries(set, "opt-125m · W4 + A (x = activation bits)"));
    bool noted = false;
    for (const auto& n : set.notes) noted = noted || n.find("bits-per-weight axis") != std::string::npos;
    QVERIFY(noted);
    // A run that stored its measured cost is placed there.
    const auto file = test::freshTempDir("gui_bpw") / "bpw.qsdb";
    {
      ExperimentStore store(file);
      const int64_t m = store.upsertModel({0, "/models/tiny", "llama", 1000, "F16", "fp-tiny"});
      for (auto [quant, bpw, acc] : {std::tuple{"FP16", 16.0, 0.6}, {"Wnf4A16KV16-g64", 4.5, 0.58}, {"Wmxfp4A16KV16", 4.25, 0.55}}) {
        RunRecord r;
        r.modelId = m;
        r.quantName = quant;
        r.quantJson = "{\"bits_per_weight\": " + std::to_string(bpw) + "}";
        r.task = "arc_easy";
        r.taskVersion = "1";
        const int64_t id = store.beginRun(r);
        RunResults res;
        res.metrics = {{"acc", acc, 0.01, 100, true}};
        store.finishRun(id, res);
      }
    }
    ExperimentStore store(file, ExperimentStore::Mode::ReadOnly);
    const auto snapshot = ExperimentSnapshot::load(store);
    const CurveSet formats = buildCurves(snapshot, o);
    std::vector<double> xs;
    for (const auto& series : formats.series)
      for (const auto& p : series.points) {
        xs.push_back(p.bits);
        QVERIFY(!p.nominalCost);
      }
    std::sort(xs.begin(), xs.end());
    QCOMPARE(xs, (std::vector<double>{4.25, 4.5}));
    std::unique_ptr<QChart> chart(makeCurveChart(formats, ChartStyle::screen()));
    bool titled = false;
    for (QAbstractAxis* a : chart->axes(Qt::Horizontal)) titled = titled || a->titleText().startsWith("bits per weight");
    QVERIFY(titled);
  }

  // The FP16 run is found under each spelling of the baseline, and a metric it cannot have (a
  // comparison with it) is not reported as a missing baseline run.
  void baselineNotesSayWhatIsMissing() {
    for (const std::string name : {"FP16", "fp16", "W16A16KV16"}) {
      ExperimentSnapshot snap;
      snap.modelLabels[1] = "demo-model";
      auto add = [&](int64_t id, const std::string& quant, std::vector<MetricRecord> metrics) {
        RunEntry e;
        e.run.id = id;
        e.run.modelId = 1;
        e.run.quantName = quant;
        e.run.task = "wikitext2";
        e.run.limit = 100;
        e.run.status = RunStatus::Done;
        e.metrics = std::move(metrics);
        snap.runs.push_back(e);
      };
      add(1, name, {{"word_perplexity", 3.39, 0.4, 100, false}});
      add(2, "W4A16KV16-g32", {{"word_perplexity", 3.5, 0.4, 100, false}, {"kl_divergence", 0.01, 0.001, 100, false}});
      QVERIFY(snap.baseline(1, "wikitext2 (limit 100)"));
      CurveOptions o;
      o.task = "wikitext2 (limit 100)";
      o.metric = "word_perplexity";
      CurveSet set = buildCurves(snap, o);
      QVERIFY2(set.notes.empty(), set.notes.empty() ? "" : set.notes[0].c_str());
      QCOMPARE(int(set.baselines.size()), 1);
      QCOMPARE(set.baselines[0].value, 3.39);
      o.metric = "kl_divergence";
      set = buildCurves(snap, o);
      QCOMPARE(int(set.notes.size()), 1);
      QVERIFY2(set.notes[0].find("no baseline run") == std::string::npos &&
                   set.notes[0].find("compares each quantized run with the FP16 run") != std::string::npos,
               set.notes[0].c_str());
      QCOMPARE(int(set.series.size()), 1);  // the curve is still drawn
      // Without the FP16 run the note says so.
      snap.runs.erase(snap.runs.begin());
      o.metric = "word_perplexity";
      set = buildCurves(snap, o);
      QCOMPARE(int(set.notes.size()), 1);
      QVERIFY2(set.notes[0].find("no finished FP16 baseline run") != std::string::npos, set.notes[0].c_str());
    }
    QVERIFY(isBaselineComparisonMetric("agreement_rougeL") && !isBaselineComparisonMetric("acc"));
  }

  void relativeCurvesAreSignedPercentages() {
    CurveOptions o;
    o.task = "wikitext";
    o.metric = "word_perplexity";
    o.relative = true;
    const CurveSet set = buildCurves(*snapshot_, o);
    QVERIFY(!set.higherIsBetter);
    const CurveSeries* w = findSeries(set, "opt-125m · W only (x = weight bits)");
    QVERIFY(w);
    // Perplexity 30.10 against 27.65: worse, so negative.
    QVERIFY(std::abs(w->points[2].value - (-100.0 * (30.10 - 27.65) / 27.65)) < 1e-9);
    QCOMPARE(set.baselines[0].value, 0.0);
    QCOMPARE(relativeChange(0.58, 0.60, true), 100.0 * (0.58 - 0.60) / 0.60);
  }

  void chartSeriesCarryThePoints() {
    CurveOptions o;
    o.task = "arc_easy";
    o.metric = "acc";
    const CurveSet set = buildCurves(*snapshot_, o);
    std::unique_ptr<QChart> chart(makeCurveChart(set, ChartStyle::publication()));
    QLineSeries* line = findLine(chart.get(), "opt-125m · W only (x = weight bits)");
    QVERIFY(line);
    QCOMPARE(line->count(), 4);
    // x = log2(bits); the bits and values themselves ride along as properties.
    QVERIFY(std::abs(line->at(2).x() - 2.0) < 0.2);
    QCOMPARE(line->at(2).y(), demoAcc("W4A16KV16-g128"));
    QCOMPARE(line->property("bits").toList().at(2).toDouble(), 4.0);
    QCOMPARE(line->property("values").toList().at(2).toDouble(), demoAcc("W4A16KV16-g128"));
    QLineSeries* base = findLine(chart.get(), "opt-125m · FP16 baseline");
    QVERIFY(base);
    QCOMPARE(base->at(0).y(), 0.600);
    QCOMPARE(base->at(1).y(), 0.600);
    const QString tip = curvePointToolTip(line, 2);
    QVERIFY2(tip.contains("0.58") && tip.contains(QString::fromUtf8("± 0.012")), qPrintable(tip));
    // An accuracy axis stays inside [0, 1], its ticks anchored at 0 (no "-2.78e-17" label).
    auto* y = qobject_cast<QValueAxis*>(chart->axes(Qt::Vertical).first());
    QVERIFY(y);
    QVERIFY2(y->min() >= 0 && y->max() <= 1, qPrintable(QString("%1 .. %2").arg(y->min()).arg(y->max())));
    QCOMPARE(y->tickType(), QValueAxis::TicksDynamic);
    QCOMPARE(y->tickAnchor(), 0.0);
  }

  // A series' colour does not depend on its position: adding another series (new results) that
  // takes a free colour changes no existing colour; series on one chart differ; none is the
  // baselines' black or an unreadable yellow.
  void seriesColoursAreStable() {
    CurveOptions o;
    o.task = "arc_easy";
    o.metric = "acc";
    CurveSet set = buildCurves(*snapshot_, o);
    std::map<QString, QColor> before;
    {
      std::unique_ptr<QChart> chart(makeCurveChart(set, ChartStyle::publication()));
      for (const auto& series : set.series) before[QString::fromStdString(series.name)] = findLine(chart.get(), QString::fromStdString(series.name))->pen().color();
    }
    QVERIFY(before.size() >= 2);
    CurveSeries extra = set.series.front();
    extra.name = "another-model · W";
    set.series.insert(set.series.begin(), extra);
    std::unique_ptr<QChart> chart(makeCurveChart(set, ChartStyle::publication()));
    std::set<QRgb> distinct;
    for (const auto& [name, colour] : before) {
      QCOMPARE(findLine(chart.get(), name)->pen().color(), colour);
      QVERIFY(colour != QColor(0, 0, 0) && colour != QColor(240, 228, 66));
      distinct.insert(colour.rgb());
    }
    QCOMPARE(distinct.size(), before.size());
  }

  // Scores that reach 0: the padding would go below it and the tick at 0 used to read -2.78e-17.
  void accuracyAxisFromZero() {
    CurveSet set;
    set.options.task = "t";
    set.options.metric = "acc";
    CurveSeries s;
    s.model = "m";
    s.name = "m · W";
    s.family = QuantFamily::Weight;
    s.points = {CurvePoint{2, 0.0, 0.02, 1, "W2", std::nullopt}, CurvePoint{4, 0.55, 0.03, 2, "W4", std::nullopt},
                CurvePoint{8, 0.97, 0.02, 3, "W8", std::nullopt}};
    set.series.push_back(s);
    std::unique_ptr<QChart> chart(makeCurveChart(set, ChartStyle::publication()));
    auto* y = qobject_cast<QValueAxis*>(chart->axes(Qt::Vertical).first());
    QVERIFY(y);
    QCOMPARE(y->min(), 0.0);
    QVERIFY(y->max() <= 1.0);
  }

  void curvesViewDrivesTheChart() {
    CurvesView view;
    view.setSnapshot(snapshot_);
    QCOMPARE(view.taskBox()->count(), 2);
    view.taskBox()->setCurrentIndex(view.taskBox()->findText("wikitext"));
    QCOMPARE(view.metricBox()->currentText(), QString("word_perplexity"));
    QVERIFY(view.logBox()->isChecked());  // perplexity: log axis by default
    QVERIFY(findLine(view.chart(), "opt-125m · W only (x = weight bits)"));
    view.familyBox(QuantFamily::Weight)->setChecked(false);
    QVERIFY(!findLine(view.chart(), "opt-125m · W only (x = weight bits)"));
    QVERIFY(findLine(view.chart(), "opt-125m · KV only (x = KV bits)"));
    QVERIFY2(view.notesLabel()->text().contains("Higher is worse"), qPrintable(view.notesLabel()->text()));
    view.modeBox()->setCurrentIndex(1);
    QVERIFY(view.curves().options.relative);
    QVERIFY(!view.logBox()->isEnabled());
    // Perplexity is lower-is-better, but the relative view's sign makes higher better.
    QVERIFY2(view.notesLabel()->text().contains("Higher is better (percent change"), qPrintable(view.notesLabel()->text()));
  }

  // Hovering a point (QXYSeries::hovered) shows its value ± stderr and n from the database.
  void hoverShowsThePointsNumbers() {
    CurvesView view;
    view.resize(900, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setSnapshot(snapshot_);
    view.taskBox()->setCurrentIndex(view.taskBox()->findText("arc_easy"));
    QLineSeries* line = findLine(view.chart(), "opt-125m · W only (x = weight bits)");
    QVERIFY(line);
    QToolTip::hideText();
    Q_EMIT line->hovered(line->at(2), true);
    const QString tip = QToolTip::text();
    QVERIFY2(tip.contains("4 bits (W4A16KV16-g128)") && tip.contains(QString::fromUtf8("0.58 ± 0.012, n = 2376")),
             qPrintable(tip));
    Q_EMIT line->hovered(line->at(2), false);
    QTRY_VERIFY(!QToolTip::isVisible());  // hidden after Qt's short fade-out delay
  }

  // A perplexity task opens on its perplexity, not on the KL divergence quantized runs add (sorted
  // first); an accuracy task on acc.
  void curvesOpenOnTheTaskScore() {
    QCOMPARE(preferredMetric({"bits_per_byte", "byte_perplexity", "kl_divergence", "kl_divergence_p99",
                              "same_top_token", "word_perplexity"}),
             std::string("word_perplexity"));
    QCOMPARE(preferredMetric({"acc", "acc_norm", "kl_divergence"}), std::string("acc"));
    QCOMPARE(preferredMetric({"kl_divergence", "rouge_l", "same_top_token"}), std::string("rouge_l"));
    QCOMPARE(preferredMetric({"kl_divergence"}), std::string("kl_divergence"));
    QCOMPARE(preferredMetric({}), std::string());
  }

  void resultsTableRowsAndFilter() {
    ResultsView view;
    view.setSource(store_.get(), snapshot_);
    ResultsTableModel* m = view.model();
    // One row per metric of every run, and one for the failed run.
    QCOMPARE(m->rowCount(), int(test::demoMetrics().size()) * 2 + 3);
    int w4Row = -1;
    for (int r = 0; r < m->rowCount(); ++r)
      if (m->runIdAt(r) == db_.optRuns.at("W4A16KV16-g128")) w4Row = r;
    QVERIFY(w4Row >= 0);
    QCOMPARE(m->index(w4Row, ResultsTableModel::Value).data(ResultsTableModel::kSortRole).toDouble(), 0.58);
    QCOMPARE(m->index(w4Row, ResultsTableModel::Type).data().toString(), QString("W"));
    const double delta = m->index(w4Row, ResultsTableModel::Delta).data(ResultsTableModel::kSortRole).toDouble();
    QVERIFY(std::abs(delta - 100.0 * (0.58 - 0.60) / 0.60) < 1e-9);

    view.filterEdit()->setText("failed");
    QCOMPARE(view.proxy()->rowCount(), 1);
    view.filterEdit()->setText("W4A4");
    QCOMPARE(view.proxy()->rowCount(), 2);  // arc_easy and wikitext
    view.filterEdit()->clear();
    view.proxy()->sort(ResultsTableModel::Value, Qt::DescendingOrder);
    QCOMPARE(view.proxy()->index(0, ResultsTableModel::Metric).data().toString(), QString("word_perplexity"));
    QCOMPARE(view.proxy()->index(0, ResultsTableModel::Value).data(ResultsTableModel::kSortRole).toDouble(), 900.0);

    view.showRun(db_.optRuns.at("W4A16KV16-g128"));
    QVERIFY(view.detailsHtml().contains("W4A16KV16-g128"));
    view.filterEdit()->setText("W8A8KV16-g128");
    const QString tsv = view.selectionAsTsv();
    QCOMPARE(tsv.count('\n'), 3);  // header + 2 rows
    QVERIFY(tsv.startsWith("Run\tModel\tConfig"));
  }

  void paperLayoutIsCoreResultsTable() {
    ResultsView view;
    view.setSource(store_.get(), snapshot_);
    view.setLayoutIndex(1);
    QSortFilterProxyModel* shown = view.proxy();
    // Rows: every (model, config) with done runs; the FP16 baseline of each model first.
    QCOMPARE(shown->rowCount(), int(test::demoMetrics().size()) + 2);
    QCOMPARE(shown->columnCount(), 2 + 2);  // Model, Config, arc_easy/acc, wikitext/word_perplexity
    QCOMPARE(shown->headerData(2, Qt::Horizontal).toString(), QString::fromUtf8("arc_easy/acc ↑"));
    int w4 = -1, fp16 = -1;
    for (int r = 0; r < shown->rowCount(); ++r) {
      if (shown->index(r, 0).data().toString() != "opt-125m") continue;
      if (shown->index(r, 1).data().toString() == "W4A16KV16-g128") w4 = r;
      if (shown->index(r, 1).data().toString() == "FP16") fp16 = r;
    }
    QVERIFY(w4 >= 0 && fp16 >= 0);
    QVERIFY(fp16 < w4);
    QCOMPARE(shown->index(w4, 2).data(Qt::UserRole).toDouble(), 0.58);
    QVERIFY(shown->index(w4, 2).data().toString().startsWith(QString::fromUtf8("0.5800 ± 0.0120")));
    view.setLayoutIndex(2);
    QCOMPARE(view.layoutBox()->currentIndex(), 2);
    const double rel = shown->index(w4, 2).data(Qt::UserRole).toDouble();
    QVERIFY(std::abs(rel - 100.0 * (0.58 - 0.60) / 0.60) < 0.006);  // rounded to 2 decimals
    QCOMPARE(shown->index(fp16, 2).data(Qt::UserRole).toDouble(), 0.6);  // the baseline stays absolute
    // Exported unfiltered, the paper layout is core's rendering of the store's points: the same
    // file `quantscope-cli export` writes.
    TableOptions options;
    options.relative = true;
    options.withStdError = true;
    const std::string expected = renderTable(buildResultsTable(collectResultPoints(*store_), options), TableFormat::Latex);
    const auto out = test::freshTempDir("gui_views_export") / "paper.tex";
    view.exportShown(QString::fromStdString(out.string()));
    QCOMPARE(test::readFile(out), expected);
    view.setLayoutIndex(0);
    QCOMPARE(shown->columnCount(), int(ResultsTableModel::ColumnCount));
  }

  void heatmapCellsEqualStoredStatistics() {
    StatsQuery q;
    q.modelId = db_.opt;
    q.quantName = "FP16";
    const HeatmapMatrix m = layerTensorMatrix(store_->layerStats(q), StatMetric::Kurtosis);
    QCOMPARE(m.rows(), 4);
    // 6 weight + 6 activation roles + K + V.
    QCOMPARE(m.columns(), 14);
    for (int c = 0; c < m.columns(); ++c) {
      const auto& [role, kind] = m.columnTensors[c];
      if (kind != "weight" && kind != "activation") continue;
      const int roleIndex = int(std::find(test::demoRoles().begin(), test::demoRoles().end(), role) - test::demoRoles().begin());
      for (int r = 0; r < m.rows(); ++r) QCOMPARE(m.at(r, c), test::demoKurtosis(m.rowLayers[r], roleIndex, kind));
    }
    QCOMPARE(QString::fromStdString(m.columnLabels.front()), QString("W q_proj"));
    QCOMPARE(QString::fromStdString(m.columnLabels.back()), QString("V v_proj"));
    const HeatmapMatrix weights = layerTensorMatrix(store_->layerStats(q), StatMetric::AbsMax, "weight");
    QCOMPARE(weights.columns(), 6);
    QCOMPARE(weights.at(2, 4), test::demoAbsmax(2, 4, "weight"));
  }

  void heatmapViewAndCellClick() {
    HeatmapView view;
    view.setSource(store_.get(), snapshot_);
    QCOMPARE(view.keyBox()->count(), 1);
    QCOMPARE(view.calibrationBox()->currentText(), QString::fromStdString(db_.calibration));
    HeatmapTableModel* m = view.tensorModel();
    QCOMPARE(m->rowCount(), 4);
    QCOMPARE(m->columnCount(), 14);
    view.kindBox()->setCurrentIndex(view.kindBox()->findData("activation"));
    QCOMPARE(m->columnCount(), 6);
    QCOMPARE(m->headerData(4, Qt::Horizontal, Qt::DisplayRole).toString(), QString("A fc1"));
    QCOMPARE(m->index(3, 4).data(Qt::UserRole).toDouble(), test::demoKurtosis(3, 4, "activation"));

    // Click the fc1 activation cell of layer 2: its numbers, and its channel profile.
    view.selectCell(2, 4);
    QVERIFY(view.detailsText().contains("fc1"));
    const HeatmapMatrix& channels = view.channelMap()->matrix();
    QCOMPARE(channels.rows(), 4);
    QCOMPARE(channels.columns(), 64);
    QCOMPARE(channels.at(2, 7), double(test::demoChannelAbsmax(2, 7)));
    QCOMPARE(channels.at(1, 3), double(test::demoChannelAbsmax(1, 3)));

    // The widget: the log scale spans the log of the values; missing cells are grey.
    HeatmapWidget* w = view.tensorMap();
    w->setLogScale(true);
    const auto [lo, hi] = w->valueRange();
    QVERIFY(std::abs(hi - std::log10(test::demoKurtosis(3, 5, "activation"))) < 1e-12);
    QVERIFY(lo < hi);
    QVERIFY(w->colorFor(NAN) != w->colorFor(test::demoKurtosis(0, 0, "activation")));
  }

  // A zero (an outlier ratio without outliers) and a cell with no value must not look alike, on
  // the log scale (where zero has no place) as on the linear one; the missing cell is hatched.
  void heatmapZeroAndMissingDiffer() {
    HeatmapMatrix m;
    m.rowLabels = {"layer 0", "layer 1"};
    m.columnLabels = {"W q_proj", "A q_proj"};
    m.rowLayers = {0, 1};
    m.values = {0.0, NAN, 1e-3, 1e-2};
    HeatmapWidget w;
    w.resize(400, 300);
    w.setMatrix(m);
    QVERIFY(w.hasMissing());
    for (bool log : {true, false}) {
      w.setLogScale(log);
      QVERIFY2(w.colorFor(0.0) != w.colorFor(NAN), log ? "log scale" : "linear scale");
      QVERIFY(w.colorFor(1e-2) != w.colorFor(NAN));
    }
    w.setLogScale(true);
    QCOMPARE(w.colorFor(0.0), w.colorFor(1e-3));  // the bottom of the scale, labelled "≤ 0.001"

    // Painted: the zero cell is one flat colour, the missing cell grey with darker hatch lines.
    QImage image(w.size(), QImage::Format_RGB32);
    {
      QPainter p(&image);
      w.paintHeatmap(p, QRectF(w.rect()), w.font());
    }
    // Every second pixel, away from the cell borders (antialiased edges, the frame).
    std::map<std::pair<int, int>, QSet<QRgb>> colours;
    for (int y = 0; y < w.height(); y += 2)
      for (int x = 0; x < w.width(); x += 2) {
        const QPoint cell = w.cellAt({x, y});
        if (cell.x() >= 0 && w.cellAt({x - 3, y - 3}) == cell && w.cellAt({x + 3, y + 3}) == cell)
          colours[{cell.x(), cell.y()}].insert(image.pixel(x, y));
      }
    const QSet<QRgb> zero = colours[{0, 0}], missing = colours[{1, 0}];
    QCOMPARE(zero.size(), 1);
    QVERIFY(zero.contains(w.colorFor(0.0).rgb()));
    QVERIFY2(missing.size() >= 2, "the n/a cell is not hatched");
    QVERIFY(missing.contains(w.colorFor(NAN).rgb()));
    QVERIFY(!missing.contains(w.colorFor(0.0).rgb()));
  }

  void heatmapWidgetReportsClickedCell() {
    HeatmapMatrix m;
    m.rowLabels = {"layer 0", "layer 1"};
    m.columnLabels = {"W q_proj", "W k_proj", "W v_proj"};
    m.columnTensors = {{"q_proj", "weight"}, {"k_proj", "weight"}, {"v_proj", "weight"}};
    m.rowLayers = {0, 1};
    m.values = {1, 2, 3, 4, 5, 6};
    HeatmapWidget w;
    w.resize(600, 400);
    w.setMatrix(m);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QSignalSpy clicked(&w, &HeatmapWidget::cellClicked);
    // Find the centre of cell (1, 2) by scanning: cellAt is the widget's own geometry.
    QPoint target(-1, -1);
    for (int y = 0; y < w.height() && target.x() < 0; y += 2)
      for (int x = 0; x < w.width(); x += 2)
        if (w.cellAt({x, y}) == QPoint(2, 1)) {
          target = {x + 5, y + 5};
          break;
        }
    QVERIFY(target.x() >= 0);
    QTest::mouseClick(&w, Qt::LeftButton, {}, target);
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked[0][0].toInt(), 1);
    QCOMPARE(clicked[0][1].toInt(), 2);
    QCOMPARE(w.cellAt({1, 1}), QPoint(-1, -1));
  }
};

QTEST_MAIN(TestExperimentViews)
#include "test_experiment_views.moc"
