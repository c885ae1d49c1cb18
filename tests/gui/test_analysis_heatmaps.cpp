// The sensitivity and quantization-error heatmaps beside the kurtosis map: the stored values in
// layer x role cells, and Spearman's correlation of each with the weight kurtosis as text.
#include <QtTest/QtTest>

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <cmath>

#include "core/store/experiment_store.h"
#include "tasks/report/rank_correlation.h"
#include "tests/gui/gui_test_data.h"
#include "tests/support/test_support.h"
#include "ui/analysis_heatmap_data.h"
#include "ui/experiment_snapshot.h"
#include "ui/heatmap_view.h"
#include "ui/heatmap_widget.h"

namespace {

using namespace qs;
namespace fs = std::filesystem;

const std::string kCalibration = "calibration.txt n=5 L=256";
const std::string kQuant = "W3A16KV16-g128";

// Higher layers matter more, and within a layer the roles in reverse order: the ranking is not
// the kurtosis ranking, so rho is neither 1 nor 0.
double demoKl(int layer, int role) { return 0.01 * (layer * 6 + (5 - role)) + 0.001; }
double demoSqnr(int layer, int role) { return 20.0 - layer - 0.5 * role; }

}  // namespace

class TestAnalysisHeatmaps : public QObject {
  Q_OBJECT
  fs::path file_;
  test::DemoDatabase db_;

 private Q_SLOTS:
  void initTestCase() {
    file_ = test::freshTempDir("gui_analysis_heatmaps") / "demo.qsdb";
    db_ = test::makeDemoDatabase(file_);
    ExperimentStore store(file_);
    std::vector<SensitivityRecord> sens;
    std::vector<QuantErrorRecord> errors;
    for (int layer = 0; layer < 4; ++layer)
      for (int r = 0; r < int(test::demoRoles().size()); ++r) {
        sens.push_back({db_.opt, kQuant, kCalibration, layer, test::demoRoles()[r], -1, demoKl(layer, r), 1280});
        QuantErrorRecord e;
        e.modelId = db_.opt;
        e.quantName = kQuant;
        e.calibration = kCalibration;
        e.layer = layer;
        e.role = test::demoRoles()[r];
        e.weightSqnrDb = demoSqnr(layer, r);
        e.weightRelError = std::pow(10.0, -demoSqnr(layer, r) / 20);
        e.outputSqnrDb = demoSqnr(layer, r) - 3;
        errors.push_back(e);
      }
    store.putSensitivity(sens);
    store.putQuantErrors(errors);
  }

  void sensitivityRowsAndTheirCorrelationWithKurtosis() {
    ExperimentStore store(file_, ExperimentStore::Mode::ReadOnly);
    auto snapshot = std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(store));
    QCOMPARE(int(snapshot->sensitivityKeys.size()), 1);
    HeatmapView view;
    view.setSource(&store, snapshot);
    QVERIFY(!view.correlationLabel()->isVisible() && view.correlationLabel()->isHidden());  // kurtosis first
    view.setQuantity(AnalysisQuantity::Sensitivity);
    QCOMPARE(view.keyBox()->count(), 1);
    QCOMPARE(view.keyBox()->currentText(), QString("opt-125m · W3A16KV16-g128"));
    QCOMPARE(view.calibrationBox()->currentText(), QString::fromStdString(kCalibration));
    QVERIFY(!view.kindBox()->isEnabled());
    const HeatmapMatrix& m = view.tensorMap()->matrix();
    QCOMPARE(m.rows(), 4);
    QCOMPARE(m.columns(), 6);
    QCOMPARE(m.columnLabels[1], std::string("k_proj"));
    for (int layer = 0; layer < 4; ++layer)
      for (int r = 0; r < 6; ++r) QCOMPARE(m.at(layer, r), demoKl(layer, r));
    QVERIFY(m.valueLabel.find("KL") != std::string::npos);
    // The most sensitive tensor is selected first: layer 3, q_proj.
    QVERIFY2(view.detailsText().contains("layer 3") && view.detailsText().contains("q_proj"), qPrintable(view.detailsText()));

    // Spearman against the stored weight kurtosis, computed independently here.
    std::vector<double> kl, kurtosis;
    for (int layer = 0; layer < 4; ++layer)
      for (int r = 0; r < 6; ++r) {
        kl.push_back(demoKl(layer, r));
        kurtosis.push_back(test::demoKurtosis(layer, r, "weight"));
      }
    const double rho = *spearmanCorrelation(kl, kurtosis);
    QVERIFY(rho > 0.5 && rho < 1.0);
    const QString text = view.correlationLabel()->text();
    QVERIFY(!view.correlationLabel()->isHidden());
    QVERIFY2(text.contains("24 tensors"), qPrintable(text));
    QVERIFY2(text.contains(QString::fromUtf8("ρ = %1").arg(rho, 0, 'f', 2)), qPrintable(text));
  }

  void quantizationErrorMapsAndBackToKurtosis() {
    ExperimentStore store(file_, ExperimentStore::Mode::ReadOnly);
    HeatmapView view;
    view.setSource(&store, std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(store)));
    view.setQuantity(AnalysisQuantity::WeightSqnr);
    QCOMPARE(view.tensorMap()->matrix().at(2, 3), demoSqnr(2, 3));
    QVERIFY(!view.tensorMap()->logScale());  // dB: linear
    QVERIFY(view.correlationLabel()->text().contains("weight kurtosis"));
    // The lowest SQNR (the worst tensor) is selected first: layer 3, fc2.
    QVERIFY2(view.detailsText().contains("layer 3") && view.detailsText().contains("fc2"), qPrintable(view.detailsText()));
    view.setQuantity(AnalysisQuantity::OutputSqnr);
    QCOMPARE(view.tensorMap()->matrix().at(2, 3), demoSqnr(2, 3) - 3);
    // Back to kurtosis: the statistics keys again, no correlation line.
    view.metricBox()->setCurrentIndex(0);
    QCOMPARE(view.keyBox()->currentText(), QString("opt-125m · FP16"));
    QVERIFY(view.kindBox()->isEnabled());
    QVERIFY(view.correlationLabel()->isHidden());
    QCOMPARE(view.tensorMap()->matrix().columns(), 6 * 2 + 2);
  }

  void aDatabaseWithoutScansSaysSo() {
    const auto file = test::freshTempDir("gui_analysis_none") / "demo.qsdb";
    test::makeDemoDatabase(file);
    ExperimentStore store(file, ExperimentStore::Mode::ReadOnly);
    HeatmapView view;
    view.setSource(&store, std::make_shared<const ExperimentSnapshot>(ExperimentSnapshot::load(store)));
    view.setQuantity(AnalysisQuantity::Sensitivity);
    QVERIFY(view.tensorMap()->matrix().empty());
    QVERIFY(QString::fromStdString(view.tensorMap()->matrix().title).contains("quantscope-cli sensitivity"));
  }
};

QTEST_MAIN(TestAnalysisHeatmaps)
#include "test_analysis_heatmaps.moc"
