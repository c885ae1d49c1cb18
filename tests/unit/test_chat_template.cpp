// Conversation templates: each named template renders a two-turn conversation exactly as FastChat's
// conversation.py does, a model folder's template is recognised from its name, tokenizer_config.json
// and config.json, and MT-Bench prompts use the chosen template (recorded in the task's notes).
#include <QtTest/QtTest>

#include <fstream>

#include "core/base/error.h"
#include "tasks/chat_template.h"
#include "tasks/evaluator.h"
#include "tests/support/fake_lm.h"
#include "tests/support/test_support.h"

namespace {

namespace fs = std::filesystem;

// A fake model that lives in a folder (for template recognition) and records its prompts.
class FolderLm : public qs::test::FakeLm {
 public:
  explicit FolderLm(fs::path dir) : FakeLm(8192), dir_(std::move(dir)) {}
  fs::path modelDirectory() const override { return dir_; }
  at::Tensor forward(const at::Tensor& ids, const at::Tensor& mask, qs::LmState* state) override {
    auto* st = static_cast<State*>(state);
    if (!st || !st->count.defined())  // the first call of a sequence holds its whole prompt
      for (int64_t b = 0; b < ids.size(0); ++b) {
        std::vector<int> row;
        for (int64_t s = 0; s < ids.size(1); ++s)
          if (mask[b][s].item<int64_t>()) row.push_back(static_cast<int>(ids[b][s].item<int64_t>()));
        prompts.push_back(decode(row));
      }
    return FakeLm::forward(ids, mask, state);
  }
  std::vector<std::string> prompts;

 private:
  fs::path dir_;
};

fs::path modelFolder(const std::string& name, const std::string& config, const std::string& tokenizerConfig = "") {
  fs::path dir = qs::test::freshTempDir("chat_template") / name;
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << config;
  if (!tokenizerConfig.empty()) std::ofstream(dir / "tokenizer_config.json") << tokenizerConfig;
  return dir;
}

std::string twoTurns(const std::string& name, const std::string& system = "") {
  return qs::findChatTemplate(name).render({{"Hi", "Hello!\n\nSee you."}}, "Bye?", system);
}

qs::EvalOptions mtBenchOptions() {
  qs::EvalOptions o;
  o.tasksDir = qs::test::sourceDir() / "resources" / "tasks";
  o.dataDir = qs::test::sourceDir() / "resources" / "data";
  o.klDivergence = false;
  o.limit = 2;
  return o;
}

}  // namespace

