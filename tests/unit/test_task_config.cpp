// Task files: includes, defaults, and errors that name the file, line and field; prompt templates.
#include <QtTest/QtTest>

#include <fstream>

#include "core/base/error.h"
#include "tasks/evaluator.h"
#include "tasks/prompt_template.h"
#include "tasks/task_config.h"
#include "tests/support/test_support.h"

namespace {

std::filesystem::path writeTask(const std::filesystem::path& dir, const std::string& name, const std::string& text) {
  auto p = dir / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
  return p;
}

// The qs::Error message of loading `file`, or "" when it loads.
std::string loadError(const std::filesystem::path& file) {
  try {
    qs::TaskConfig::load(file);
  } catch (const qs::Error& e) {
    return e.what();
  }
  return "";
}

const char* kValid = R"({
  "name": "toy",
  "version": 2,
  "kind": "basic",
  "data": {"files": "toy.jsonl"},
  "output_type": "multiple_choice",
  "doc_to_text": "Q: {q}",
  "choices": "opts",
  "gold": "a",
  "metrics": ["acc", {"name": "acc_norm", "higher_is_better": true}]
})";

}  // namespace

class TestTaskConfig : public QObject {
  Q_OBJECT
  std::filesystem::path dir_;

 private Q_SLOTS:
  void init() { dir_ = qs::test::freshTempDir("task_config"); }

  // Two task files with one name in a tasks directory: running it names both files; the list
  // marks both rows.
  void duplicateTaskNamesNameBothFiles() {
    const auto src = qs::test::sourceDir() / "resources" / "tasks" / "boolq" / "boolq.json";
    std::filesystem::create_directories(dir_ / "a");
    std::filesystem::create_directories(dir_ / "b");
    std::filesystem::copy_file(src, dir_ / "a" / "boolq.json");
    std::filesystem::copy_file(src, dir_ / "b" / "boolq_copy.json");
    try {
      qs::findTask(dir_, "boolq");
      QFAIL("a duplicated task name was accepted");
    } catch (const qs::Error& e) {
      const QString msg = e.what();
      QVERIFY2(msg.contains("defined twice") && msg.contains("a/boolq.json") && msg.contains("b/boolq_copy.json"),
               e.what());
    }
    int marked = 0;
    for (const auto& t : qs::listTasks(dir_)) marked += QString::fromStdString(t.error).contains("also defined in");
    QCOMPARE(marked, 2);
  }

  void loadsAValidFile() {
    auto t = qs::TaskConfig::load(writeTask(dir_, "fam/toy.json", kValid), dir_);
    QCOMPARE(QString::fromStdString(t.name), QString("toy"));
    QCOMPARE(QString::fromStdString(t.family), QString("fam"));
    QCOMPARE(t.version, 2);
    QVERIFY(t.output == qs::OutputType::MultipleChoice);
    QCOMPARE(t.metrics.size(), size_t(2));
    QCOMPARE(QString::fromStdString(t.metrics[0].aggregation), QString("mean"));
    QCOMPARE(QString::fromStdString(t.targetDelimiter), QString(" "));
  }

