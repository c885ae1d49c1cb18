// The shipped demo models (resources/demo-model, resources/demo-model-opt): they load through the
// ordinary loaders, reproduce the trainer's own logits, and reproduce what the trainer recorded in
// training_record.json (held-out perplexity, greedy continuation, tokenizer ids). The demo task
// files (resources/demo-data) have the fields of the real benchmark files.
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/model/generation.h"
#include "core/model/family.h"
#include "core/model/model.h"
#include "core/base/runtime.h"
#include "core/checkpoint/safetensors.h"
#include "core/tokenizer/tokenizer.h"
#include "tasks/concatenated_perplexity.h"
#include "tests/support/test_support.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kLogitTolerance = 1e-4;
constexpr double kPerplexityRelativeTolerance = 1e-4;

json readJson(const fs::path& p) { return json::parse(qs::test::readFile(p)); }

std::vector<json> readJsonl(const fs::path& p) {
  std::vector<json> rows;
  std::istringstream in(qs::test::readFile(p));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(json::parse(line));
  return rows;
}

std::set<std::string> keysOf(const json& j) {
  std::set<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  return keys;
}

std::vector<int64_t> toInt64(const std::vector<int>& ids) { return {ids.begin(), ids.end()}; }

}  // namespace

class TestDemoModel : public QObject {
  Q_OBJECT

  fs::path demoDir(const QString& name) { return qs::test::sourceDir() / "resources" / name.toStdString(); }

  // The model folder of the current data row; empty (and the caller skips) when it is not shipped.
  fs::path fetchDir() {
    QFETCH(QString, folder);
    auto dir = demoDir(folder);
    return fs::exists(dir / "training_record.json") ? dir : fs::path();
  }

  void addFolders() {
    QTest::addColumn<QString>("folder");
    QTest::newRow("llama") << "demo-model";
    QTest::newRow("opt") << "demo-model-opt";
  }

 private Q_SLOTS:
  void initTestCase() {
    qs::configureThreads();
    QVERIFY2(fs::exists(demoDir("demo-model") / "model.safetensors"), "resources/demo-model is not shipped");
  }

  void loadedLogitsEqualTrainers_data() { addFolders(); }
  void loadedLogitsEqualTrainers() {
    auto dir = fetchDir();
    if (dir.empty()) QSKIP("this demo model is not shipped");
    auto model = qs::Model::load(dir);
    auto record = readJson(dir / "training_record.json");
    QCOMPARE(QString::fromStdString(std::string(qs::familyName(model->family()))),
             QString::fromStdString(record["family"].get<std::string>()));
    auto reference = qs::SafetensorsFile::open(dir / "trainer_reference.safetensors");
    auto ids = reference->tensor("input_ids").clone();
    auto expected = reference->tensor("logits").clone();
    auto logits = model->forward(ids);
    QCOMPARE(logits.sizes().vec(), expected.sizes().vec());
    const double diff = (logits - expected).abs().max().item<double>();
    QVERIFY2(diff < kLogitTolerance, qPrintable(QString("logits differ from the trainer's by %1").arg(diff)));
  }

  void tokenizerReproducesRecordedIds_data() { addFolders(); }
  void tokenizerReproducesRecordedIds() {
    auto dir = fetchDir();
    if (dir.empty()) QSKIP("this demo model is not shipped");
    auto tokenizer = qs::Tokenizer::load(dir);
    auto record = readJson(dir / "training_record.json");
    QCOMPARE(tokenizer->vocabSize(), record["config"]["vocab_size"].get<int>());
    QCOMPARE(tokenizer->bosId(), 0);
    QCOMPARE(tokenizer->eosId(), 0);
    QVERIFY(!record["tokenizer_checks"].empty());
    for (const auto& check : record["tokenizer_checks"]) {
      const auto text = check["text"].get<std::string>();
      const auto expected = check["ids"].get<std::vector<int>>();
      QCOMPARE(tokenizer->encode(text, true), expected);
      QCOMPARE(tokenizer->decode(expected, true), text);
    }
  }

  void heldOutPerplexityMatchesRecord_data() { addFolders(); }
  void heldOutPerplexityMatchesRecord() {
    auto dir = fetchDir();
    if (dir.empty()) QSKIP("this demo model is not shipped");
    auto record = readJson(dir / "training_record.json");
    const auto& h = record["heldout"];
    auto model = qs::Model::load(dir);
    auto tokenizer = qs::Tokenizer::load(dir);
    const auto text = qs::test::readFile(qs::test::sourceDir() / h["file"].get<std::string>());
    auto tokens = toInt64(tokenizer->encode(text, h["add_bos"].get<bool>()));
    auto r = qs::concatenatedPerplexity(*model, tokens, h["window"].get<int64_t>());
    QCOMPARE(r.windows, h["windows"].get<int64_t>());
    const double recorded = h["perplexity"].get<double>();
    qInfo("held-out perplexity %.6f (recorded %.6f)", r.perplexity, recorded);
    QVERIFY2(std::abs(r.perplexity - recorded) <= kPerplexityRelativeTolerance * recorded,
             qPrintable(QString("perplexity %1, recorded %2").arg(r.perplexity).arg(recorded)));
    // A trained model, not a random one: far below the vocabulary size.
    QVERIFY(r.perplexity < 0.02 * model->config().vocabSize);
  }

