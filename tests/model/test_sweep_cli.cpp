// The sweep command for real: killed with SIGKILL mid-sweep and resumed; shards merged.
#include <QtTest/QtTest>

#include <csignal>
#include <map>

#include <nlohmann/json.hpp>

#include "core/store/experiment_store.h"
#include "tests/support/test_support.h"

namespace {

QString cli() { return QString::fromStdString((qs::test::binaryDir() / "app" / "quantscope-cli").string()); }

QStringList sweepArgs(const std::filesystem::path& model, const std::filesystem::path& db) {
  return {"--threads", "1", "sweep", "--model", QString::fromStdString(model.string()), "--configs",
          "KV8,KV4,KV2", "--tasks", "lambada_openai,arc_easy", "--limit", "6", "--no-stats", "--db",
          QString::fromStdString(db.string())};
}

int runToEnd(const QStringList& args, QString* err = nullptr) {
  QProcess p;
  p.start(cli(), args);
  p.waitForFinished(600000);
  if (err) *err = QString::fromUtf8(p.readAllStandardError());
  return p.exitCode();
}

// (quant, task, metric) -> value of every done run.
std::map<std::string, double> doneMetrics(const std::filesystem::path& db) {
  qs::ExperimentStore store(db, qs::ExperimentStore::Mode::ReadOnly);
  std::map<std::string, double> out;
  for (const auto& r : store.listRuns())
    if (r.status == qs::RunStatus::Done)
      for (const auto& m : store.metrics(r.id)) out[r.quantName + "|" + r.task + "|" + m.name] = m.value;
  return out;
}

}  // namespace

class TestSweepCli : public QObject {
  Q_OBJECT
  std::filesystem::path model_;

 private Q_SLOTS:
  void initTestCase() {
    model_ = qs::test::sharedDir() / "models" / "stories260K";
    if (!std::filesystem::exists(model_ / "model.safetensors")) QSKIP("../shared/models/stories260K is not available");
  }

  void methodTransformsAreCachedAndReused() {
    const auto dir = qs::test::freshTempDir("sweep_transform_cache");
    const auto db = dir / "methods.qsdb";
    auto args = [&](const QString& task, bool resume) {
      QStringList a = {"--threads", "1", "sweep", "--model", QString::fromStdString(model_.string()), "--configs",
                       "W3A16KV16-pc-gptq,W4A16KV16-pc-awq,W4A4KV16-pc-quarot", "--tasks", task, "--limit", "4",
                       "--no-stats", "--db", QString::fromStdString(db.string())};
      if (resume) a << "--resume";
      return a;
    };
    QString err;
    QCOMPARE(runToEnd(args("arc_easy", false), &err), 0);
    const auto transforms = std::filesystem::path(db.string() + ".transforms");
    QCOMPARE(std::distance(std::filesystem::directory_iterator(transforms), std::filesystem::directory_iterator()), 3L);
    // Another task: the three transforms come from the cache, and give the same model (the KL
    // divergence against FP16 on the KL text is a property of the configuration, not the task).
    QCOMPARE(runToEnd(args("lambada_openai", true), &err), 0);
    qs::ExperimentStore store(db, qs::ExperimentStore::Mode::ReadOnly);
    std::map<std::string, double> kl;
    int loaded = 0;
    for (const auto& r : store.listRuns()) {
      if (r.quantName == "FP16") continue;
      for (const auto& m : store.metrics(r.id))
        if (m.name == "kl_divergence") {
          auto [it, fresh] = kl.emplace(r.quantName, m.value);
          if (!fresh) QCOMPARE(m.value, it->second);  // bit for bit
        }
      const auto j = nlohmann::json::parse(r.quantJson);
      const bool cached = j.at("method_run").at("cached").get<bool>();
      QCOMPARE(cached, r.task == "lambada_openai");
      QVERIFY(j["method_run"]["seconds"].get<double>() > 0);  // the computation's own time, kept
      for (const auto& l : store.logs(r.id)) loaded += l.text.find("loaded from the transform cache") != std::string::npos;
    }
    QCOMPARE(kl.size(), size_t(3));
    QCOMPARE(loaded, 3);

    // A damaged cache file is dropped with a warning and the transform computed again.
    for (const auto& f : std::filesystem::directory_iterator(transforms)) std::filesystem::resize_file(f.path(), 100);
    QCOMPARE(runToEnd(args("lambada_openai,arc_easy", true), &err), 0);  // all done: nothing to redo
    QVERIFY(runToEnd(QStringList{"--threads", "1", "sweep", "--model", QString::fromStdString(model_.string()),
                                 "--configs", "W3A16KV16-pc-gptq", "--tasks", "boolq", "--limit", "2", "--no-stats",
                                 "--resume", "--db", QString::fromStdString(db.string())},
                     &err) == 0);
    QVERIFY2(err.contains("the cached transform cannot be used"), qPrintable(err));
  }

