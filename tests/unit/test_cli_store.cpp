// quantscope-cli runs / show / export / merge / stats --db over real databases: output and exit codes.
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/model/model_config.h"
#include "core/model/tensor_layout.h"
#include "core/store/experiment_store.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_support.h"

namespace {
namespace fs = std::filesystem;

using qs::test::runCli;

QString str(const fs::path& p) { return QString::fromStdString(p.string()); }

// A shard with a baseline and one quantized run of one model, plus a failed run.
void writeShard(const fs::path& file, const std::string& quant, double acc, bool withFailure) {
  qs::ExperimentStore store(file);
  int64_t model = store.upsertModel({0, "/models/opt-125m", "opt", 125239296, "F16", "fp-opt"});
  auto add = [&](const std::string& q, double value) {
    qs::RunRecord r;
    r.modelId = model;
    r.quantName = q;
    r.task = "lambada";
    r.taskVersion = "1";
    r.device = "cpu";
    int64_t id = store.beginRun(r);
    store.appendLog(id, qs::LogLevel::Info, "evaluating " + q);
    qs::RunResults res;
    res.metrics = {{"acc", value, 0.005, 5153, true}};
    res.wallSeconds = 2;
    store.finishRun(id, res);
  };
  add("W16A16KV16", 0.6);
  add(quant, acc);
  if (withFailure) {
    qs::RunRecord r;
    r.modelId = model;
    r.quantName = "W2A16KV16-g128";
    r.task = "lambada";
    r.taskVersion = "1";
    store.failRun(store.beginRun(r), "diverged");
  }
}

// A random-weight Mixtral of 2 layers with 4 experts (top 2) and the demo model's tokenizer.
fs::path writeTinyMixtral(const fs::path& dir) {
  const auto config = qs::ModelConfig::fromJson(
      {{"model_type", "mixtral"}, {"hidden_size", 32}, {"num_hidden_layers", 2}, {"num_attention_heads", 4},
       {"num_key_value_heads", 2}, {"intermediate_size", 48}, {"vocab_size", 1457},
       {"max_position_embeddings", 64}, {"num_local_experts", 4}, {"num_experts_per_tok", 2}},
      "tiny mixtral");
  qs::writeRandomCheckpoint(config, dir, 3);
  const auto demo = qs::test::sourceDir() / "resources" / "demo-model";
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"})
    fs::copy_file(demo / f, dir / f);
  return dir;
}

}  // namespace

