// Inputs the fuzz targets (fuzz/, scripts/fuzz.sh) found crashing, fed to the same entry points:
// each must now be refused with a qs::Error naming the file. The inputs live in
// fuzz/regressions/<target>/, which scripts/fuzz.sh also adds to that target's seed corpus.
#include <QtTest/QtTest>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/base/json_text.h"
#include "core/model/model_config.h"
#include "tasks/dataset_reader.h"
#include "core/tokenizer/pcre_regex.h"
#include "tasks/task_config.h"
#include "tasks/task_hooks.h"
#include "tests/support/test_support.h"

namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

fs::path regressions(const std::string& target) { return qs::test::sourceDir() / "fuzz" / "regressions" / target; }

// fuzz/fuzz_task_file.cpp: the input as tasks/fuzz/task.json.
void loadTaskFile(const std::string& text) {
  const fs::path tasks = qs::test::freshTempDir("fuzz-regressions-tasks");
  fs::create_directories(tasks / "fuzz");
  write(tasks / "fuzz" / "task.json", text);
  (void)qs::TaskConfig::load(tasks / "fuzz" / "task.json", tasks);
}

// fuzz/fuzz_dataset_reader.cpp: the input as a JSONL data file.
void readJsonl(const std::string& text) {
  const fs::path dir = qs::test::freshTempDir("fuzz-regressions-data");
  write(dir / "data.jsonl", text);
  qs::DataSpec spec;
  spec.files = {"data.jsonl"};
  spec.format = "jsonl";
  (void)qs::readDocuments(spec, dir);
}

// fuzz/fuzz_model_config.cpp
void readConfig(const std::string& text) {
  (void)qs::ModelConfig::fromJson(qs::parseJson(text, "config.json"), "config.json");
}

// The qs::Error message `f` throws for the input; fails the test on any other outcome.
QString rejection(const std::function<void(const std::string&)>& f, const std::string& input) {
  try {
    f(input);
  } catch (const qs::Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};  // accepted: the callers' QVERIFY on the message fails
}

}  // namespace

class TestFuzzRegressions : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Every saved input of every target is refused with a qs::Error (no other exception escapes).
  void savedInputsAreRefused_data() {
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("file");
    for (const char* target : {"task_file", "dataset_reader", "model_config"})
      for (const auto& f : fs::directory_iterator(regressions(target)))
        QTest::newRow((std::string(target) + "/" + f.path().filename().string()).c_str())
            << QString(target) << QString::fromStdString(f.path().string());
  }
  void savedInputsAreRefused() {
    QFETCH(QString, target);
    QFETCH(QString, file);
    const std::string input = qs::test::readFile(file.toStdString());
    const std::function<void(const std::string&)> entry =
        target == "task_file" ? loadTaskFile : target == "dataset_reader" ? readJsonl : readConfig;
    QString message = rejection(entry, input);
    QVERIFY2(!message.isEmpty(), "accepted");
  }

  // {"dataset_hook": {}} (no "name"): nlohmann's out_of_range "key 'name' not found" escaped.
  void taskDatasetHookWithoutName() {
    QString m = rejection(loadTaskFile, qs::test::readFile(regressions("task_file") / "dataset-hook-without-name.json"));
    QVERIFY2(m.contains("task.json") && m.contains("field 'dataset_hook.name': is required"), qPrintable(m));
  }

  // {"include": "<300 bytes>"}: fs::exists threw filesystem_error "File name too long".
  void taskIncludeNameTooLong() {
    QString m = rejection(loadTaskFile, qs::test::readFile(regressions("task_file") / "include-name-too-long.json"));
    QVERIFY2(m.contains("task.json") && m.contains("field 'include': file not found"), qPrintable(m));
  }

  // A number beyond double ("9e999") is nlohmann's out_of_range.406, not a parse_error: it escaped
  // the task file, JSONL/JSON data and parseJson (config.json, tokenizer files) catch clauses.
  void numberOverflowInEveryJsonReader() {
    QString task = rejection(loadTaskFile, qs::test::readFile(regressions("task_file") / "number-overflow.json"));
    QVERIFY2(task.contains("task.json: malformed JSON") && task.contains("number overflow"), qPrintable(task));
    QString line = rejection(readJsonl, qs::test::readFile(regressions("dataset_reader") / "number-overflow.jsonl"));
    QVERIFY2(line.contains("data.jsonl") && line.contains("malformed JSON line"), qPrintable(line));
    QString config = rejection(readConfig, qs::test::readFile(regressions("model_config") / "number-overflow.json"));
    QVERIFY2(config.startsWith("config.json: invalid JSON") && config.contains("number overflow"), qPrintable(config));
  }

  // Found by the asan preset: libstdc++'s std::regex recursed once per character of a repetition,
  // so a long field overflowed the stack (WikiText-2's detokenizer on an unclosed quote, HellaSwag's
  // bracket removal, GSM8K's calculator annotations, LongEval's topic list). 300,000 characters
  // each: far past what any recursion per character survives.
  void longFieldsDoNotOverflowTheStack() {
    const std::string run(300000, 'a');
    QCOMPARE(qs::wikitextDetokenize("\" " + run).size(), run.size() + 2);
    QCOMPARE(qs::wikitextDetokenize("( " + run + " )"), "(" + run + ")");
    QCOMPARE(qs::hellaswagPreprocess("[" + run), "[" + run);
    QCOMPARE(qs::hellaswagPreprocess("x [" + run + "] y"), std::string("x y"));
    QCOMPARE(qs::lastNumber(std::string(300000, '7') + " apples"), std::string(300000, '7'));
    qs::TaskConfig config;
    nlohmann::json doc{{"answer", "a <<" + run + ">>b <<2*3=6>>c <<x #### 42"}};
    (*qs::findDocHook("gsm8k_target"))(doc, config);
    QCOMPARE(doc["target_number"].get<std::string>(), std::string("42"));
    QVERIFY(doc["cot"].get<std::string>().rfind("a b c <<x", 0) == 0);
    nlohmann::json topics{{"topics", "['" + run + "', \"b\\\"c\", 'unclosed " + run + "]"}};
    (*qs::findDocHook("longeval_topics"))(topics, config);
    QCOMPARE(topics["num_topics"].get<int64_t>(), int64_t(2));
    QCOMPARE(topics["topics"][1].get<std::string>(), std::string("b\\\"c"));
  }

  // The PCRE2 replacements keep std::regex's results: groups, $n, lazy repetition, invalid UTF-8.
  void pcreSubstituteAndGroups() {
    qs::PcreRegex parens("\\(\\s*([^\\)]*?)\\s*\\)", "test");
    QCOMPARE(parens.substitute("f( a b ) g(  ) h(x)", "($1)"), std::string("f(a b) g() h(x)"));
    qs::PcreRegex pair("(\\d)-(\\d)?", "test");
    QCOMPARE(pair.substitute("1-2 3- $", "[$2$1$$]"), std::string("[21$] [3$] $"));
    QCOMPARE(pair.firstMatch("x 4-5", 2).value_or("none"), std::string("5"));
    QVERIFY(!pair.firstMatch("nothing").has_value());
    const std::string invalid = "ok \xff\xfe 12 \xc3";  // a model's raw bytes need not be UTF-8
    qs::PcreRegex num("\\d+", "test");
    QCOMPARE(static_cast<int>(num.findAll(invalid).size()), 1);
    QCOMPARE(qs::lastNumber(invalid), std::string("12"));
  }
};

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "test_fuzz_regressions.moc"
