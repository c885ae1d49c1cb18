#include <QtTest/QtTest>

#include <QLabel>
#include <QListWidget>
#include <fstream>

#include "tests/support/test_support.h"
#include "ui/model_card.h"
#include "ui/model_panel.h"

class TestModelPanel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QCoreApplication::setOrganizationName("QuantScopeTest");  // keep the user's recent list out of it
    QCoreApplication::setApplicationName("test_model_panel");
  }

  void cardOfStories260K() {
    const auto dir = qs::test::sharedDir() / "models" / "stories260K";
    if (!std::filesystem::exists(dir / "config.json")) QSKIP("shared/models/stories260K not found");
    const qs::ModelCard card = qs::loadModelCard(dir);
    QCOMPARE(QString::fromStdString(card.name), QString("stories260K"));
    QCOMPARE(card.config.numLayers, 5);
    QCOMPARE(card.config.attention.numHeads, 8);
    QCOMPARE(card.config.attention.numKvHeads, 4);
    QCOMPARE(card.config.maxPositions, 512);
    QCOMPARE(QString::fromStdString(card.storedDtype), QString("F32"));
    QCOMPARE(card.weightFiles, 1);
    QVERIFY(card.weightWarning.empty());
    // Parameters from the safetensors header: F32 means 4 bytes each.
    QVERIFY(card.parameters > 200'000 && card.parameters < 300'000);
    QCOMPARE(card.storedBytes, uint64_t(card.parameters) * 4);
    QCOMPARE(card.weightMemory(2), uint64_t(card.parameters) * 2);
    // KV cache: 2 (K,V) x layers x kv heads x head dim x context x bytes.
    QCOMPARE(card.kvCacheMemory(4), uint64_t(2) * 5 * 4 * 8 * 512 * 4);
  }

  // A state-space model's card: its decode state instead of a KV cache, and no KV-cache memory.
  void cardOfAModelWithoutKvCache() {
    const qs::ModelCard card = qs::loadModelCard(qs::test::goldenDir() / "mamba");
    QVERIFY(!card.config.hasKvCache());
    // 2 layers x 128 channels x (conv window 3 + state 16) x 4 bytes.
    QCOMPARE(card.stateMemory(4), uint64_t(2) * 128 * (3 + 16) * 4);
    const QString html = qs::modelCardHtml(card);
    QVERIFY2(html.contains("Decode state") && html.contains("no KV cache"), qPrintable(html));
    QVERIFY(!html.contains("KV cache at full context"));
    QVERIFY(html.contains("state per sequence"));
    const QString mixtral = qs::modelCardHtml(qs::loadModelCard(qs::test::goldenDir() / "mixtral"));
    QVERIFY2(mixtral.contains("mixtral") && mixtral.contains("KV cache at full context"), qPrintable(mixtral));
  }

  void panelShowsTheCard() {
    const auto dir = qs::test::sharedDir() / "models" / "stories260K";
    if (!std::filesystem::exists(dir / "config.json")) QSKIP("shared/models/stories260K not found");
    qs::ModelPanel panel;
    QSignalSpy opened(&panel, &qs::ModelPanel::modelOpened);
    QVERIFY(panel.openModel(QString::fromStdString(dir.string())));
    QCOMPARE(opened.count(), 1);
    QCOMPARE(panel.selectedModels().size(), 1);
    QVERIFY(panel.cardLabel()->text().contains("260"));
    QVERIFY(panel.cardLabel()->text().contains("llama"));
    QVERIFY(panel.errorText().isEmpty());
    // Opening it again does not add a second row; unchecking removes it from the sweep.
    QVERIFY(panel.openModel(QString::fromStdString(dir.string())));
    QCOMPARE(panel.list()->count(), 1);
    panel.list()->item(0)->setCheckState(Qt::Unchecked);
    QVERIFY(panel.selectedModels().isEmpty());
  }

  void configWithoutWeightsStillGivesACard() {
    const auto dir = qs::test::sharedDir() / "models" / "opt-125m-tokenizer";
    if (!std::filesystem::exists(dir / "config.json")) QSKIP("shared/models/opt-125m-tokenizer not found");
    const qs::ModelCard card = qs::loadModelCard(dir);
    QCOMPARE(card.config.numLayers, 12);
    QCOMPARE(card.parameters, int64_t(0));
    QVERIFY(card.weightWarning.find("model.safetensors") != std::string::npos);
    QCOMPARE(QString::fromStdString(card.storedDtype), QString("F16"));  // from torch_dtype
  }

  void badFoldersGiveAMessageNotACrash() {
    qs::ModelPanel panel;
    QVERIFY(!panel.openModel("/nonexistent/model"));
    QVERIFY(panel.errorText().contains("/nonexistent/model"));
    QVERIFY(panel.cardLabel()->text().contains("Cannot open"));

    const auto dir = qs::test::freshTempDir("gui_model_panel");
    QVERIFY(!panel.openModel(QString::fromStdString(dir.string())));  // no config.json
    QVERIFY(panel.errorText().contains("config.json"));

    std::ofstream(dir / "config.json") << R"({"model_type": "llama", "hidden_size": 64})";
    QVERIFY(!panel.openModel(QString::fromStdString(dir.string())));
    QVERIFY2(panel.errorText().contains("num_hidden_layers") || panel.errorText().contains("missing"),
             qPrintable(panel.errorText()));

    std::ofstream(dir / "config.json") << "{not json";
    QVERIFY(!panel.openModel(QString::fromStdString(dir.string())));
    QVERIFY(panel.errorText().contains("JSON"));
    QCOMPARE(panel.list()->count(), 0);
  }

  void truncatedWeightsAreAWarning() {
    const auto src = qs::test::sharedDir() / "models" / "stories260K";
    if (!std::filesystem::exists(src / "config.json")) QSKIP("shared/models/stories260K not found");
    const auto dir = qs::test::freshTempDir("gui_model_truncated");
    std::filesystem::copy_file(src / "config.json", dir / "config.json");
    std::ofstream(dir / "model.safetensors") << "garbage";
    const qs::ModelCard card = qs::loadModelCard(dir);
    QCOMPARE(card.parameters, int64_t(0));
    QVERIFY(!card.weightWarning.empty());
  }

  void formatting() {
    QCOMPARE(QString::fromStdString(qs::formatBytes(512)), QString("512 B"));
    QCOMPARE(QString::fromStdString(qs::formatBytes(1536)), QString("1.5 KiB"));
    QCOMPARE(QString::fromStdString(qs::formatCount(6'740'000'000)), QString("6.7B"));
  }
};

QTEST_MAIN(TestModelPanel)
#include "test_model_panel.moc"
