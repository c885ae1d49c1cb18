// Checkpoints that load but would give nonsense: NaN/Inf weights are found once at load, listed by
// info and refused by sweeps unless --allow-nonfinite; generation past the context limit warns.
#include <QtTest/QtTest>

#include <ATen/ATen.h>

#include "core/checkpoint/safetensors.h"
#include "core/model/model.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_support.h"

namespace {

using qs::test::runCli;

// The golden LLaMA with the given tensors poisoned, and the stories260K tokenizer beside it.
std::filesystem::path poisoned(const std::string& name, bool poison) {
  const auto src = qs::test::goldenDir() / "llama";
  const auto dir = qs::test::freshTempDir(name);
  std::filesystem::copy_file(src / "config.json", dir / "config.json");
  const auto stories = qs::test::sharedDir() / "models" / "stories260K";
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"})
    if (std::filesystem::exists(stories / f)) std::filesystem::copy_file(stories / f, dir / f);
  auto file = qs::SafetensorsFile::open(src / "model.safetensors");
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& e : file->entries()) {
    auto t = file->tensor(e.name).clone();
    if (poison && e.name == "model.layers.1.self_attn.k_proj.weight") {
      t[0][3] = NAN;
      t[5][1] = INFINITY;
    }
    tensors.emplace_back(e.name, t);
  }
  qs::writeSafetensors(dir / "model.safetensors", tensors);
  return dir;
}

}  // namespace

class TestHostileModels : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void nonFiniteWeightsFoundAtLoad() {
    auto clean = qs::Model::load(poisoned("hostile-clean", false));
    QVERIFY(clean->nonFiniteWeights().empty());
    auto model = qs::Model::load(poisoned("hostile-nan", true));
    QCOMPARE(model->nonFiniteWeights().size(), size_t{1});
    QCOMPARE(model->nonFiniteWeights()[0].name, std::string("model.layers.1.self_attn.k_proj.weight"));
    QCOMPARE(model->nonFiniteWeights()[0].count, int64_t{2});
  }

  void infoListsAndSweepRefuses() {
    const auto dir = poisoned("hostile-cli", true);
    auto info = runCli({"info", QString::fromStdString(dir.string())});
    QCOMPARE(info.code, 0);
    QVERIFY2(info.out.contains("non-finite  model.layers.1.self_attn.k_proj.weight: 2 NaN/Inf values"),
             qPrintable(info.out));
    if (!std::filesystem::exists(dir / "tokenizer.json")) QSKIP("../shared/models/stories260K is not available");
    const auto db = qs::test::freshTempDir("hostile-cli-db") / "s.qsdb";
    auto sweep = runCli({"--threads", "1", "sweep", "--model", QString::fromStdString(dir.string()), "--configs", "W8",
                         "--tasks", "lambada_openai", "--limit", "2", "--no-stats", "--db",
                         QString::fromStdString(db.string())});
    QVERIFY(sweep.code != 0);
    QVERIFY2(sweep.err.contains("hold NaN or Inf") && sweep.err.contains("k_proj") &&
                 sweep.err.contains("--allow-nonfinite"),
             qPrintable(sweep.err));
  }

  // The golden LLaMA has 128 positions: asking for 200 new tokens warns and stops there.
  void generatePastTheContextLimitWarns() {
    const auto dir = poisoned("hostile-context", false);
    if (!std::filesystem::exists(dir / "tokenizer.json")) QSKIP("../shared/models/stories260K is not available");
    auto r = runCli({"generate", QString::fromStdString(dir.string()), "--prompt", "Once upon a time", "--max-tokens",
                     "200", "--ids"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.err.contains("context limit is 128 tokens") && r.err.contains("room for 124 new tokens"), qPrintable(r.err));
    // 5 prompt tokens + 124 new ones: the last new token needs no position of its own.
    const QString ids = r.out.section("ids:", 1).trimmed();
    QCOMPARE(ids.split(' ', Qt::SkipEmptyParts).size(), 129);
  }
};

QTEST_GUILESS_MAIN(TestHostileModels)
#include "test_hostile_models.moc"
