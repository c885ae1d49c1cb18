#include <QtTest/QtTest>

#include <QAbstractButton>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QSpinBox>
#include <QStringListModel>

#include "quant/quant_config.h"
#include "ui/quant_grid.h"
#include "ui/quant_panel.h"

using qs::QuantPanel;
using qs::TensorType;

namespace {

// Clicks a check box on its indicator, where a user clicks.
void clickCheckBox(QCheckBox* box) {
  QStyleOptionButton option;
  option.initFrom(box);
  const QRect indicator = box->style()->subElementRect(QStyle::SE_CheckBoxIndicator, &option, box);
  QTest::mouseClick(box, Qt::LeftButton, {}, indicator.center());
}

}  // namespace

class TestQuantPanel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void startsEmpty() {
    QuantPanel panel;
    QVERIFY(panel.configNames().isEmpty());
    QCOMPARE(panel.configModel()->rowCount(), 0);
  }

  void weightBitsGiveWeightOnlyConfigs() {
    QuantPanel panel;
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QSignalSpy changed(&panel, &QuantPanel::selectionChanged);
    clickCheckBox(panel.bitsBox(TensorType::Weight, 4));
    QVERIFY(panel.bitsBox(TensorType::Weight, 4)->isChecked());
    panel.bitsBox(TensorType::Weight, 8)->setChecked(true);
    QCOMPARE(changed.count(), 2);
    QCOMPARE(panel.configNames(), QStringList({"W4A16KV16-g128", "W8A16KV16-g128"}));
    QCOMPARE(panel.configModel()->stringList(), panel.configNames());
  }

  void bitWidthsCombineAsCrossProduct() {
    QuantPanel panel;
    for (int w : {4, 8}) panel.bitsBox(TensorType::Weight, w)->setChecked(true);
    for (int a : {8, 16}) panel.bitsBox(TensorType::Activation, a)->setChecked(true);
    // 2 W x 2 A = 4 configs; A16 with W gives the weight-only ones.
    QCOMPARE(panel.configNames(),
             QStringList({"W4A16KV16-g128", "W4A8KV16-g128", "W8A16KV16-g128", "W8A8KV16-g128"}));
    panel.bitsBox(TensorType::Kv, 4)->setChecked(true);  // KV {4}: every config also quantizes KV
    QCOMPARE(panel.configNames().size(), 4);
    for (const QString& n : panel.configNames()) QVERIFY2(n.contains("KV4"), qPrintable(n));
  }

  void allSixteenIsTheBaselineAndNotListed() {
    QuantPanel panel;
    panel.bitsBox(TensorType::Weight, 16)->setChecked(true);
    panel.bitsBox(TensorType::Kv, 16)->setChecked(true);
    QVERIFY(panel.configNames().isEmpty());
  }

  void runCountForASelection() {
    QuantPanel panel;
    for (int w : {2, 3, 4, 8}) panel.bitsBox(TensorType::Weight, w)->setChecked(true);
    const qs::RunCount c = qs::countRuns(panel.configNames().size(), 3, 2);
    QCOMPARE(c.configs, 4);
    QCOMPARE(c.baselines, 6);
    QCOMPARE(c.total, 4 * 3 * 2 + 6);
  }

  void paperGridChecksEveryPreset() {
    QuantPanel panel;
    panel.bitsBox(TensorType::Weight, 3)->setChecked(true);
    panel.selectPaperGrid();
    QVERIFY(!panel.bitsBox(TensorType::Weight, 3)->isChecked());
    QCOMPARE(panel.configNames().size(), 11);
    for (const auto& preset : qs::paperPresets()) {
      QVERIFY(panel.presetButton(QString::fromStdString(preset))->isChecked());
      // Each preset's canonical name is among the configs.
      const std::string name = qs::QuantConfig::preset(preset).name();
      QVERIFY2(panel.configNames().contains(QString::fromStdString(name)), name.c_str());
    }
    panel.clearSelection();
    QVERIFY(panel.configNames().isEmpty());
  }

  void presetButtonsAndBitsMergeWithoutDuplicates() {
    QuantPanel panel;
    QTest::mouseClick(panel.presetButton("W4"), Qt::LeftButton);
    QVERIFY(panel.presetButton("W4")->isChecked());
    panel.bitsBox(TensorType::Weight, 4)->setChecked(true);
    QCOMPARE(panel.configNames(), QStringList({"W4A16KV16-g128"}));
    QTest::mouseClick(panel.presetButton("KV2"), Qt::LeftButton);
    QCOMPARE(panel.configNames().size(), 2);
  }

  void optionsChangeTheNames() {
    QuantPanel panel;
    panel.bitsBox(TensorType::Weight, 4)->setChecked(true);
    panel.groupSizeBox()->setValue(64);
    QCOMPARE(panel.configNames(), QStringList({"W4A16KV16-g64"}));
    panel.granularityBox()->setCurrentIndex(panel.granularityBox()->findData("per-channel"));
    QVERIFY(!panel.groupSizeBox()->isEnabled());
    QCOMPARE(panel.configNames(), QStringList({"W4A16KV16-pc"}));
    panel.symmetryBox()->setCurrentIndex(1);
    QCOMPARE(panel.configNames(), QStringList({"W4A16KV16-pc-symW"}));
    panel.methodBox("rtn")->setChecked(false);
    panel.methodBox("awq")->setChecked(true);
    QCOMPARE(panel.configNames(), QStringList({"W4A16KV16-pc-symW-awq"}));
    // Every name the panel prints parses back to itself.
    for (const QString& n : panel.configNames())
      QCOMPARE(QString::fromStdString(qs::QuantConfig::parse(n.toStdString()).name()), n);
  }

  // A selected model without a KV cache (Mamba): KV bit-widths and presets are cleared and disabled,
  // the reason is shown; W/A configurations stay; enabling again restores the controls.
  void kvDisabledForAModelWithoutKvCache() {
    QuantPanel panel;
    panel.show();
    clickCheckBox(panel.bitsBox(TensorType::Weight, 4));
    clickCheckBox(panel.bitsBox(TensorType::Kv, 4));
    QVERIFY(panel.configNames().join(",").contains("KV4"));
    panel.setKvAvailable(false, "KV-cache quantization is off: mamba has no KV cache");
    QVERIFY(!panel.bitsBox(TensorType::Kv, 4)->isEnabled());
    QVERIFY(!panel.bitsBox(TensorType::Kv, 4)->isChecked());
    QVERIFY(panel.bitsBox(TensorType::Kv, 16)->isEnabled());
    QVERIFY(!panel.presetButton("KV4")->isEnabled());
    QVERIFY(panel.kvNote()->isVisible());
    QVERIFY(panel.kvNote()->text().contains("no KV cache"));
    QVERIFY(!panel.configNames().join(",").contains("KV4"));
    QVERIFY(panel.configNames().join(",").contains("W4"));
    panel.setKvAvailable(true);
    QVERIFY(panel.bitsBox(TensorType::Kv, 4)->isEnabled());
    QVERIFY(panel.presetButton("KV4")->isEnabled());
    QVERIFY(!panel.kvNote()->isVisible());
  }

  // Methods are a grid dimension: each checked method on every configuration it can serve.
  void methodsCrossTheGrid() {
    QuantPanel panel;
    panel.bitsBox(TensorType::Weight, 4)->setChecked(true);
    panel.presetButton("W8A8")->setChecked(true);
    for (const char* m : {"gptq", "smoothquant"}) panel.methodBox(m)->setChecked(true);
    QCOMPARE(panel.configNames(), QStringList({"W4A16KV16-g128", "W4A16KV16-g128-gptq", "W8A8KV16-g128",
                                               "W8A8KV16-g128-gptq", "W8A8KV16-g128-smoothquant"}));
    QCOMPARE(panel.grid().leftOut().size(), size_t(1));  // W4 keeps A at 16 bits: no SmoothQuant
    QVERIFY(panel.grid().leftOut().front().find("W4A16KV16-g128 with smoothquant") == 0);
  }

  void setGridRoundTripsWithoutFeedback() {
    QuantPanel panel;
    qs::QuantGrid grid;
    grid.weightBits = {3};
    grid.kvBits = {2, 4};
    grid.presets = {"W4A8"};
    grid.groupSize = 32;
    grid.methods = {"rtn", "awq"};
    QSignalSpy changed(&panel, &QuantPanel::selectionChanged);
    panel.setGrid(grid);
    QCOMPARE(changed.count(), 1);  // one signal, not one per widget written
    const qs::QuantGrid back = panel.grid();
    QCOMPARE(back.weightBits, grid.weightBits);
    QCOMPARE(back.kvBits, grid.kvBits);
    QCOMPARE(back.presets, grid.presets);
    QCOMPARE(back.groupSize, 32);
    QCOMPARE(back.methods, grid.methods);
    QCOMPARE(panel.configNames().size(), 6);  // W3KV2, W3KV4, W4A8, each with rtn and awq
  }
};

QTEST_MAIN(TestQuantPanel)
#include "test_quant_panel.moc"
