// Every family through the command line: `info` names it and its attention layout, and a sweep of
// W4 / W4A8 / KV4 over one task stores its runs and per-role statistics (q/k/v of fused-qkv
// models included) in the database. The golden models have no tokenizer: the stories260K one
// (vocabulary 512, as theirs) is placed beside a link to their weights.
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <set>

#include "core/model/model.h"
#include "core/store/experiment_store.h"
#include "quant/bits_per_weight.h"
#include "tests/support/test_support.h"

namespace {

QString cli() { return QString::fromStdString((qs::test::binaryDir() / "app" / "quantscope-cli").string()); }

int run(const QStringList& args, QString* out, QString* err) {
  QProcess p;
  p.start(cli(), args);
  p.waitForFinished(600000);
  *out = QString::fromUtf8(p.readAllStandardOutput());
  *err = QString::fromUtf8(p.readAllStandardError());
  return p.exitCode();
}

// The golden folder of `family` with the stories260K tokenizer beside its weights.
std::filesystem::path withTokenizer(const std::string& family) {
  const auto golden = qs::test::goldenDir() / family;
  const auto stories = qs::test::sharedDir() / "models" / "stories260K";
  const auto dir = qs::test::freshTempDir("family-cli-" + family);
  for (const char* f : {"config.json", "model.safetensors"})
    std::filesystem::create_symlink(std::filesystem::absolute(golden / f), dir / f);
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"})
    if (std::filesystem::exists(stories / f)) std::filesystem::copy_file(stories / f, dir / f);
  return dir;
}

}  // namespace