  void killedSweepResumes() {
    const auto db = qs::test::freshTempDir("sweep-kill") / "sweep.qsdb";
    QProcess p;
    p.start(cli(), sweepArgs(model_, db));
    QVERIFY(p.waitForStarted());
    // Wait until at least one run is committed, then kill without warning.
    std::vector<qs::RunRecord> before;
    for (int i = 0; i < 600 && before.empty(); ++i) {
      QTest::qWait(100);
      if (!std::filesystem::exists(db)) continue;
      try {
        qs::ExperimentStore store(db, qs::ExperimentStore::Mode::ReadOnly);
        qs::RunFilter f;
        f.status = qs::RunStatus::Done;
        before = store.listRuns(f);
      } catch (const std::exception&) {
        // The database may be mid-creation; try again.
      }
    }
    QVERIFY2(!before.empty(), "no run finished within 60 s");
    QVERIFY(p.state() == QProcess::Running);
    ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
    p.waitForFinished();
    QCOMPARE(p.exitStatus(), QProcess::CrashExit);

    // Without --resume the command refuses to write into a database that holds runs.
    QString err;
    QCOMPARE(runToEnd(sweepArgs(model_, db), &err), 2);
    QVERIFY(err.contains("--resume"));

    QCOMPARE(runToEnd(sweepArgs(model_, db) << "--resume", &err), 0);
    qs::ExperimentStore store(db, qs::ExperimentStore::Mode::ReadOnly);
    const auto after = store.listRuns();
    QCOMPARE(static_cast<int>(after.size()), 4 * 2);  // baseline + 3 configs, 2 tasks
    for (const auto& r : after) QCOMPARE(r.status, qs::RunStatus::Done);
    // The runs completed before the kill were kept, not redone.
    for (const auto& b : before) {
      auto r = store.run(b.id);
      QVERIFY(r.has_value());
      QCOMPARE(QString::fromStdString(r->finishedAt), QString::fromStdString(b.finishedAt));
    }
  }

  void shardsMergeToTheUnshardedSweep() {
    const auto dir = qs::test::freshTempDir("sweep-shards");
    QCOMPARE(runToEnd(sweepArgs(model_, dir / "all.qsdb")), 0);
    QCOMPARE(runToEnd(sweepArgs(model_, dir / "s0.qsdb") << "--shard" << "0/2"), 0);
    QCOMPARE(runToEnd(sweepArgs(model_, dir / "s1.qsdb") << "--shard" << "1/2"), 0);
    const auto s0 = doneMetrics(dir / "s0.qsdb"), s1 = doneMetrics(dir / "s1.qsdb");
    QVERIFY(!s0.empty() && !s1.empty());
    // Shard 1 repeats shard 0 once more: a duplicate run must be kept once.
    QCOMPARE(runToEnd({"merge", QString::fromStdString((dir / "merged.qsdb").string()),
                       QString::fromStdString((dir / "s0.qsdb").string()),
                       QString::fromStdString((dir / "s1.qsdb").string()),
                       QString::fromStdString((dir / "s0.qsdb").string())}),
             0);
    const auto all = doneMetrics(dir / "all.qsdb");
    const auto merged = doneMetrics(dir / "merged.qsdb");
    QCOMPARE(merged.size(), all.size());
    for (const auto& [key, value] : all) {
      QVERIFY2(merged.count(key), key.c_str());
      QCOMPARE(merged.at(key), value);
    }
    // Shard 2 of 3 draws KV8 / lambada and KV4 / arc_easy but neither FP16 run: it runs those too,
    // so its quantized runs have their KL divergence, equal to the unsharded sweep's.
    QCOMPARE(runToEnd(sweepArgs(model_, dir / "s2of3.qsdb") << "--shard" << "2/3"), 0);
    const auto s2 = doneMetrics(dir / "s2of3.qsdb");
    for (const char* key : {"W16A16KV8-g128|lambada_openai|kl_divergence", "W16A16KV4-g128|arc_easy|kl_divergence",
                            "FP16|lambada_openai|acc", "FP16|arc_easy|acc"}) {
      QVERIFY2(s2.count(key), key);
      QCOMPARE(s2.at(key), all.at(key));
    }
  }
};

QTEST_GUILESS_MAIN(TestSweepCli)
#include "test_sweep_cli.moc"