class TestCliStore : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void helpTexts() {
    for (const char* cmd : {"runs", "show", "export", "merge"}) {
      auto r = runCli({cmd, "--help"});
      QCOMPARE(r.code, 0);
      QVERIFY2(r.out.contains(QString("usage: quantscope-cli ") + cmd), cmd);
    }
  }

  void runsShowExportMerge() {
    auto dir = qs::test::freshTempDir("cli_store");
    writeShard(dir / "a.qsdb", "W4A16KV16-g128", 0.588, true);
    writeShard(dir / "b.qsdb", "W8A8KV16", 0.597, false);

    auto r = runCli({"merge", str(dir / "all.qsdb"), str(dir / "a.qsdb"), str(dir / "b.qsdb")});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("4 runs added") && r.out.contains("1 duplicates kept once"), qPrintable(r.out));

    r = runCli({"runs", str(dir / "all.qsdb"), "--status", "failed"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.startsWith("ID  STATUS  MODEL") && r.out.contains("W2A16KV16-g128"), qPrintable(r.out));
    QCOMPARE(r.out.count('\n'), 2);

    r = runCli({"runs", str(dir / "all.qsdb"), "--model", "opt-125m", "--quant", "W8A8KV16"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("done") && r.out.contains("W8A8KV16"), qPrintable(r.out));
    QCOMPARE(r.out.count('\n'), 2);

    r = runCli({"show", str(dir / "all.qsdb"), "3"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("failed") && r.out.contains("diverged") && r.out.contains("fp-opt"), qPrintable(r.out));

    r = runCli({"export", str(dir / "all.qsdb"), "--format", "markdown", "--relative"});
    QCOMPARE(r.code, 0);
    const QString expected =
        "| Quant | lambada/acc |\n"
        "|---|---:|\n"
        "| W16A16KV16 | 0.6000 |\n"
        "| W8A8KV16 | -0.50% |\n"
        "| W4A16KV16-g128 | -2.00% |\n";
    QCOMPARE(r.out, expected);

    auto tex = dir / "table.tex";
    r = runCli({"export", str(dir / "all.qsdb"), "--format", "latex", "--out", str(tex)});
    QCOMPARE(r.code, 0);
    QVERIFY(qs::test::readFile(tex).find("\\toprule\nQuant & lambada/acc \\\\\n\\midrule\n") != std::string::npos);
  }

  // Before the expert was part of the key, the experts of a layer and role collided in one batch.
  void statsOfExpertsStoredPerExpert() {
    auto dir = qs::test::freshTempDir("cli_store_moe");
    const auto model = writeTinyMixtral(dir / "mixtral");
    const auto db = dir / "moe.qsdb";
    auto r = runCli({"stats", str(model), "--db", str(db), "--samples", "1", "--seqlen", "16"});
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QVERIFY2(r.err.contains("of them of experts 0..3"), qPrintable(r.err));

    qs::ExperimentStore store(db, qs::ExperimentStore::Mode::ReadOnly);
    std::set<std::tuple<int, std::string, std::string, int>> tensors;
    int expertRows = 0;
    const auto stats = store.layerStats({});
    for (const auto& s : stats) {
      tensors.insert({s.layer, s.role, s.kind, s.expert});
      expertRows += s.expert >= 0;
    }
    QCOMPARE(tensors.size(), stats.size());
    QVERIFY2(r.err.contains(QString("stored %1 tensor statistics").arg(stats.size())), qPrintable(r.err));
    QVERIFY2(r.err.contains(QString(", %1 of them").arg(expertRows)), qPrintable(r.err));
    for (int layer : {0, 1})
      for (int expert = 0; expert < 4; ++expert)
        for (const char* role : {"gate_proj", "up_proj", "down_proj"})
          QVERIFY2(tensors.count({layer, role, "weight", expert}),
                   qPrintable(QString("layer %1 %2 expert %3").arg(layer).arg(role).arg(expert)));
    QVERIFY(tensors.count({0, "router", "weight", -1}));
    QVERIFY(!tensors.count({0, "gate_proj", "weight", -1}));
    qs::StatsQuery q;
    q.kind = "activation";
    q.role = "down_proj";
    int activated = 0;
    for (const auto& s : store.layerStats(q)) activated += s.expert >= 0;
    QVERIFY(activated > 0);  // 16 tokens x top 2 of 4 experts reach some experts' down_proj
  }

  void errorsAndExitCodes() {
    auto dir = qs::test::freshTempDir("cli_store_errors");
    std::ofstream(dir / "notes.txt") << "hello\n";
    auto r = runCli({"runs", str(dir / "notes.txt")});
    QCOMPARE(r.code, 3);
    QVERIFY2(r.err.contains("notes.txt") && r.err.contains("not an SQLite database"), qPrintable(r.err));
    QCOMPARE(qs::test::readFile(dir / "notes.txt"), std::string("hello\n"));

    r = runCli({"show", str(dir / "missing.qsdb"), "1"});
    QCOMPARE(r.code, 3);
    QVERIFY(!fs::exists(dir / "missing.qsdb"));  // viewing never creates a database

    // Each CLI start loads libtorch (~1 s): one case per kind of error.
    writeShard(dir / "a.qsdb", "W4A16KV16-g128", 0.5, false);
    QCOMPARE(runCli({"show", str(dir / "a.qsdb"), "99"}).code, 3);
    r = runCli({"runs", str(dir / "a.qsdb"), "--status", "finished"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("finished") && r.err.contains("--help"), qPrintable(r.err));
    QCOMPARE(runCli({"export", str(dir / "a.qsdb"), "--format", "xlsx"}).code, 2);
    r = runCli({"merge", str(dir / "out.qsdb"), str(dir / "a.qsdb"), str(dir / "notes.txt")});
    QCOMPARE(r.code, 3);
    QVERIFY(!fs::exists(dir / "out.qsdb"));
  }
};

QTEST_GUILESS_MAIN(TestCliStore)
#include "test_cli_store.moc"
