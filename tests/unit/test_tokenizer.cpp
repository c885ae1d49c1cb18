// Byte-level BPE against the Hugging Face golden file (OPT-125m's slow GPT2Tokenizer), the same
// vocabulary as a tokenizer.json, errors for malformed files, and encoding speed on WikiText-2.
#include <QtTest/QtTest>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/utf8.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path optDir() { return qs::test::sharedDir() / "models" / "opt-125m-tokenizer"; }
fs::path goldenFile() { return qs::test::goldenDir() / "tokenizers" / "opt125m_gpt2bpe.json"; }

json readJson(const fs::path& path) { return json::parse(qs::test::readFile(path)); }

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::vector<int> idsOf(const json& list) { return list.get<std::vector<int>>(); }

// The error message of fn, or "" when it does not throw qs::Error.
template <typename Fn>
std::string errorOf(Fn&& fn) {
  try {
    fn();
  } catch (const qs::Error& e) {
    return e.what();
  }
  return {};
}

// A tokenizer.json holding OPT's vocab.json and merges.txt as a byte-level BPE.
json optAsTokenizerJson(bool mergesAsPairs) {
  json vocab = readJson(optDir() / "vocab.json");
  json merges = json::array();
  std::ifstream in(optDir() / "merges.txt");
  std::string line;
  std::getline(in, line);  // "#version: 0.2"
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    size_t space = line.find(' ');
    if (mergesAsPairs) merges.push_back({line.substr(0, space), line.substr(space + 1)});
    else merges.push_back(line);
  }
  auto added = [&](const std::string& content) {
    return json{{"id", vocab[content]}, {"content", content}, {"single_word", false}, {"lstrip", false},
                {"rstrip", false}, {"normalized", true}, {"special", true}};
  };
  json doc;
  doc["version"] = "1.0";
  doc["added_tokens"] = json::array({added("<pad>"), added("</s>")});
  doc["normalizer"] = nullptr;
  doc["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  doc["post_processor"] = {
      {"type", "TemplateProcessing"},
      {"single", json::array({{{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}},
                              {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
      {"pair", json::array()},
      {"special_tokens", {{"</s>", {{"id", "</s>"}, {"ids", {2}}, {"tokens", {"</s>"}}}}}}};
  doc["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
  doc["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", ""},
                  {"end_of_word_suffix", ""}, {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab},
                  {"merges", merges}};
  return doc;
}

}  // namespace

class TestTokenizer : public QObject {
  Q_OBJECT

 private:
  json golden_;
  std::unique_ptr<qs::Tokenizer> opt_;

 private Q_SLOTS:
  void initTestCase() {
    if (!fs::exists(goldenFile()) || !fs::exists(optDir() / "vocab.json")) QSKIP("shared/ golden data not found");
    golden_ = readJson(goldenFile());
    opt_ = qs::Tokenizer::load(optDir());
  }

  void optSettings() {
    QCOMPARE(QString::fromStdString(opt_->kind()), QString("byte-level BPE"));
    QCOMPARE(opt_->bosId(), 2);
    QCOMPARE(opt_->eosId(), 2);
    QCOMPARE(opt_->padId(), 1);
    QVERIFY(opt_->addsBos());
    QVERIFY(!opt_->addsEos());
    QCOMPARE(opt_->vocabSize(), 50265);
    QCOMPARE(QString::fromStdString(opt_->tokenString(31414)), QString("Hello"));
    QCOMPARE(QString::fromStdString(opt_->tokenString(232)), QString::fromUtf8("Ġworld"));
  }

  void optGoldenEncode() {
    const json& cases = golden_["cases"];
    QCOMPARE(cases.size(), size_t{35});
    for (const json& c : cases) {
      std::string text = c["text"].get<std::string>();
      QVERIFY2(opt_->encode(text, true) == idsOf(c["ids_with_bos"]), text.c_str());
      auto ids = opt_->encode(text, false);
      QVERIFY2(ids == idsOf(c["ids_no_bos"]), text.c_str());
      std::vector<std::string> tokens;
      for (int id : ids) tokens.push_back(opt_->tokenString(id));
      QVERIFY2(tokens == c["tokens_no_bos"].get<std::vector<std::string>>(), text.c_str());
    }
  }

  void optGoldenDecode() {
    for (const json& c : golden_["cases"]) {
      std::string text = c["text"].get<std::string>();
      std::string recorded = c["decode_no_bos(clean_up_tokenization_spaces=False)"].get<std::string>();
      // The golden decode keeps special tokens (</s> in the text decodes back to "</s>").
      std::string decoded = opt_->decode(idsOf(c["ids_no_bos"]), false);
      QCOMPARE(QString::fromStdString(decoded), QString::fromStdString(recorded));
      QCOMPARE(QString::fromStdString(decoded), QString::fromStdString(text));
    }
  }

  void optSpecialTokens() {
    // "</s>" in the text is split out as id 2 before BPE, as the slow tokenizer does.
    auto ids = opt_->encode("a</s>b", false);
    QCOMPARE(ids.size(), size_t{3});
    QCOMPARE(ids[1], 2);
    QCOMPARE(QString::fromStdString(opt_->decode(ids, true)), QString("ab"));
    QCOMPARE(QString::fromStdString(opt_->decode(ids, false)), QString("a</s>b"));
    QCOMPARE(QString::fromStdString(opt_->decode({2, 31414, 232, 1}, true)), QString("Hello world"));
  }

  // U+180E is not White_Space since Unicode 6.3 (Python's regex module and Oniguruma agree), so
  // " \u180E" is one pre-token " ?[^\s\p{L}\p{N}]+" and its space byte merges with the next one.
  void mongolianVowelSeparatorIsNotWhitespace() {
    auto ids = opt_->encode("a \xE1\xA0\x8E", false);
    QVERIFY(ids.size() >= 2);
    QCOMPARE(QString::fromStdString(opt_->tokenString(ids[1])), QString::fromUtf8("\xC4\xA0\xC3\xA1"));  // "Ġá"
  }

  // OPT's tokenizer_config has no clean_up_tokenization_spaces, so transformers' default (true) holds.
  void cleanUpTokenizationSpaces() {
    QVERIFY(opt_->cleansUpTokenizationSpaces());
    QCOMPARE(QString::fromStdString(qs::Tokenizer::cleanUpTokenizationSpaces("Hello , world ! I 'm here . Do n't ?")),
             QString("Hello, world! I'm here. Don't?"));
    QCOMPARE(QString::fromStdString(qs::Tokenizer::cleanUpTokenizationSpaces("it 's they 're we 've ' ok")),
             QString("it's they're we've'ok"));
  }

  void byteLevelDecodeOfPartialCharacter() {
    // The first two bytes of "😀" (F0 9F 98 80): Python's errors="replace" gives one U+FFFD.
    auto ids = opt_->encode("\xF0\x9F\x98\x80", false);
    QVERIFY(ids.size() >= 2);
    std::string all = opt_->decode(ids, false);
    QCOMPARE(QString::fromStdString(all), QString::fromUtf8("\xF0\x9F\x98\x80"));
    std::string first = opt_->decode({ids.front()}, false);
    QVERIFY(first.find(qs::utf8::kReplacementChar) != std::string::npos);
  }

  void lossyUtf8MatchesPython() {
    // Values from Python: bytes.decode("utf-8", errors="replace").
    QCOMPARE(QString::fromStdString(qs::utf8::lossy("\xF0\x9F")), QString::fromUtf8("\xEF\xBF\xBD"));
    QCOMPARE(QString::fromStdString(qs::utf8::lossy("\xF0\x9F\x98")), QString::fromUtf8("\xEF\xBF\xBD"));
    QCOMPARE(QString::fromStdString(qs::utf8::lossy("\x80\x80")), QString::fromUtf8("\xEF\xBF\xBD\xEF\xBF\xBD"));
    QCOMPARE(QString::fromStdString(qs::utf8::lossy("a\xC3(b")), QString::fromUtf8("a\xEF\xBF\xBD(b"));
    QCOMPARE(QString::fromStdString(qs::utf8::lossy("\xED\xA0\x80")),
             QString::fromUtf8("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));  // a surrogate: 3 replacements
    QCOMPARE(QString::fromStdString(qs::utf8::lossy("caf\xC3\xA9")), QString::fromUtf8("caf\xC3\xA9"));
  }

  void tokenizerJsonMatchesVocabPath_data() {
    QTest::addColumn<bool>("mergesAsPairs");
    QTest::newRow("merges as \"a b\"") << false;
    QTest::newRow("merges as [a, b]") << true;
  }
  void tokenizerJsonMatchesVocabPath() {
    QFETCH(bool, mergesAsPairs);
    fs::path dir = qs::test::freshTempDir(mergesAsPairs ? "tok_opt_json_pairs" : "tok_opt_json");
    writeFile(dir / "tokenizer.json", optAsTokenizerJson(mergesAsPairs).dump());
    auto tokenizer = qs::Tokenizer::load(dir);
    QCOMPARE(QString::fromStdString(tokenizer->kind()), QString("byte-level BPE"));
    QVERIFY(tokenizer->addsBos());
    QCOMPARE(tokenizer->bosId(), 2);
    for (const json& c : golden_["cases"]) {
      std::string text = c["text"].get<std::string>();
      QVERIFY2(tokenizer->encode(text, true) == idsOf(c["ids_with_bos"]), text.c_str());
      QVERIFY2(tokenizer->encode(text, false) == idsOf(c["ids_no_bos"]), text.c_str());
      QCOMPARE(QString::fromStdString(tokenizer->decode(idsOf(c["ids_no_bos"]), false)), QString::fromStdString(text));
    }
  }

  // Llama-3 / Qwen2 style: the split regex as its own Split pre-tokenizer, then ByteLevel without
  // its regex. With GPT-2's pattern this is the same tokenizer, so the golden ids must hold.
  void splitThenByteLevelMatches() {
    json doc = optAsTokenizerJson(false);
    doc["pre_tokenizer"] = {
        {"type", "Sequence"},
        {"pretokenizers",
         json::array({{{"type", "Split"},
                       {"pattern", {{"Regex", R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)"}}},
                       {"behavior", "Isolated"},
                       {"invert", false}},
                      {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}})}};
    fs::path dir = qs::test::freshTempDir("tok_opt_split");
    writeFile(dir / "tokenizer.json", doc.dump());
    auto tokenizer = qs::Tokenizer::load(dir);
    QCOMPARE(QString::fromStdString(tokenizer->kind()), QString("byte-level BPE"));
    for (const json& c : golden_["cases"]) {
      std::string text = c["text"].get<std::string>();
      QVERIFY2(tokenizer->encode(text, false) == idsOf(c["ids_no_bos"]), text.c_str());
    }
  }

  // add_prefix_space (GPT-2 slow): one space before the whole text, so "Hello" encodes as " Hello".
  void addPrefixSpace() {
    fs::path dir = qs::test::freshTempDir("tok_opt_prefix");
    for (const char* name : {"vocab.json", "merges.txt", "special_tokens_map.json", "config.json"})
      fs::copy_file(optDir() / name, dir / name);
    json config = readJson(optDir() / "tokenizer_config.json");
    config["add_prefix_space"] = true;
    writeFile(dir / "tokenizer_config.json", config.dump());
    auto tokenizer = qs::Tokenizer::load(dir);
    // Golden: " leading space" -> [981, 980] ("Ġleading", "Ġspace").
    QCOMPARE(tokenizer->encode("leading space", false), (std::vector<int>{981, 980}));
    QCOMPARE(tokenizer->encode("leading space", true), (std::vector<int>{2, 981, 980}));
  }

  void malformedFilesNameTheFile() {
    fs::path dir = qs::test::freshTempDir("tok_bad_json");
    writeFile(dir / "tokenizer.json", "{ \"model\": ");
    std::string message = errorOf([&] { qs::Tokenizer::load(dir); });
    QVERIFY2(message.find((dir / "tokenizer.json").string()) != std::string::npos, message.c_str());
    QVERIFY2(message.find("invalid JSON") != std::string::npos, message.c_str());
  }

  void unsupportedModelTypes_data() {
    QTest::addColumn<QString>("type");
    QTest::newRow("WordPiece") << "WordPiece";
    QTest::newRow("Unigram") << "Unigram";
    QTest::newRow("WordLevel") << "WordLevel";
  }
  void unsupportedModelTypes() {
    QFETCH(QString, type);
    fs::path dir = qs::test::freshTempDir("tok_model_type");
    json doc = {{"model", {{"type", type.toStdString()}, {"vocab", json::object()}}}};
    writeFile(dir / "tokenizer.json", doc.dump());
    std::string message = errorOf([&] { qs::Tokenizer::load(dir); });
    QVERIFY2(message.find("tokenizer.json") != std::string::npos, message.c_str());
    QVERIFY2(message.find(type.toStdString()) != std::string::npos, message.c_str());
    QVERIFY2(message.find("not supported") != std::string::npos, message.c_str());
  }

  void structuralErrors_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("expected");
    QTest::newRow("no merges") << R"({"model": {"type": "BPE", "vocab": {"a": 0}}})" << "model.merges is missing";
    QTest::newRow("no model") << R"({"version": "1.0"})" << "no \"model\"";
    QTest::newRow("merge of unknown token")
        << R"({"model": {"type": "BPE", "vocab": {"a": 0, "ab": 1}, "merges": ["a b"]}})" << "'b' is not in the vocabulary";
    QTest::newRow("merge result unknown")
        << R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}})" << "'ab' is not in the vocabulary";
    QTest::newRow("bad merge") << R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [3]}})" << "model.merges[0]";
    QTest::newRow("unsupported normalizer")
        << R"({"normalizer": {"type": "Precompiled"}, "model": {"type": "BPE", "vocab": {}, "merges": []}})"
        << "normalizer type 'Precompiled' is not supported";
    QTest::newRow("unsupported pre_tokenizer")
        << R"({"pre_tokenizer": {"type": "UnicodeScripts"}, "model": {"type": "BPE", "vocab": {}, "merges": []}})"
        << "pre_tokenizer type 'UnicodeScripts' is not supported";
    QTest::newRow("unsupported decoder")
        << R"({"decoder": {"type": "WordPiece"}, "model": {"type": "BPE", "vocab": {}, "merges": []}})"
        << "decoder type 'WordPiece' is not supported";
    QTest::newRow("bad regex")
        // (not a raw string: moc misreads one holding an unbalanced parenthesis)
        << "{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"[a\"}, \"behavior\": "
           "\"Isolated\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}}"
        << "invalid regular expression";
    QTest::newRow("field of the wrong type")
        << R"({"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": "yes"}, "model": {"type": "BPE", "vocab": {}, "merges": []}})"
        << "type must be boolean";
    QTest::newRow("added token without id")
        << R"({"added_tokens": [{"content": "<s>"}], "model": {"type": "BPE", "vocab": {}, "merges": []}})"
        << "added_tokens";
  }
  void structuralErrors() {
    QFETCH(QString, json);
    QFETCH(QString, expected);
    fs::path dir = qs::test::freshTempDir("tok_structure");
    writeFile(dir / "tokenizer.json", json.toStdString());
    std::string message = errorOf([&] { qs::Tokenizer::load(dir); });
    QVERIFY2(message.find((dir / "tokenizer.json").string()) != std::string::npos, message.c_str());
    QVERIFY2(message.find(expected.toStdString()) != std::string::npos, message.c_str());
  }

  void vocabPathErrors() {
    fs::path dir = qs::test::freshTempDir("tok_vocab_only");
    fs::copy_file(optDir() / "vocab.json", dir / "vocab.json");
    std::string message = errorOf([&] { qs::Tokenizer::load(dir); });
    QVERIFY2(message.find("vocab.json") != std::string::npos && message.find("merges.txt") != std::string::npos,
             message.c_str());

    writeFile(dir / "merges.txt", "#version: 0.2\n\xC4\xA0 t\nbroken-line\n");
    message = errorOf([&] { qs::Tokenizer::load(dir); });
    QVERIFY2(message.find("merges.txt line 3") != std::string::npos, message.c_str());

    writeFile(dir / "merges.txt", "#version: 0.2\n");
    writeFile(dir / "tokenizer_config.json", "{\"add_bos_token\": tru");
    message = errorOf([&] { qs::Tokenizer::load(dir); });
    QVERIFY2(message.find("tokenizer_config.json") != std::string::npos, message.c_str());

    fs::path empty = qs::test::freshTempDir("tok_empty");
    message = errorOf([&] { qs::Tokenizer::load(empty); });
    QVERIFY2(message.find(empty.string()) != std::string::npos, message.c_str());
    QVERIFY2(message.find("no tokenizer files") != std::string::npos, message.c_str());
  }

  void wikitextThroughput() {
    fs::path file = qs::test::sharedDir() / "data" / "wikitext2" / "tokenized_wikitext-2_pytorch-examples" / "test.txt";
    if (!fs::exists(file)) QSKIP("WikiText-2 test split not found");
    std::string text = qs::test::readFile(file);
    auto start = std::chrono::steady_clock::now();
    auto ids = opt_->encode(text, false);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    QVERIFY(ids.size() > text.size() / 8);
    QCOMPARE(QString::fromStdString(opt_->decode(ids, false)), QString::fromStdString(text));
    qInfo("OPT byte-level BPE: WikiText-2 test (%.2f MB) -> %zu tokens in %.3f s = %.1f MB/s (budget: a few seconds)",
          text.size() / 1e6, ids.size(), seconds, text.size() / 1e6 / seconds);
  }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