class TestChatTemplate : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Expected strings printed by FastChat's conversation.py (commit 2e7855b) for the messages
  // [user "Hi", assistant "Hello!\n\nSee you.", user "Bye?", assistant None].
  void rendersAsFastChat_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expected");
    QTest::newRow("vicuna_v1.1") << "vicuna_v1.1"
        << "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, "
           "detailed, and polite answers to the user's questions. USER: Hi ASSISTANT: Hello!\n\nSee you.</s>USER: Bye? ASSISTANT:";
    QTest::newRow("llama-2") << "llama-2" << "[INST] Hi [/INST] Hello!\n\nSee you. </s><s>[INST] Bye? [/INST]";
    QTest::newRow("mistral") << "mistral" << "[INST] Hi [/INST] Hello!\n\nSee you.</s>[INST] Bye? [/INST]";
    QTest::newRow("chatglm3") << "chatglm3" << "<|user|>\nHi<|assistant|>\nHello!\n\nSee you.<|user|>\nBye?<|assistant|>";
    QTest::newRow("gemma") << "gemma"
        << "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!\n\nSee you.<end_of_turn>\n"
           "<start_of_turn>user\nBye?<end_of_turn>\n<start_of_turn>model\n";
    QTest::newRow("falcon") << "falcon" << "User: Hi\n\nAssistant: Hello!\nSee you.\n\nUser: Bye?\n\nAssistant:";
    QTest::newRow("zephyr") << "zephyr"
        << "<|system|>\n</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello!\n\nSee you.</s>\n<|user|>\nBye?</s>\n<|assistant|>\n";
    QTest::newRow("chatml") << "chatml"
        << "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
           "<|im_start|>assistant\nHello!\n\nSee you.<|im_end|>\n<|im_start|>user\nBye?<|im_end|>\n<|im_start|>assistant\n";
    QTest::newRow("plain") << "plain"
        << "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, "
           "detailed, and polite answers to the human's questions.\n### Human: Hi\n### Assistant: Hello!\n\nSee you.\n"
           "### Human: Bye?\n### Assistant:";
    QTest::newRow("raw") << "raw" << "HiHello!\n\nSee you.Bye?";
  }
  void rendersAsFastChat() {
    QFETCH(QString, name);
    QFETCH(QString, expected);
    QCOMPARE(QString::fromStdString(twoTurns(name.toStdString())), expected);
  }

  void systemMessageReplacesTheDefault() {
    QCOMPARE(QString::fromStdString(qs::findChatTemplate("llama-2").render({}, "Hi", "Be brief.")),
             QString("[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]"));
    QCOMPARE(QString::fromStdString(twoTurns("chatml", "Be brief.")).left(39), QString("<|im_start|>system\nBe brief.<|im_end|>\n"));
  }

  void everyListedNameIsKnownAndUnknownNamesAreRefused() {
    for (const auto& n : qs::chatTemplateNames()) QCOMPARE(QString::fromStdString(qs::findChatTemplate(n).name), QString::fromStdString(n));
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::findChatTemplate("vicuna_v9"));
  }

  void recognisesTheModelFolder() {
    auto pick = [](const fs::path& dir) { return QString::fromStdString(qs::detectChatTemplate(dir).name); };
    QCOMPARE(pick(modelFolder("vicuna-7b-v1.5", R"({"model_type": "llama"})")), QString("vicuna_v1.1"));
    QCOMPARE(pick(modelFolder("ckpt", R"({"model_type": "llama", "_name_or_path": "lmsys/longchat-7b-16k"})")), QString("vicuna_v1.1"));
    QCOMPARE(pick(modelFolder("Llama-2-7b-chat-hf", R"({"model_type": "llama"})")), QString("llama-2"));
    QCOMPARE(pick(modelFolder("m1", R"({"model_type": "qwen2"})", R"({"chat_template": "{% for m in messages %}<|im_start|>{{m.role}}{% endfor %}"})")),
             QString("chatml"));
    QCOMPARE(pick(modelFolder("m2", R"({"model_type": "llama"})", R"({"chat_template": "{{ bos_token }}[INST] <<SYS>>"})")), QString("llama-2"));
    QCOMPARE(pick(modelFolder("m3", R"({"model_type": "llama"})", R"({"chat_template": "{{ bos_token }}[INST] {{ m }} [/INST]"})")), QString("mistral"));
    QCOMPARE(pick(modelFolder("m4", R"({"model_type": "gemma"})", R"({"chat_template": "<start_of_turn>user"})")), QString("gemma"));
    QCOMPARE(pick(modelFolder("m5", R"({"model_type": "falcon"})")), QString("falcon"));
    QCOMPARE(pick(modelFolder("m6", R"({"model_type": "chatglm"})")), QString("chatglm3"));
    QCOMPARE(pick(modelFolder("opt-125m", R"({"model_type": "opt"})")), QString(""));  // a base model: nothing decides
    const auto c = qs::detectChatTemplate(modelFolder("m7", R"({"model_type": "llama"})", R"({"chat_template": "<|im_start|>"})"));
    QVERIFY2(c.reason.find("tokenizer_config.json") != std::string::npos, c.reason.c_str());
  }

  void mtBenchUsesTheModelsTemplateAndRecordsIt() {
    FolderLm lm(modelFolder("Qwen2-0.5B-Instruct", R"({"model_type": "qwen2"})"));
    auto r = qs::evaluate(lm, {"mt_bench"}, mtBenchOptions());
    QCOMPARE(lm.prompts.size(), size_t(4));  // 2 questions x 2 turns
    for (const auto& p : lm.prompts) QVERIFY2(p.rfind("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n", 0) == 0, p.c_str());
    QVERIFY(lm.prompts.back().find("<|im_end|>\n<|im_start|>assistant\n") != std::string::npos);
    bool noted = false;
    for (const auto& n : r.tasks[0].notes) noted = noted || n.rfind("chat template: chatml (model name 'Qwen2-0.5B-Instruct')", 0) == 0;
    QVERIFY(noted);
  }

  void theUsersChoiceWinsAndTheFallbackIsVicuna() {
    FolderLm lm(modelFolder("Qwen2-0.5B-Instruct", R"({"model_type": "qwen2"})"));
    auto o = mtBenchOptions();
    o.chatTemplate = "llama-2";
    auto r = qs::evaluate(lm, {"mt_bench"}, o);
    QVERIFY2(lm.prompts.front().rfind("[INST] ", 0) == 0 && lm.prompts.front().find(" [/INST]") != std::string::npos,
             lm.prompts.front().c_str());
    QVERIFY(r.tasks[0].notes.at(0).find("chat template: llama-2 (chosen by the user)") == 0);

    FolderLm base(modelFolder("opt-125m", R"({"model_type": "opt"})"));
    auto b = qs::evaluate(base, {"mt_bench"}, mtBenchOptions());
    QVERIFY(base.prompts.front().rfind("A chat between a curious user", 0) == 0);
    QVERIFY(b.tasks[0].notes.at(0).find("chat template: vicuna_v1.1 (the task's fallback") == 0);

    o.chatTemplate = "no_such_template";
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::evaluate(base, {"mt_bench"}, o));
  }
};

QTEST_GUILESS_MAIN(TestChatTemplate)
#include "test_chat_template.moc"