  void includeMergesAndOverrides() {
    writeTask(dir_, "fam/base.json", R"({"abstract": true, "kind": "basic", "version": 1,
      "data": {"files": "a.jsonl", "format": "jsonl"}, "output_type": "multiple_choice",
      "doc_to_text": "{q}", "choices": "opts", "gold": "a", "metrics": ["acc"]})");
    auto p = writeTask(dir_, "fam/variant.json", R"({"include": "base.json", "name": "variant",
      "data": {"files": "b.jsonl"}, "metrics": ["acc_norm"]})");
    auto t = qs::TaskConfig::load(p, dir_);
    QVERIFY(!t.abstract);  // abstract-ness is not inherited
    QCOMPARE(t.data.files, std::vector<std::string>({"b.jsonl"}));
    QCOMPARE(QString::fromStdString(t.data.format), QString("jsonl"));  // objects merge key by key
    QCOMPARE(t.metrics.size(), size_t(1));
    QCOMPARE(QString::fromStdString(t.metrics[0].name), QString("acc_norm"));
    QVERIFY(qs::TaskConfig::load(dir_ / "fam" / "base.json").abstract);
  }

  void malformedJsonNamesTheLine() {
    auto p = writeTask(dir_, "bad.json", "{\n  \"name\": \"x\",\n  \"version\": 1,\n  \"kind\": \"basic\" \"oops\"\n}");
    auto msg = loadError(p);
    QVERIFY2(msg.find("bad.json:4") != std::string::npos, msg.c_str());
    QVERIFY2(msg.find("malformed JSON") != std::string::npos, msg.c_str());
  }

  void errorsNameFileLineAndField_data() {
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("expect");
    QTest::newRow("unknown metric") << "\"acc\", {" << "\"nope\", {" << "toy.json:10: field 'metrics[0].name': unknown metric function 'nope'";
    QTest::newRow("bad aggregation") << "\"higher_is_better\": true" << "\"aggregation\": \"avg\"" << "toy.json:10: field 'metrics[1].aggregation': unknown aggregation 'avg'";
    QTest::newRow("version type") << "\"version\": 2" << "\"version\": \"2\"" << "toy.json:3: field 'version': must be an integer";
    QTest::newRow("unknown kind") << "\"kind\": \"basic\"" << "\"kind\": \"fun\"" << "toy.json:4: field 'kind': unknown 'fun'";
    QTest::newRow("output type") << "\"multiple_choice\"" << "\"multi\"" << "toy.json:6: field 'output_type': unknown 'multi'";
    QTest::newRow("template") << "\"Q: {q}\"" << "\"Q: {q\"" << "toy.json:7: field 'doc_to_text':";
    QTest::newRow("missing gold") << "\"gold\": \"a\"," << "" << "field 'gold': is required for multiple_choice tasks";
    QTest::newRow("data format") << "\"files\": \"toy.jsonl\"" << "\"files\": \"toy.jsonl\", \"format\": \"xml\"" << "toy.json:5: field 'data':";
  }
  void errorsNameFileLineAndField() {
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(QString, expect);
    std::string text = kValid;
    size_t p = text.find(from.toStdString());
    QVERIFY(p != std::string::npos);
    text.replace(p, from.size(), to.toStdString());
    auto msg = loadError(writeTask(dir_, "toy.json", text));
    QVERIFY2(msg.find(expect.toStdString()) != std::string::npos, msg.c_str());
  }

  void missingIncludeAndCycle() {
    auto p = writeTask(dir_, "a.json", R"({"include": "nothere.json", "name": "a"})");
    QVERIFY(loadError(p).find("file not found") != std::string::npos);
    writeTask(dir_, "x.json", R"({"include": "y.json"})");
    auto y = writeTask(dir_, "y.json", R"({"include": "x.json"})");
    QVERIFY(loadError(y).find("include cycle") != std::string::npos);
  }

  void unknownHookIsNamed() {
    std::string text = kValid;
    text.insert(text.rfind('}'), ", \"doc_hooks\": [\"no_such_hook\"]");
    auto msg = loadError(writeTask(dir_, "h.json", text));
    QVERIFY2(msg.find("field 'doc_hooks[0]': unknown hook 'no_such_hook'") != std::string::npos, msg.c_str());
  }

  void perChoiceContextsGroupsAveragesAndChatTemplates() {
    // Winogrande-style partial scoring: per-choice contexts replace choices and doc_to_text.
    auto t = qs::TaskConfig::load(writeTask(dir_, "wino.json", R"({"name": "wino", "version": 1, "kind": "basic",
      "data": {"files": "w.jsonl"}, "output_type": "multiple_choice",
      "choice_contexts": ["{a}", "{b}"], "doc_to_target": "{rest}", "gold": "g",
      "metrics": ["acc", {"name": "em", "function": "acc", "group": {"size": 4}}]})"));
    QVERIFY(t.perChoiceContext());
    QCOMPARE(t.choiceContextTemplates.size(), size_t(2));
    QVERIFY(t.choiceTemplates.empty());
    QCOMPARE(t.metrics[1].groupSize, 4);
    QVERIFY(t.metrics[1].grouped() && !t.metrics[0].grouped());

    auto err = loadError(writeTask(dir_, "both.json", R"({"name": "x", "version": 1, "kind": "basic",
      "data": {"files": "w.jsonl"}, "output_type": "multiple_choice", "choices": ["a"],
      "choice_contexts": ["{a}"], "doc_to_target": "{rest}", "gold": "g", "metrics": ["acc"]})"));
    QVERIFY2(err.find("'choice_contexts'") != std::string::npos && err.find("replaces choices") != std::string::npos, err.c_str());
    err = loadError(writeTask(dir_, "notarget.json", R"({"name": "x", "version": 1, "kind": "basic",
      "data": {"files": "w.jsonl"}, "output_type": "multiple_choice",
      "choice_contexts": ["{a}"], "gold": "g", "metrics": ["acc"]})"));
    QVERIFY2(err.find("'doc_to_target'") != std::string::npos, err.c_str());
    err = loadError(writeTask(dir_, "group.json", R"({"name": "x", "version": 1, "kind": "basic",
      "data": {"files": "w.jsonl"}, "output_type": "multiple_choice", "doc_to_text": "{q}", "choices": ["a"],
      "gold": "g", "metrics": [{"name": "em", "function": "acc", "group": {"size": 0}}]})"));
    QVERIFY2(err.find("metrics[0].group.size") != std::string::npos, err.c_str());

    auto avg = qs::TaskConfig::load(writeTask(dir_, "avg.json", R"({"name": "avg", "version": 1,
      "kind": "trustworthiness", "average_of": {"tasks": ["a", "b"]}})"));
    QCOMPARE(QString::fromStdString(avg.averageOf["metric"].get<std::string>()), QString("acc"));
    err = loadError(writeTask(dir_, "avg_bad.json", R"({"name": "avg", "version": 1, "kind": "basic",
      "average_of": {"tasks": []}})"));
    QVERIFY2(err.find("'average_of'") != std::string::npos, err.c_str());

    auto chat = qs::TaskConfig::load(writeTask(dir_, "chat.json", R"({"name": "c", "version": 1, "kind": "dialogue",
      "data": {"files": "q.jsonl"}, "output_type": "generate_until", "turns": "turns",
      "chat": {"template": "model", "fallback": "llama-2"}, "metrics": ["agreement_exact"]})"));
    QCOMPARE(QString::fromStdString(chat.chat["fallback"].get<std::string>()), QString("llama-2"));
    err = loadError(writeTask(dir_, "chat_bad.json", R"({"name": "c", "version": 1, "kind": "dialogue",
      "data": {"files": "q.jsonl"}, "output_type": "generate_until", "turns": "turns",
      "chat": {"template": "vicuna_v9"}, "metrics": ["agreement_exact"]})"));
    QVERIFY2(err.find("chat.template") != std::string::npos && err.find("vicuna_v1.1") != std::string::npos, err.c_str());
  }

  void templates() {
    nlohmann::json doc = {{"q", " What? "}, {"n", 3}, {"nested", {{"x", "deep"}}},
                          {"opts", {{{"label", "A"}, {"text", "yes"}}, {{"label", "B"}, {"text", "no"}}}}};
    auto t = qs::PromptTemplate::parse("{q|strip}|{n}|{nested.x|upper}|{{lit}}|{opts[1].text}", "t");
    QCOMPARE(QString::fromStdString(t.render(doc)), QString("What?|3|DEEP|{lit}|no"));
    auto each = qs::PromptTemplate::parse("{#each opts}{@letter}. {.text}\n{/each}Answer:", "t");
    QCOMPARE(QString::fromStdString(each.render(doc)), QString("A. yes\nB. no\nAnswer:"));
    auto list = qs::PromptTemplate::parse("{opts[*].label|json}", "t");
    QCOMPARE(QString::fromStdString(list.render(doc)), QString("[\"A\",\"B\"]"));
  }

  void templateErrors() {
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::PromptTemplate::parse("{a", "t"));
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::PromptTemplate::parse("a}", "t"));
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::PromptTemplate::parse("{a|shout}", "t"));
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::PromptTemplate::parse("{#each a}x", "t"));
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::PromptTemplate::parse("{.x}", "t"));
    auto t = qs::PromptTemplate::parse("{missing}", "file.json: field 'doc_to_text'");
    try {
      t.render(nlohmann::json::object());
      QFAIL("no error");
    } catch (const qs::Error& e) {
      QVERIFY(std::string(e.what()).find("file.json: field 'doc_to_text': the document has no field 'missing'") != std::string::npos);
    }
    auto obj = qs::PromptTemplate::parse("{o}", "t");
    QVERIFY_THROWS_EXCEPTION(qs::Error, obj.render(nlohmann::json{{"o", {{"a", 1}}}}));
  }
};

QTEST_GUILESS_MAIN(TestTaskConfig)
#include "test_task_config.moc"