class TestFamilyCli : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void info_data() {
    QTest::addColumn<QString>("folder");
    QTest::addColumn<QString>("expected");
    QTest::newRow("mistral") << "mistral" << "sliding window 8";
    QTest::newRow("qwen2") << "qwen2" << "family      qwen2";
    QTest::newRow("gemma") << "gemma" << "RMSNorm (1 + w)";
    QTest::newRow("stablelm") << "stablelm" << "partial rotary (4 of 16 dims)";
    QTest::newRow("falcon") << "falcon" << "4 heads (kv 1, head dim 16), rotary, fused qkv";
    QTest::newRow("falcon_newdec") << "falcon_newdec" << "4 heads (kv 2, head dim 16)";
    QTest::newRow("bloom") << "bloom" << "ALiBi";
    QTest::newRow("gpt2") << "gpt2" << "learned positions";
    QTest::newRow("mixtral") << "mixtral" << "family      mixtral";
    QTest::newRow("chatglm3") << "chatglm3" << "4 heads (kv 2, head dim 16), partial rotary (8 of 16 dims, interleaved pairs), fused qkv";
    QTest::newRow("mamba") << "mamba" << "no KV cache";
  }
  void info() {
    QFETCH(QString, folder);
    QFETCH(QString, expected);
    QString out, err;
    const auto dir = qs::test::goldenDir() / folder.toStdString();
    QCOMPARE(run({"info", QString::fromStdString(dir.string())}, &out, &err), 0);
    QVERIFY2(out.contains(expected), qPrintable(out + err));
  }

  // The router of each MoE layer is not quantized unless a rule includes it, and info says so.
  void infoQuantCoverage() {
    QString out, err;
    const QString dir = QString::fromStdString((qs::test::goldenDir() / "mixtral").string());
    QCOMPARE(run({"info", dir, "--quant", "W4-g16"}, &out, &err), 0);
    // 2 layers x (q, k, v, o + 4 experts x 3) = 32 quantized; lm_head and 2 routers kept.
    QVERIFY2(out.contains("32 of 35 linear layers quantized; not quantized: lm_head x1, router x2"), qPrintable(out + err));
    QCOMPARE(run({"info", dir, "--quant", "W4-g16-incl.router"}, &out, &err), 0);
    QVERIFY2(out.contains("34 of 35 linear layers quantized; not quantized: lm_head x1"), qPrintable(out + err));
    // Bits per weight over the linears, as quant computes them; a precision rule raises them.
    auto model = qs::Model::load(qs::test::goldenDir() / "mixtral");
    const auto shapes = qs::linearShapes(*model);
    for (const char* name : {"W4-g16", "W4-g16-w8.L0", "Wnf4"}) {
      QCOMPARE(run({"info", dir, "--quant", name}, &out, &err), 0);
      const double bits = qs::bitsPerWeight(qs::QuantConfig::parse(name), shapes);
      QVERIFY2(out.contains(QString::asprintf("%.4g bits per weight", bits)), qPrintable(out + err));
    }
    QVERIFY(qs::bitsPerWeight(qs::QuantConfig::parse("W4-g16-w8.L0"), shapes) >
            qs::bitsPerWeight(qs::QuantConfig::parse("W4-g16"), shapes));
  }

  void sweepStoresRunsAndRoleStatistics_data() {
    QTest::addColumn<QString>("family");
    for (const char* f : {"falcon", "bloom", "gpt2", "gemma", "mixtral", "chatglm3"}) QTest::newRow(f) << f;
  }
  void sweepStoresRunsAndRoleStatistics() {
    QFETCH(QString, family);
    if (!std::filesystem::exists(qs::test::sharedDir() / "models" / "stories260K" / "tokenizer.json"))
      QSKIP("../shared/models/stories260K (the tokenizer) is not available");
    const auto model = withTokenizer(family.toStdString());
    const auto db = qs::test::freshTempDir("family-cli-db-" + family.toStdString()) / "sweep.qsdb";
    QString out, err;
    const int rc = run({"--threads", "1", "sweep", "--model", QString::fromStdString(model.string()), "--configs",
                        "W4-g16,W4A8-g16,KV4-g16", "--tasks", "lambada_openai", "--limit", "3", "--db",
                        QString::fromStdString(db.string())},
                       &out, &err);
    QVERIFY2(rc == 0, qPrintable(out + err));
    qs::ExperimentStore store(db, qs::ExperimentStore::Mode::ReadOnly);
    std::set<std::string> done;
    for (const auto& r : store.listRuns())
      if (r.status == qs::RunStatus::Done) done.insert(r.quantName);
    for (const char* q : {"W4A16KV16-g16", "W4A8KV16-g16", "W16A16KV4-g16"})
      QVERIFY2(done.count(q), qPrintable(QString("no done run of %1 (%2)").arg(q).arg(out + err)));
    // Each run's config JSON carries the bits per weight of its configuration on this model.
    const auto shapes = qs::linearShapes(*qs::Model::load(model));
    for (const auto& r : store.listRuns()) {
      const auto j = nlohmann::json::parse(r.quantJson);
      QVERIFY2(j.contains("bits_per_weight"), r.quantJson.c_str());
      QCOMPARE(j.at("bits_per_weight").get<double>(), qs::bitsPerWeight(qs::QuantConfig::parse(r.quantName), shapes));
    }
    std::set<std::string> roles;
    for (const auto& s : store.layerStats({})) roles.insert(s.role + "/" + s.kind);
    for (const char* r : {"q_proj/activation", "k_proj/weight", "v_proj/weight", "k_proj/key", "v_proj/value", "o_proj/weight"})
      QVERIFY2(roles.count(r), r);
  }

  // Mamba through the CLI: weight and activation configurations run and store statistics of its
  // mixer roles; a KV configuration fails with a message naming the family; generate and stats work.
  void mambaEndToEnd() {
    if (!std::filesystem::exists(qs::test::sharedDir() / "models" / "stories260K" / "tokenizer.json"))
      QSKIP("../shared/models/stories260K (the tokenizer) is not available");
    const auto model = withTokenizer("mamba");
    const QString dir = QString::fromStdString(model.string());
    const auto db = qs::test::freshTempDir("family-cli-db-mamba") / "sweep.qsdb";
    QString out, err;
    int rc = run({"--threads", "1", "sweep", "--model", dir, "--configs", "W4-g16,W4A8-g16", "--tasks", "lambada_openai",
                  "--limit", "3", "--db", QString::fromStdString(db.string())},
                 &out, &err);
    QVERIFY2(rc == 0, qPrintable(out + err));
    {
      qs::ExperimentStore store(db, qs::ExperimentStore::Mode::ReadOnly);
      int done = 0;
      for (const auto& r : store.listRuns()) done += r.status == qs::RunStatus::Done;
      QVERIFY2(done >= 2, qPrintable(out + err));
      std::set<std::string> roles;
      for (const auto& s : store.layerStats({})) roles.insert(s.role + "/" + s.kind);
      for (const char* r : {"in_proj/activation", "x_proj/weight", "dt_proj/weight", "out_proj/weight", "conv1d/weight",
                            "A_log/weight", "D/weight"})
        QVERIFY2(roles.count(r), r);
      QVERIFY(!roles.count("k_proj/key"));
    }
    rc = run({"forward", dir, "--input-ids", QString::fromStdString((qs::test::goldenDir() / "mamba" / "input_ids.json").string()),
              "--quant", "KV4", "--out", QString::fromStdString((model / "logits.safetensors").string())},
             &out, &err);
    QVERIFY(rc != 0);
    QVERIFY2(err.contains("mamba has no KV cache"), qPrintable(err));
    rc = run({"generate", dir, "--prompt", "Once upon a time", "--max-tokens", "6"}, &out, &err);
    QVERIFY2(rc == 0 && !out.trimmed().isEmpty(), qPrintable(out + err));
    rc = run({"stats", dir, "--samples", "2", "--seqlen", "16", "--out", QString::fromStdString((model / "stats.json").string())},
             &out, &err);
    QVERIFY2(rc == 0, qPrintable(out + err));
    QVERIFY(qs::test::readFile(model / "stats.json").find("\"conv1d\"") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestFamilyCli)
#include "test_family_cli.moc"
