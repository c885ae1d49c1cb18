// The sensitivity and quant-error commands on the demo model with --db, the rows read back, and the
// mixed-precision recipe they print evaluated by a sweep like any other configuration.
#include <QtTest/QtTest>

#include <set>

#include "core/store/experiment_store.h"
#include "quant/quant_config.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_support.h"

namespace {

QString path(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

// The line after "mixed-precision recipe" that holds the name: the one starting with "  W".
QString recipeName(const QString& out) {
  const auto lines = out.split('\n');
  bool inRecipe = false;
  for (const auto& l : lines) {
    if (l.startsWith("mixed-precision recipe")) inRecipe = true;
    if (inRecipe && l.startsWith("  W")) return l.trimmed();
  }
  return {};
}

}  // namespace

class TestLayerAnalysisCli : public QObject {
  Q_OBJECT
  std::filesystem::path model_;

 private Q_SLOTS:
  void initTestCase() {
    model_ = qs::test::sourceDir() / "resources" / "demo-model";
    if (!std::filesystem::exists(model_ / "model.safetensors")) QSKIP("resources/demo-model is not available");
  }

  void sensitivityStoresRowsAndARecipeThatSweeps() {
    const auto dir = qs::test::freshTempDir("sensitivity-cli");
    const auto db = dir / "sens.qsdb";
    const auto r = qs::test::runCli({"--threads", "1", "sensitivity", path(model_), "--quant", "W3", "--samples", "2",
                                     "--seqlen", "64", "--db", path(db), "--target-bpw", "6"});  // W3 alone: 5.69 (the tied 16-bit head)
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QVERIFY2(r.out.contains("Spearman rho(KL, weight kurtosis) = "), qPrintable(r.out));
    QVERIFY2(r.err.contains("[ 28/28] done"), qPrintable(r.err));  // progress and the end of it
    {
      qs::ExperimentStore store(db, qs::ExperimentStore::Mode::ReadOnly);
      const auto rows = store.sensitivity();
      QCOMPARE(rows.size(), size_t{28});  // 4 layers x 7 roles
      std::set<std::pair<int, std::string>> linears;
      for (const auto& row : rows) {
        QCOMPARE(row.quantName, std::string("W3A16KV16-g128"));
        QVERIFY2(row.calibration.find(" n=2 L=64") != std::string::npos, row.calibration.c_str());
        QCOMPARE(row.tokens, int64_t{128});
        QVERIFY(row.klDivergence > 0);
        QCOMPARE(row.modelId, store.models().front().id);
        linears.insert({row.layer, row.role});
      }
      QCOMPARE(linears.size(), size_t{28});
    }

    const QString recipe = recipeName(r.out);
    QVERIFY2(recipe.startsWith("W3A16KV16-g128-w8."), qPrintable(r.out));
    QCOMPARE(QString::fromStdString(qs::QuantConfig::parse(recipe.toStdString()).name()), recipe);
    QVERIFY(r.out.contains("parses back to the same name: yes"));

    const auto sweepDb = dir / "sweep.qsdb";
    const auto s = qs::test::runCli({"--threads", "1", "sweep", "--model", path(model_), "--configs", recipe, "--tasks",
                                     "lambada_openai", "--limit", "3", "--no-stats", "--db", path(sweepDb)});
    QVERIFY2(s.code == 0, qPrintable(s.err + s.out));
    qs::ExperimentStore store(sweepDb, qs::ExperimentStore::Mode::ReadOnly);
    bool ran = false;
    for (const auto& run : store.listRuns())
      ran = ran || (run.quantName == recipe.toStdString() && run.status == qs::RunStatus::Done);
    QVERIFY2(ran, "the recipe's run is not done");
  }

  void quantErrorStoresErrorsAndQuantizedStatistics() {
    const auto db = qs::test::freshTempDir("quant-error-cli") / "err.qsdb";
    const auto r = qs::test::runCli({"--threads", "1", "quant-error", path(model_), "--quant", "W4A8KV4-g128",
                                     "--samples", "2", "--seqlen", "64", "--db", path(db)});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QVERIFY(r.out.contains("output SQNR dB"));
    qs::ExperimentStore store(db, qs::ExperimentStore::Mode::ReadOnly);
    const auto errors = store.quantErrors();
    QCOMPARE(errors.size(), size_t{28});
    std::string calibration;
    for (const auto& e : errors) {
      QCOMPARE(e.quantName, std::string("W4A8KV4-g128"));
      QVERIFY(e.weightSqnrDb && *e.weightSqnrDb > 5 && *e.weightSqnrDb < 40);
      QVERIFY(e.outputSqnrDb && *e.outputSqnrDb > 0);
      calibration = e.calibration;
    }
    // Statistics under the configuration, beside the FP16 ones of the same calibration windows.
    for (const char* quant : {"W4A8KV4-g128", "FP16"}) {
      qs::StatsQuery q;
      q.quantName = quant;
      q.calibration = calibration;
      std::set<std::string> kinds;
      for (const auto& s : store.layerStats(q)) kinds.insert(s.kind);
      QVERIFY2((kinds == std::set<std::string>{"activation", "key", "value"}), quant);
    }
    qs::StatsQuery fp, quantized;
    fp.quantName = "FP16";
    fp.layer = 0;
    fp.role = "q_proj";
    fp.kind = "weight";
    quantized = fp;
    quantized.quantName = "W4A8KV4-g128";
    const auto a = store.layerStats(fp), b = store.layerStats(quantized);
    QVERIFY(a.size() == 1 && b.size() == 1);
    QVERIFY(a[0].kurtosis != b[0].kurtosis);  // the quantized weight's own statistics
  }

  void badQuantIsAUsageErrorNamingIt() {
    const auto r = qs::test::runCli({"sensitivity", path(model_), "--quant", "W4A16KV4"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("KV cache is not a linear"), qPrintable(r.err));
    const auto e = qs::test::runCli({"quant-error", path(model_), "--quant", "W4-g128-awq"});
    QCOMPARE(e.code, 2);
    QVERIFY2(e.err.contains("awq"), qPrintable(e.err));
  }
};

QTEST_GUILESS_MAIN(TestLayerAnalysisCli)
#include "test_layer_analysis_cli.moc"
