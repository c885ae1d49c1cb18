// Mixture-of-experts statistics in the heatmaps: experts of one tensor share a layer x tensor cell
// (the maximum), the layer x expert view shows each, and the router load is each expert's share of
// the layer's routed tokens, all from statistics stored per expert.
#include <QtTest/QtTest>

#include <QComboBox>
#include <cmath>

#include "core/store/experiment_store.h"
#include "tests/support/test_support.h"
#include "ui/experiment_snapshot.h"
#include "ui/heatmap_data.h"
#include "ui/heatmap_table_model.h"
#include "ui/heatmap_view.h"
#include "ui/heatmap_widget.h"

namespace {

using namespace qs;

constexpr int kLayers = 2, kExperts = 3;
// Tokens routed to expert e of layer l, and the kurtosis of its gate_proj weight.
int64_t routed(int l, int e) { return 10 + 7 * e + 3 * l; }
double kurtosis(int l, int e) { return 3.0 + l + 0.5 * e; }

LayerStatRecord stat(const StatsKey& key, int layer, const char* role, const char* kind, int expert, double k,
                     int64_t count) {
  LayerStatRecord r;
  r.key = key;
  r.layer = layer;
  r.role = role;
  r.kind = kind;
  r.expert = expert;
  r.count = count;
  r.mean = 0;
  r.std = 1;
  r.absmax = k * 2;
  r.kurtosis = k;
  return r;
}

}  // namespace

class TestExpertHeatmaps : public QObject {
  Q_OBJECT
  std::unique_ptr<ExperimentStore> store_;
  std::vector<LayerStatRecord> stats_;

 private Q_SLOTS:
  void initTestCase() {
    const auto file = test::freshTempDir("expert-heatmaps") / "moe.qsdb";
    store_ = std::make_unique<ExperimentStore>(file);
    const int64_t model = store_->upsertModel({0, "/models/mixtral", "mixtral", 1000, "F32", "fp-mixtral"});
    const StatsKey weights{model, "FP16", ""}, inputs{model, "FP16", "calib n=1"};
    std::vector<LayerStatRecord> stats;
    for (int l = 0; l < kLayers; ++l) {
      stats.push_back(stat(weights, l, "q_proj", "weight", -1, 2.5, 4096));
      stats.push_back(stat(inputs, l, "router", "activation", -1, 3.1, 64 * 50));
      for (int e = 0; e < kExperts; ++e) {
        stats.push_back(stat(weights, l, "gate_proj", "weight", e, kurtosis(l, e), 8192));
        stats.push_back(stat(inputs, l, "gate_proj", "activation", e, 4.0, routed(l, e) * 64));
      }
    }
    store_->putStats(stats, {});
    StatsQuery q;
    q.modelId = model;
    stats_ = store_->layerStats(q);
    QCOMPARE(int(stats_.size()), kLayers * (2 + 2 * kExperts));
  }

  void tensorViewShowsTheMaximumExpert() {
    const HeatmapMatrix m = layerTensorMatrix(stats_, StatMetric::Kurtosis, "weight");
    QCOMPARE(m.columns(), 2);
    int gate = -1;
    for (int c = 0; c < m.columns(); ++c)
      if (m.columnTensors[c].first == "gate_proj") gate = c;
    QVERIFY(gate >= 0);
    QCOMPARE(QString::fromStdString(m.columnLabels[gate]), QString("W gate_proj (max of 3 experts)"));
    for (int r = 0; r < m.rows(); ++r) QCOMPARE(m.at(r, gate), kurtosis(m.rowLayers[r], kExperts - 1));
  }

  void expertViewAndRouterLoad() {
    QCOMPARE(expertRoles(stats_), std::vector<std::string>{"gate_proj"});
    const HeatmapMatrix m = layerExpertMatrix(stats_, StatMetric::Kurtosis, "gate_proj", "weight");
    QCOMPARE(m.rows(), kLayers);
    QCOMPARE(m.columns(), kExperts);
    for (int r = 0; r < kLayers; ++r)
      for (int e = 0; e < kExperts; ++e) QCOMPARE(m.at(r, e), kurtosis(r, e));
    const HeatmapMatrix load = routerLoadMatrix(stats_);
    QCOMPARE(load.rows(), kLayers);
    QCOMPARE(load.columns(), kExperts);
    for (int l = 0; l < kLayers; ++l) {
      double total = 0, sum = 0;
      for (int e = 0; e < kExperts; ++e) total += double(routed(l, e));
      for (int e = 0; e < kExperts; ++e) {
        QVERIFY(std::abs(load.at(l, e) - routed(l, e) / total) < 1e-12);
        sum += load.at(l, e);
      }
      QVERIFY(std::abs(sum - 1.0) < 1e-12);
    }
  }

  void viewSwitchesAndCellNamesTheExpert() {
    auto snapshot = std::make_shared<ExperimentSnapshot>(ExperimentSnapshot::load(*store_));
    HeatmapView view;
    view.setSource(store_.get(), snapshot);
    QVERIFY(!view.viewBox()->isHidden());
    view.kindBox()->setCurrentIndex(view.kindBox()->findData("weight"));
    view.viewBox()->setCurrentIndex(view.viewBox()->findData(1));
    QCOMPARE(view.expertRoleBox()->currentText(), QString("gate_proj"));
    QCOMPARE(view.tensorModel()->rowCount(), kLayers);
    QCOMPARE(view.tensorModel()->columnCount(), kExperts);
    view.selectCell(1, 2);
    QVERIFY2(view.detailsText().contains("expert 2"), qPrintable(view.detailsText()));
    QVERIFY(view.detailsText().contains(QString::number(kurtosis(1, 2))));
    view.viewBox()->setCurrentIndex(view.viewBox()->findData(2));
    QVERIFY(QString::fromStdString(view.tensorMap()->matrix().title).contains("Router load"));
  }
};

QTEST_MAIN(TestExpertHeatmaps)
#include "test_expert_heatmaps.moc"
