// quantscope-cli eval --quant / --db on the bundled demo model: the quantization is applied, the
// runs land in the database under the same keys the sweep command uses.
#include <QtTest/QtTest>

#include <map>

#include "core/store/experiment_store.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_support.h"

namespace {
namespace fs = std::filesystem;

using qs::test::runCli;

QString str(const fs::path& p) { return QString::fromStdString(p.string()); }

QStringList evalArgs(const QString& quant) {
  const auto demo = qs::test::sourceDir() / "resources";
  return {"--threads", "1", "eval", str(demo / "demo-model"), "--tasks", "lambada_openai,arc_easy", "--limit", "8",
          "--data-dir", str(demo / "demo-data"), "--no-kl", "--quant", quant};
}

// task -> metric -> value of the done runs of one quant config.
std::map<std::string, std::map<std::string, double>> storedMetrics(const fs::path& db, const std::string& quant) {
  qs::ExperimentStore store(db, qs::ExperimentStore::Mode::ReadOnly);
  std::map<std::string, std::map<std::string, double>> out;
  for (const auto& r : store.listRuns())
    if (r.status == qs::RunStatus::Done && r.quantName == quant)
      for (const auto& m : store.metrics(r.id)) out[r.task][m.name] = m.value;
  return out;
}

}  // namespace

class TestEvalCli : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void quantAndDatabase() {
    const auto db = qs::test::freshTempDir("eval-cli") / "eval.qsdb";
    auto fp = runCli(evalArgs("FP16") << "--db" << str(db));
    QVERIFY2(fp.code == 0, qPrintable(fp.err));
    auto w2 = runCli(evalArgs("W2") << "--db" << str(db));
    QVERIFY2(w2.code == 0, qPrintable(w2.err));
    QVERIFY2(w2.out.contains("W2A16KV16-g128"), qPrintable(w2.out));
    QVERIFY(w2.out.contains("2 run(s) stored"));

    const auto fpRuns = storedMetrics(db, "FP16"), w2Runs = storedMetrics(db, "W2A16KV16-g128");
    QCOMPARE(fpRuns.size(), size_t(2));
    QCOMPARE(w2Runs.size(), size_t(2));
    QVERIFY(fpRuns.at("arc_easy").count("acc") && fpRuns.at("lambada_openai").count("perplexity"));
    // 2-bit weights change the model: the cloze perplexity moves (it is 1.07 unquantized).
    QVERIFY(w2Runs.at("lambada_openai").at("perplexity") > fpRuns.at("lambada_openai").at("perplexity") * 1.01);

    // The sweep command sees these runs as its own: same keys, nothing left to do.
    const auto demo = qs::test::sourceDir() / "resources";
    auto sweep = runCli({"--threads", "1", "sweep", "--model", str(demo / "demo-model"), "--configs", "W2", "--tasks",
                         "lambada_openai,arc_easy", "--limit", "8", "--data-dir", str(demo / "demo-data"), "--no-stats",
                         "--db", str(db), "--resume"});
    QVERIFY2(sweep.code == 0, qPrintable(sweep.err));
    QVERIFY2(sweep.out.contains("0 completed, 4 skipped"), qPrintable(sweep.out));
  }

  void badQuantNameIsAUsageErrorAndStoresNothing() {
    const auto db = qs::test::freshTempDir("eval-cli-bad") / "eval.qsdb";
    auto r = runCli(evalArgs("W5X") << "--db" << str(db));
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.contains("W5X"), qPrintable(r.err));
    QVERIFY(!fs::exists(db) || storedMetrics(db, "FP16").empty());
  }
};

QTEST_GUILESS_MAIN(TestEvalCli)
#include "test_eval_cli.moc"
