// IFEval's verifiable instructions: each check on responses that follow and that break it (the
// expected counts of the regex-based checks were printed by the reference Python code), the loose
// variants, and the four IFEval metrics of a scripted model's answers.
#include <QtTest/QtTest>

#include <cmath>
#include <fstream>

#include "core/base/error.h"
#include "tasks/evaluator.h"
#include "tasks/instruction_checks.h"
#include "tests/support/scripted_lm.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

bool strict(const std::string& id, const std::string& response, const json& kwargs = json::object(),
            const std::string& prompt = "") {
  return qs::followsStrict(id, response, kwargs, prompt).value();
}

using qs::test::ScriptedLm;

}  // namespace

class TestInstructionChecks : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void punctuationAndLength() {
    QVERIFY(strict("punctuation:no_comma", "a b c"));
    QVERIFY(!strict("punctuation:no_comma", "a, b"));
    QCOMPARE(qs::countIfevalWords("It's a well-known fact, na\xC3\xAFve caf\xC3\xA9 42."), int64_t(9));  // \w is Unicode
    QVERIFY(strict("length_constraints:number_words", "one two three", {{"relation", "at least"}, {"num_words", 3}}));
    QVERIFY(!strict("length_constraints:number_words", "one two three", {{"relation", "less than"}, {"num_words", 3}}));
    QCOMPARE(qs::splitIntoSentences("Mr. Smith went to Washington. He arrived at 3.30 p.m. today! Did he?").size(), size_t(3));
    QCOMPARE(qs::splitIntoSentences("I love Paris... It is great. Really?\nYes.").size(), size_t(4));
    QCOMPARE(qs::splitIntoSentences("The U.S.A. is big. It has 50 states.").size(), size_t(2));
    QVERIFY(strict("length_constraints:number_sentences", "One. Two. Three.", {{"relation", "less than"}, {"num_sentences", 4}}));
    QVERIFY(!strict("length_constraints:number_sentences", "One. Two. Three.", {{"relation", "less than"}, {"num_sentences", 3}}));
    QVERIFY(strict("length_constraints:number_paragraphs", "A\n***\nB", {{"num_paragraphs", 2}}));
    QVERIFY(strict("length_constraints:number_paragraphs", "***\nA\n***\nB", {{"num_paragraphs", 2}}));  // leading divider
    QVERIFY(!strict("length_constraints:number_paragraphs", "A\n***\n\n***\nB", {{"num_paragraphs", 2}}));  // empty middle
    QVERIFY(strict("length_constraints:nth_paragraph_first_word", "Hello there.\n\n\"Summer, here\" she said.",
                   {{"num_paragraphs", 2}, {"nth_paragraph", 2}, {"first_word", "summer"}}));
    QVERIFY(!strict("length_constraints:nth_paragraph_first_word", "Hello there.\n\nWinter.",
                    {{"num_paragraphs", 2}, {"nth_paragraph", 2}, {"first_word", "summer"}}));
  }

  void keywords() {
    QVERIFY(strict("keywords:existence", "My Office and COLLEAGUES", {{"keywords", {"office", "colleagues"}}}));
    QVERIFY(!strict("keywords:existence", "My office", {{"keywords", {"office", "colleagues"}}}));
    QVERIFY(strict("keywords:forbidden_words", "I am retired", {{"forbidden_words", {"tired"}}}));  // whole words only
    QVERIFY(!strict("keywords:forbidden_words", "I am Tired.", {{"forbidden_words", {"tired"}}}));
    const json three{{"keyword", "rain"}, {"frequency", 3}, {"relation", "at least"}};
    QVERIFY(strict("keywords:frequency", "Rain rain rainbow", three));  // re.findall counts 'rain' in 'rainbow'
    QVERIFY(!strict("keywords:frequency", "Rain rain", three));
    QVERIFY(strict("keywords:letter_frequency", "Eee e", {{"letter", "e"}, {"let_frequency", 4}, {"let_relation", "at least"}}));
    QVERIFY(!strict("keywords:letter_frequency", "Eee e", {{"letter", "e"}, {"let_frequency", 4}, {"let_relation", "less than"}}));
  }

  void formats() {
    QVERIFY(strict("detectable_format:json_format", "```json\n{\"a\": [1, 2]}\n```"));
    QVERIFY(!strict("detectable_format:json_format", "{a: 1}"));
    // Python: 2 lines start with '*' + non-'*', 2 with '-'.
    QVERIFY(strict("detectable_format:number_bullet_lists", "**bold** line\n* one\n  * two\n- three\n-", {{"num_bullets", 4}}));
    QVERIFY(!strict("detectable_format:number_bullet_lists", "* one\n* two", {{"num_bullets", 3}}));
    QVERIFY(strict("detectable_format:title", "<<My Title>>\ntext"));
    QVERIFY(!strict("detectable_format:title", "<<  >>\ntext"));
    // Python counts 2: '*one*' and '**two**' (the empty '** **' does not count).
    QVERIFY(strict("detectable_format:number_highlighted_sections", "*one* and **two** and ** ** end", {{"num_highlights", 2}}));
    QVERIFY(!strict("detectable_format:number_highlighted_sections", "*one* and **two** and ** ** end", {{"num_highlights", 3}}));
    QVERIFY(strict("detectable_format:multiple_sections", "SECTION 1\nabc\nSECTION 2\ndef", {{"section_spliter", "SECTION"}, {"num_sections", 2}}));
    QVERIFY(!strict("detectable_format:multiple_sections", "SECTION 1\nabc", {{"section_spliter", "SECTION"}, {"num_sections", 2}}));
    QVERIFY(strict("detectable_format:constrained_response", "Well. My answer is no."));
    QVERIFY(!strict("detectable_format:constrained_response", "No."));
  }

  void caseContentAndEnds() {
    QVERIFY(strict("change_case:english_lowercase", "hello world."));
    QVERIFY(!strict("change_case:english_lowercase", "Hello world."));
    QVERIFY(strict("change_case:english_capital", "HELLO WORLD!"));
    QVERIFY(!strict("change_case:english_capital", "HELLO World!"));
    const json four{{"capital_relation", "at least"}, {"capital_frequency", 4}};
    QVERIFY(strict("change_case:capital_word_frequency", "THE BIG DOG barks LOUD", four));
    QVERIFY(!strict("change_case:capital_word_frequency", "THE BIG dog barks LOUD", four));
    QVERIFY(strict("detectable_content:number_placeholders", "[name] at [address]", {{"num_placeholders", 2}}));
    QVERIFY(!strict("detectable_content:number_placeholders", "[name] at home", {{"num_placeholders", 2}}));
    QVERIFY(strict("detectable_content:postscript", "Thanks.\nP.S. see you", {{"postscript_marker", "P.S."}}));
    QVERIFY(strict("detectable_content:postscript", "Thanks.\np. p. s. later", {{"postscript_marker", "P.P.S"}}));
    QVERIFY(!strict("detectable_content:postscript", "Thanks.", {{"postscript_marker", "P.S."}}));
    QVERIFY(strict("startend:end_checker", "Bye. Any other questions?\"", {{"end_phrase", "Any other questions?"}}));
    QVERIFY(!strict("startend:end_checker", "Any other questions? Bye.", {{"end_phrase", "Any other questions?"}}));
    QVERIFY(strict("startend:quotation", "  \"hi there\"\n"));
    QVERIFY(!strict("startend:quotation", "\"hi there"));
    QVERIFY(strict("combination:repeat_prompt", "what is the capital of France? Paris.", {{"prompt_to_repeat", "What is the capital of France?"}}));
    QVERIFY(!strict("combination:repeat_prompt", "Paris.", {{"prompt_to_repeat", "What is the capital of France?"}}));
    QVERIFY(strict("combination:two_responses", "Joke one.\n******\nJoke two."));
    QVERIFY(!strict("combination:two_responses", "Same\n******\nSame"));
    QVERIFY(!strict("combination:two_responses", "A\n******\n\n******\nB"));
  }

  void emptyResponsesUnsupportedAndUnknownInstructions() {
    QVERIFY(!strict("punctuation:no_comma", "  \n"));  // an empty response follows nothing
    QVERIFY(!qs::followsStrict("language:response_language", "Hallo", {{"language", "de"}}, "").has_value());
    QVERIFY(!qs::followsLoose("language:response_language", "Hallo", {{"language", "de"}}, "").has_value());
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::followsStrict("no:such_instruction", "x", json::object(), ""));
    // null kwargs are dropped as lm-eval does; a missing argument is an error naming it.
    QVERIFY(strict("punctuation:no_comma", "ok", {{"num_words", nullptr}}));
    QVERIFY_THROWS_EXCEPTION(qs::Error, strict("length_constraints:number_words", "a b", {{"relation", "at least"}}));
  }

  void looseVariantsRemoveFirstLastLinesAndAsterisks() {
    auto v = qs::looseResponseVariants("Sure:\n**hi**\nbye");
    QCOMPARE(v.size(), size_t(8));
    QCOMPARE(QString::fromStdString(v[1]), QString("Sure:\nhi\nbye"));
    QCOMPARE(QString::fromStdString(v[2]), QString("**hi**\nbye"));
    QCOMPARE(QString::fromStdString(v[3]), QString("Sure:\n**hi**"));
    QCOMPARE(QString::fromStdString(v[4]), QString("**hi**"));
    QCOMPARE(QString::fromStdString(v[7]), QString("hi"));
    const std::string answer = "Sure, here it is:\nhello world";
    QVERIFY(!qs::followsStrict("change_case:english_lowercase", answer, json::object(), "").value());
    QVERIFY(qs::followsLoose("change_case:english_lowercase", answer, json::object(), "").value());
    QVERIFY(qs::followsLoose("startend:end_checker", "Done. Any other questions?**", {{"end_phrase", "Any other questions?"}}, "").value());
  }

  // Three prompts, one scripted answer "Sure:\nhello world\n***\nbye now":
  //   no_comma (yes / yes), english_lowercase (strict no, loose yes: first line removed)
  //   number_paragraphs 2 (yes / yes), response_language (unsupported: not counted)
  //   existence "goodbye" (no / no)
  // strict: prompts 0, 1, 0 -> 1/3; instructions 2 of 4. loose: prompts 1, 1, 0 -> 2/3; instructions 3 of 4.
  void metricsOfAScriptedModel() {
    const auto data = qs::test::freshTempDir("ifeval_data");
    std::filesystem::create_directories(data / "ifeval");
    std::ofstream(data / "ifeval" / "input_data.jsonl")
        << R"({"key": 1, "prompt": "p1", "instruction_id_list": ["punctuation:no_comma", "change_case:english_lowercase"], "kwargs": [{}, {}]})" "\n"
        << R"({"key": 2, "prompt": "p2", "instruction_id_list": ["length_constraints:number_paragraphs", "language:response_language"], "kwargs": [{"num_paragraphs": 2}, {"language": "de"}]})" "\n"
        << R"({"key": 3, "prompt": "p3", "instruction_id_list": ["keywords:existence"], "kwargs": [{"keywords": ["goodbye"]}]})" "\n";
    qs::EvalOptions o;
    o.tasksDir = qs::test::sourceDir() / "resources" / "tasks";
    o.dataDir = data;
    o.klDivergence = false;
    ScriptedLm lm("Sure:\nhello world\n***\nbye now");
    auto r = qs::evaluate(lm, {"ifeval"}, o);
    const auto& t = r.tasks[0];
    auto value = [&](const char* m) { return t.find(m)->value; };
    QVERIFY(std::abs(value("prompt_level_strict_acc") - 1.0 / 3) < 1e-12);
    QVERIFY(std::abs(value("prompt_level_loose_acc") - 2.0 / 3) < 1e-12);
    QCOMPARE(value("inst_level_strict_acc"), 0.5);
    QCOMPARE(value("inst_level_loose_acc"), 0.75);
    // Prompt level: the sample standard error of [0, 1, 0]: sqrt(1/3) / sqrt(3) = 1/3.
    QVERIFY(std::abs(t.find("prompt_level_strict_acc")->stderr - 1.0 / 3) < 1e-12);
    QCOMPARE(t.find("prompt_level_strict_acc")->n, int64_t(3));
    QVERIFY(t.find("inst_level_strict_acc")->stderr > 0);  // bootstrap over prompts
  }
};

QTEST_GUILESS_MAIN(TestInstructionChecks)
#include "test_instruction_checks.moc"