  void greedyContinuationMatchesRecord_data() { addFolders(); }
  void greedyContinuationMatchesRecord() {
    auto dir = fetchDir();
    if (dir.empty()) QSKIP("this demo model is not shipped");
    auto record = readJson(dir / "training_record.json");
    const auto& g = record["greedy"];
    auto model = qs::Model::load(dir);
    auto tokenizer = qs::Tokenizer::load(dir);
    qs::GreedyOptions options;
    options.maxNewTokens = g["max_new_tokens"].get<int>();
    options.eosTokenId = tokenizer->eosId();
    auto out = qs::greedyGenerate(*model, toInt64(tokenizer->encode(g["prompt"].get<std::string>(), true)), options);
    QCOMPARE(out, g["ids"].get<std::vector<int64_t>>());
    QCOMPARE(tokenizer->decode(std::vector<int>(out.begin(), out.end()), true), g["text"].get<std::string>());
  }

  // The demo items must parse wherever the real benchmark files do: same paths under the data
  // folder (so --data-dir resources/demo-data works), same fields, same nesting.
  void demoDataHasBenchmarkFormats() {
    const auto demo = qs::test::sourceDir() / "resources" / "demo-data";
    auto lambada = readJsonl(demo / "lambada" / "lambada_test.jsonl");
    auto arc = readJsonl(demo / "arc" / "ARC-Easy" / "ARC-Easy-Test.jsonl");
    auto gsm = readJsonl(demo / "gsm8k" / "test.jsonl");
    auto lines = readJsonl(demo / "longeval" / "lines" / "testcases" / "16_lines.jsonl");
    QVERIFY(!lambada.empty() && !arc.empty() && !gsm.empty() && !lines.empty());
    for (const auto& row : lambada) {
      // LAMBADA: the last word appears earlier in the passage.
      const auto text = row["text"].get<std::string>();
      const auto last = text.substr(text.rfind(' ') + 1);
      QVERIFY2(text.substr(0, text.rfind(' ')).find(last) != std::string::npos, text.c_str());
    }
    for (const auto& row : arc) {
      const auto& choices = row["question"]["choices"];
      bool found = false;
      for (const auto& c : choices) found = found || c["label"] == row["answerKey"];
      QVERIFY(found);
    }
    for (const auto& row : gsm) QVERIFY(row["answer"].get<std::string>().find("\n#### ") != std::string::npos);
    for (const auto& row : lines) {
      const auto prompt = row["prompt"].get<std::string>();
      QVERIFY(prompt.find(row["correct_line"].get<std::string>()) != std::string::npos);
      QCOMPARE(row["num_lines"].get<int>(), 16);
    }

    const auto data = qs::test::sharedDir() / "data";
    if (!fs::exists(data / "gsm8k" / "test.jsonl")) QSKIP("../shared/data is not available");
    auto firstRow = [](const fs::path& p) {
      std::ifstream in(p);
      std::string line;
      std::getline(in, line);
      return json::parse(line);
    };
    QCOMPARE(keysOf(lambada.front()), keysOf(firstRow(data / "lambada" / "lambada_test.jsonl")));
    auto realArc = firstRow(data / "arc" / "ARC-Easy" / "ARC-Easy-Test.jsonl");
    QCOMPARE(keysOf(arc.front()), keysOf(realArc));
    QCOMPARE(keysOf(arc.front()["question"]), keysOf(realArc["question"]));
    QCOMPARE(keysOf(arc.front()["question"]["choices"][0]), keysOf(realArc["question"]["choices"][0]));
    QCOMPARE(keysOf(gsm.front()), keysOf(firstRow(data / "gsm8k" / "test.jsonl")));
    auto realLines = firstRow(data / "longeval" / "lines" / "testcases" / "200_lines.jsonl");
    QCOMPARE(keysOf(lines.front()), keysOf(realLines));
    for (const auto& key : keysOf(realLines))
      QCOMPARE(int(lines.front()[key].type()), int(realLines[key].type()));
    // Same preamble and question as LongChat's prompts.
    const auto real = realLines["prompt"].get<std::string>(), ours = lines.front()["prompt"].get<std::string>();
    QCOMPARE(QString::fromStdString(ours.substr(0, ours.find("line "))),
             QString::fromStdString(real.substr(0, real.find("line "))));
  }

  // The standard task definitions find their data files in resources/demo-data.
  void standardTasksFindDemoData() {
    const auto root = qs::test::sourceDir() / "resources";
    const std::vector<std::string> tasks = {"lambada/lambada_openai.json", "arc/arc_easy.json", "gsm8k/gsm8k_cot.json",
                                            "longeval/longeval_lines.json", "wikitext/wikitext2_concatenated.json"};
    for (const auto& task : tasks) {
      if (!fs::exists(root / "tasks" / task)) QSKIP(qPrintable(QString::fromStdString("no resources/tasks/" + task)));
      const auto pattern = readJson(root / "tasks" / task)["data"]["files"].get<std::string>();
      const fs::path path = root / "demo-data" / pattern;
      if (pattern.find('*') == std::string::npos) {
        QVERIFY2(fs::exists(path), path.c_str());
        continue;
      }
      int matches = 0;  // "*_lines.jsonl": a wildcard in the file name only
      const auto name = path.filename().string(), suffix = name.substr(name.find('*') + 1);
      for (const auto& e : fs::directory_iterator(path.parent_path()))
        matches += e.path().filename().string().ends_with(suffix);
      QVERIFY2(matches > 0, path.c_str());
    }
  }
};

QTEST_GUILESS_MAIN(TestDemoModel)
#include "test_demo_model.moc"
