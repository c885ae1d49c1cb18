// quantscope-cli reports bad input with a message naming the file and a distinct exit code.
#include <QtTest/QtTest>

#include <fstream>

#include <ATen/ATen.h>

#include "core/checkpoint/safetensors.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_support.h"

namespace {

using qs::test::runCli;

void copyFolder(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  for (auto& e : std::filesystem::directory_iterator(from))
    std::filesystem::copy_file(e.path(), to / e.path().filename(), std::filesystem::copy_options::overwrite_existing);
}

}  // namespace

class TestCliErrors : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void helpForEveryCommand() {
    auto overview = runCli({"--help"});
    QCOMPARE(overview.code, 0);
    for (const char* cmd : {"info", "generate", "perplexity", "forward", "bench"}) {
      QVERIFY2(overview.out.contains(cmd), cmd);
      auto r = runCli({cmd, "--help"});
      QCOMPARE(r.code, 0);
      QVERIFY2(r.out.contains(QString("quantscope-cli ") + cmd), cmd);
    }
  }

  void unknownCommandAndOption() {
    QCOMPARE(runCli({"frobnicate"}).code, 2);
    auto r = runCli({"info", "--bogus"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("--bogus"));
  }

  void truncatedSafetensorsNamesTheFile() {
    auto golden = qs::test::goldenDir() / "llama";
    if (!std::filesystem::exists(golden)) QSKIP("../shared/golden is not available");
    auto dir = qs::test::freshTempDir("cli-truncated");
    copyFolder(golden, dir);
    std::filesystem::resize_file(dir / "model.safetensors", 1000);
    auto r = runCli({"info", QString::fromStdString(dir.string())});
    QCOMPARE(r.code, 3);
    QVERIFY2(r.err.contains("model.safetensors"), qPrintable(r.err));
  }

  void unknownArchitectureNamesTheConfig() {
    auto golden = qs::test::goldenDir() / "llama";
    if (!std::filesystem::exists(golden)) QSKIP("../shared/golden is not available");
    auto dir = qs::test::freshTempDir("cli-unknown-arch");
    copyFolder(golden, dir);
    std::ofstream(dir / "config.json") << R"({"model_type": "transmogrifier", "hidden_size": 64})";
    auto r = runCli({"info", QString::fromStdString(dir.string())});
    QCOMPARE(r.code, 3);
    QVERIFY2(r.err.contains("config.json") && r.err.contains("transmogrifier"), qPrintable(r.err));
  }

  void shapeMismatchNamesTheTensor() {
    auto golden = qs::test::goldenDir() / "llama";
    if (!std::filesystem::exists(golden)) QSKIP("../shared/golden is not available");
    auto dir = qs::test::freshTempDir("cli-shape");
    copyFolder(golden, dir);
    auto cfg = qs::test::readFile(dir / "config.json");
    cfg.replace(cfg.find("\"intermediate_size\": 128"), 24, "\"intermediate_size\": 96");
    std::ofstream(dir / "config.json") << cfg;
    auto r = runCli({"info", QString::fromStdString(dir.string())});
    QCOMPARE(r.code, 3);
    QVERIFY2(r.err.contains("gate_proj") && r.err.contains("[96, 64]"), qPrintable(r.err));
  }

  void forwardWritesGoldenLogits() {
    auto golden = qs::test::goldenDir() / "opt";
    if (!std::filesystem::exists(golden)) QSKIP("../shared/golden is not available");
    auto out = qs::test::freshTempDir("cli-forward") / "logits.safetensors";
    auto r = runCli({"forward", QString::fromStdString(golden.string()), "--input-ids",
                     QString::fromStdString((golden / "input_ids.json").string()), "--out",
                     QString::fromStdString(out.string())});
    QCOMPARE(r.code, 0);
    auto written = qs::SafetensorsFile::open(out)->tensor("logits");
    auto expected = qs::SafetensorsFile::open(golden / "logits.safetensors")->tensor("logits");
    QCOMPARE(written.sizes().vec(), expected.sizes().vec());
    QVERIFY((written - expected).abs().max().item<double>() < 1e-4);
    // Malformed ids: a ragged batch is refused naming the file.
    auto bad = qs::test::freshTempDir("cli-forward-bad") / "ids.json";
    std::ofstream(bad) << R"({"input_ids": [[1, 2, 3], [4, 5]]})";
    r = runCli({"forward", QString::fromStdString(golden.string()), "--input-ids",
                QString::fromStdString(bad.string()), "--out", QString::fromStdString(out.string())});
    QCOMPARE(r.code, 3);
    QVERIFY2(r.err.contains("ids.json") && r.err.contains("row 1"), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestCliErrors)
#include "test_cli_errors.moc"
