// Hostile JSON nesting: every untrusted JSON file is refused with a message naming it before any
// code walks the value (a safetensors shape nested 200,000 deep used to crash forward/info with
// SIGSEGV); brackets inside strings do not count, real files pass.
#include <QtTest/QtTest>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/base/json_text.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_support.h"

namespace {

using qs::test::runCli;

std::string nested(int depth) { return std::string(depth, '[') + "1" + std::string(depth, ']'); }

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

// A safetensors file whose header is the given JSON text (padded to 8 bytes).
void writeSafetensorsHeader(const std::filesystem::path& p, std::string header) {
  while (header.size() % 8) header += ' ';
  std::string bytes(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  write(p, bytes + header);
}

void copyGolden(const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  for (const char* f : {"config.json", "model.safetensors"})
    std::filesystem::copy_file(qs::test::goldenDir() / "llama" / f, to / f,
                               std::filesystem::copy_options::overwrite_existing);
}

}  // namespace

class TestJsonDepth : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void depthLimit() {
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::checkJsonDepth(nested(qs::kMaxJsonDepth + 1), "x.json"));
    qs::checkJsonDepth(nested(qs::kMaxJsonDepth), "x.json");
    // Brackets in strings, escaped quotes included, are text.
    qs::checkJsonDepth("{\"a\": \"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"}", "x.json");
    try {
      qs::parseJson(nested(200000), "model.safetensors: header");
      QFAIL("accepted");
    } catch (const qs::Error& e) {
      QVERIFY2(QString(e.what()).startsWith("model.safetensors: header: JSON nested deeper than 256 levels"), e.what());
    }
    QCOMPARE(qs::parseJson("{\"a\": [1, 2]}", "x")["a"][1].get<int>(), 2);
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::parseJson("{\"a\": ", "x"));
  }

  // The reported crash: a tensor's shape nested ~200,000 deep. info and forward name the file.
  void deepSafetensorsShapeIsRefused() {
    const auto dir = qs::test::freshTempDir("json-depth-safetensors");
    copyGolden(dir);
    writeSafetensorsHeader(dir / "model.safetensors",
                           "{\"model.embed_tokens.weight\": {\"dtype\": \"F32\", \"shape\": " + nested(200000) +
                               ", \"data_offsets\": [0, 4]}}");
    for (const char* cmd : {"info", "forward"}) {
      QStringList args{cmd, QString::fromStdString(dir.string())};
      if (std::string(cmd) == "forward")
        args << "--input-ids" << QString::fromStdString((qs::test::goldenDir() / "llama" / "input_ids.json").string())
             << "--out" << QString::fromStdString((dir / "out.safetensors").string());
      auto r = runCli(args);
      QVERIFY2(r.code != 0 && r.code < 128, qPrintable(QString("%1 exited %2").arg(cmd).arg(r.code)));
      QVERIFY2(r.err.contains("model.safetensors") && r.err.contains("nested deeper"), qPrintable(r.err));
    }
  }

  void deepConfigTokenizerAndTaskFiles() {
    const auto dir = qs::test::freshTempDir("json-depth-files");
    copyGolden(dir);
    write(dir / "config.json", "{\"model_type\": \"llama\", \"x\": " + nested(100000) + "}");
    auto r = runCli({"info", QString::fromStdString(dir.string())});
    QVERIFY2(r.code != 0 && r.code < 128 && r.err.contains("config.json") && r.err.contains("nested deeper"),
             qPrintable(r.err));

    const auto tok = qs::test::freshTempDir("json-depth-tokenizer");
    copyGolden(tok);
    write(tok / "tokenizer.json", "{\"model\": " + nested(100000) + "}");
    r = runCli({"generate", QString::fromStdString(tok.string()), "--prompt", "hi", "--max-tokens", "1"});
    QVERIFY2(r.code != 0 && r.code < 128 && r.err.contains("tokenizer.json") && r.err.contains("nested deeper"),
             qPrintable(r.err));

    const auto tasks = qs::test::freshTempDir("json-depth-tasks");
    write(tasks / "deep.json", "{\"task\": \"deep\", \"x\": " + nested(100000) + "}");
    r = runCli({"eval", "--list", "--tasks-dir", QString::fromStdString(tasks.string())});
    // eval --list shows a broken task file as an ERROR row of its table.
    const QString all = r.out + r.err;
    QVERIFY2(all.contains("deep.json") && all.contains("ERROR") && all.contains("nested deeper"), qPrintable(all));
  }
};

QTEST_GUILESS_MAIN(TestJsonDepth)
#include "test_json_depth.moc"
