// SentencePiece-style tokenizers: stories260K's tokenizer.json (Llama-2 style BPE with byte
// fallback) against ids read from its own vocabulary, and a tokenizer.model built from the same
// model's llama2.c tok512.bin, run by libsentencepiece through the shim, as an independent
// reference for the tokenizer.json path.
#include <QtTest/QtTest>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path storiesDir() { return qs::test::sharedDir() / "models" / "stories260K"; }
fs::path tok512File() { return qs::test::sharedDir() / "models" / "stories260K-llama2c" / "tok512.bin"; }

const std::vector<std::string>& sampleTexts() {
  static const std::vector<std::string> texts = {
      "Hello",
      "Once upon a time, there was a little girl named Lily.",
      "She said: \"Let's play!\" (and they did) -- 100% fun; 3.14 * 2 = 6.28?",
      "line one\nline two\n\nline four\r\nwith\ttabs\t",
      "  leading spaces and trailing  ",
      "multiple   spaces   here",
      "Caf\xC3\xA9 r\xC3\xA9sum\xC3\xA9 na\xC3\xAFve fa\xC3\xA7" "ade \xC3\xB1 \xC3\xA2",
      "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9\xE3\x83\x88",
      "\xE4\xB8\xAD\xE6\x96\x87\xEF\xBC\x8C\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x81",
      "emoji \xF0\x9F\x98\x80\xF0\x9F\x8E\x89 family \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
      "numbers 1234567890 and 2024-01-15T12:34:56Z",
      "\xE2\x80\x9CQuoted\xE2\x80\x9D \xE2\x80\x94 dash\xE2\x80\xA6 \xE2\x84\xA2",
      " ",
      "\n",
      "a",
      "",
  };
  return texts;
}

// The vocabulary of stories260K's tokenizer.json, read here so expectations come from the file.
class StoriesVocab {
 public:
  StoriesVocab() {
    json doc = json::parse(qs::test::readFile(storiesDir() / "tokenizer.json"));
    for (const auto& [piece, id] : doc["model"]["vocab"].items()) ids_[piece] = id.get<int>();
  }
  int id(const std::string& piece) const {
    auto it = ids_.find(piece);
    if (it == ids_.end()) throw qs::Error("test: piece '" + piece + "' is not in stories260K's vocabulary");
    return it->second;
  }
  std::vector<int> ids(std::initializer_list<const char*> pieces, bool bos = true) const {
    std::vector<int> out;
    if (bos) out.push_back(id("<s>"));
    for (const char* piece : pieces) out.push_back(id(piece));
    return out;
  }
  const std::map<std::string, int>& all() const { return ids_; }

 private:
  std::map<std::string, int> ids_;
};

// ---- a sentencepiece ModelProto, written by hand in protobuf wire format -------------------

void putVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}
void putKey(std::string& out, int field, int wireType) { putVarint(out, (static_cast<uint64_t>(field) << 3) | wireType); }
void putInt(std::string& out, int field, int64_t value) {
  putKey(out, field, 0);
  putVarint(out, static_cast<uint64_t>(value));  // negative int32 values take ten bytes
}
void putBytes(std::string& out, int field, const std::string& bytes) {
  putKey(out, field, 2);
  putVarint(out, bytes.size());
  out += bytes;
}
void putFloat(std::string& out, int field, float value) {
  putKey(out, field, 5);
  char raw[4];
  std::memcpy(raw, &value, 4);
  out.append(raw, 4);
}

struct Piece {
  std::string text;
  float score;
};

// llama2.c's tokenizer.bin: max_token_length, then (score, length, bytes) per token, with "▁"
// written as a space and BOS/EOS as "\n<s>\n" / "\n</s>\n".
std::vector<Piece> readLlama2cTokenizer(const fs::path& path) {
  std::string data = qs::test::readFile(path);
  std::vector<Piece> pieces;
  size_t pos = 4;
  while (pos + 8 <= data.size()) {
    float score;
    int32_t length;
    std::memcpy(&score, data.data() + pos, 4);
    std::memcpy(&length, data.data() + pos + 4, 4);
    pos += 8;
    std::string text = data.substr(pos, length);
    pos += length;
    if (text == "\n<s>\n") text = "<s>";
    if (text == "\n</s>\n") text = "</s>";
    std::string piece;
    for (char c : text) piece += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
    pieces.push_back({piece, score});
  }
  return pieces;
}

// A BPE ModelProto with byte fallback and Llama-2's normalizer settings.
std::string llamaModelProto(const std::vector<Piece>& pieces) {
  enum Type { kNormal = 1, kUnknown = 2, kControl = 3, kByte = 6 };
  std::string model;
  for (size_t i = 0; i < pieces.size(); ++i) {
    int type = i == 0 ? kUnknown : i <= 2 ? kControl : i <= 258 ? kByte : kNormal;
    std::string piece;
    putBytes(piece, 1, pieces[i].text);
    putFloat(piece, 2, pieces[i].score);
    putInt(piece, 3, type);
    putBytes(model, 1, piece);
  }
  std::string trainer;
  putInt(trainer, 3, 2);  // model_type BPE
  putInt(trainer, 4, static_cast<int64_t>(pieces.size()));
  putInt(trainer, 35, 1);  // byte_fallback
  putInt(trainer, 40, 0);  // unk_id
  putInt(trainer, 41, 1);  // bos_id
  putInt(trainer, 42, 2);  // eos_id
  putInt(trainer, 43, -1);  // pad_id
  putBytes(model, 2, trainer);
  std::string normalizer;
  putBytes(normalizer, 1, "identity");
  putInt(normalizer, 3, 1);  // add_dummy_prefix
  putInt(normalizer, 4, 0);  // remove_extra_whitespaces
  putInt(normalizer, 5, 1);  // escape_whitespaces
  putBytes(model, 3, normalizer);
  return model;
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

template <typename Fn>
std::string errorOf(Fn&& fn) {
  try {
    fn();
  } catch (const qs::Error& e) {
    return e.what();
  }
  return {};
}

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

class TestSentencePieceTokenizer : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<StoriesVocab> vocab_;
  std::unique_ptr<qs::Tokenizer> stories_;

  std::unique_ptr<qs::Tokenizer> loadShimModel() {
    if (!fs::exists(tok512File())) return nullptr;
    fs::path dir = qs::test::freshTempDir("spm_stories");
    writeFile(dir / "tokenizer.model", llamaModelProto(readLlama2cTokenizer(tok512File())));
    return qs::Tokenizer::load(dir);
  }

 private Q_SLOTS:
  void initTestCase() {
    if (!fs::exists(storiesDir() / "tokenizer.json")) QSKIP("shared/models/stories260K not found");
    vocab_ = std::make_unique<StoriesVocab>();
    stories_ = qs::Tokenizer::load(storiesDir());
  }

  // ChatGLM3's tokenizer: [gMASK] sop before a prompt (no BOS), its command tokens numbered after
  // the sentencepiece vocabulary, matched in text and skipped when decoding.
  void chatGlmPrefixAndCommands() {
    if (!fs::exists(tok512File())) QSKIP("stories260K tokenizer not found");
    fs::path dir = qs::test::freshTempDir("spm_chatglm");
    writeFile(dir / "tokenizer.model", llamaModelProto(readLlama2cTokenizer(tok512File())));
    writeFile(dir / "tokenizer_config.json", R"({"tokenizer_class": "ChatGLMTokenizer"})");
    auto tok = qs::Tokenizer::load(dir);
    auto plain = loadShimModel();
    QCOMPARE(tok->vocabSize(), 512 + 9);
    const auto ids = tok->encode("Once upon a time");
    const auto body = plain->encode("Once upon a time", false);
    QCOMPARE(ids.size(), body.size() + 2);
    QCOMPARE(ids[0], 513);  // [gMASK]
    QCOMPARE(ids[1], 515);  // sop
    QVERIFY(std::equal(body.begin(), body.end(), ids.begin() + 2));
    QVERIFY(!tok->addsBos());
    const auto turn = tok->encode("<|user|>Hi", false);
    QCOMPARE(turn.front(), 512 + 6);
    QCOMPARE(q(tok->tokenString(515)), QString("sop"));
    QCOMPARE(q(tok->decode(ids)), QString("Once upon a time"));
  }

  void storiesSettings() {
    QCOMPARE(q(stories_->kind()), QString("sentencepiece BPE"));
    QCOMPARE(stories_->bosId(), vocab_->id("<s>"));
    QCOMPARE(stories_->bosId(), 1);
    QCOMPARE(stories_->eosId(), 2);
    QCOMPARE(stories_->padId(), -1);
    QVERIFY(stories_->addsBos());
    QVERIFY(!stories_->addsEos());
    QVERIFY(!stories_->cleansUpTokenizationSpaces());  // tokenizer_config.json says false
    QCOMPARE(stories_->vocabSize(), 512);
    QCOMPARE(q(stories_->tokenString(vocab_->id("\xE2\x96\x81the"))), QString::fromUtf8("\xE2\x96\x81the"));
  }

  // Expected pieces follow from the vocabulary and merges: e.g. "▁Hello" is not a piece, "▁He",
  // "ll" and "o" are, and no merge joins them; characters outside the vocabulary fall back to bytes.
  void storiesKnownIds() {
    const StoriesVocab& v = *vocab_;
    QCOMPARE(stories_->encode("Hello"), v.ids({"\xE2\x96\x81He", "ll", "o"}));
    QCOMPARE(stories_->encode("Lily"), v.ids({"\xE2\x96\x81Lily"}));
    QCOMPARE(stories_->encode("The cat"), v.ids({"\xE2\x96\x81The", "\xE2\x96\x81" "c", "at"}));
    QCOMPARE(stories_->encode("Once upon a time"),
             v.ids({"\xE2\x96\x81Once", "\xE2\x96\x81upon", "\xE2\x96\x81" "a", "\xE2\x96\x81time"}));
    QCOMPARE(stories_->encode(" hello"), v.ids({"\xE2\x96\x81", "\xE2\x96\x81he", "ll", "o"}));
    QCOMPARE(stories_->encode("Hello, world!"),
             v.ids({"\xE2\x96\x81He", "ll", "o", ",", "\xE2\x96\x81w", "or", "ld", "!"}));
    QCOMPARE(stories_->encode("123"), v.ids({"\xE2\x96\x81", "1", "2", "3"}));
    QCOMPARE(stories_->encode("\xC3\xA9"), v.ids({"\xE2\x96\x81", "\xC3\xA9"}));
    // Byte fallback: 日 (E6 97 A5), 😀 (F0 9F 98 80), newline.
    QCOMPARE(stories_->encode("\xE6\x97\xA5"), v.ids({"\xE2\x96\x81", "<0xE6>", "<0x97>", "<0xA5>"}));
    QCOMPARE(stories_->encode("\xF0\x9F\x98\x80"), v.ids({"\xE2\x96\x81", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>"}));
    QCOMPARE(stories_->encode("\n"), v.ids({"\xE2\x96\x81", "<0x0A>"}));
    QCOMPARE(stories_->encode("\n", false), v.ids({"\xE2\x96\x81", "<0x0A>"}, false));
    QCOMPARE(stories_->encode(""), v.ids({}));
    QCOMPARE(stories_->encode("", false), std::vector<int>{});
    // Special-token text is split out first; the piece after it gets its own "▁" (legacy Llama).
    QCOMPARE(stories_->encode("<s>Hi"), v.ids({"<s>", "\xE2\x96\x81H", "i"}));
  }

  void storiesRoundTrip() {
    for (const std::string& text : sampleTexts()) {
      QCOMPARE(q(stories_->decode(stories_->encode(text, false))), q(text));
      QCOMPARE(q(stories_->decode(stories_->encode(text, true), true)), q(text));
    }
  }

  void storiesDecodeDetails() {
    const StoriesVocab& v = *vocab_;
    // Special tokens kept: Strip removes a leading space only, so "<s>" stays glued.
    QCOMPARE(q(stories_->decode(v.ids({"\xE2\x96\x81He", "ll", "o"}), false)), QString("<s> Hello"));
    QCOMPARE(q(stories_->decode(v.ids({"\xE2\x96\x81He", "ll", "o"}), true)), QString("Hello"));
    // An incomplete byte run decodes to one U+FFFD per byte (tokenizers' ByteFallback).
    QCOMPARE(q(stories_->decode(v.ids({"<0xE6>", "<0x97>"}, false))), QString::fromUtf8("\xEF\xBF\xBD\xEF\xBF\xBD"));
  }

  // The Mistral-era form of the same tokenizer: no normalizer, a Metaspace pre-tokenizer and
  // a Metaspace decoder (with ByteFallback). Metaspace adds "▁" only when the text does not start with a space, and "first" only
  // to the start of the input; otherwise the ids are those of the Prepend/Replace form.
  void metaspaceFormMatches_data() {
    QTest::addColumn<bool>("split");
    QTest::newRow("split") << true;
    QTest::newRow("no split") << false;
  }
  void metaspaceFormMatches() {
    QFETCH(bool, split);
    json doc = json::parse(qs::test::readFile(storiesDir() / "tokenizer.json"));
    doc["normalizer"] = nullptr;
    doc["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "first"},
                            {"split", split}};
    doc["decoder"] = {{"type", "Sequence"},
                      {"decoders", json::array({{{"type", "ByteFallback"}},
                                                {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"},
                                                 {"prepend_scheme", "first"}, {"split", split}},
                                                {{"type", "Fuse"}}})}};
    fs::path dir = qs::test::freshTempDir(split ? "spm_metaspace_split" : "spm_metaspace");
    writeFile(dir / "tokenizer.json", doc.dump());
    fs::copy_file(storiesDir() / "tokenizer_config.json", dir / "tokenizer_config.json");
    auto metaspace = qs::Tokenizer::load(dir);
    QCOMPARE(q(metaspace->kind()), QString("sentencepiece BPE"));
    for (const std::string& text : sampleTexts()) {
      if (!text.empty() && text[0] == ' ') continue;
      QVERIFY2(metaspace->encode(text) == stories_->encode(text), text.c_str());
      QCOMPARE(q(metaspace->decode(metaspace->encode(text))), q(text));
    }
    const StoriesVocab& v = *vocab_;
    QCOMPARE(metaspace->encode(" hello"), v.ids({"\xE2\x96\x81he", "ll", "o"}));
    // "first": the piece after a special token gets no "▁".
    QCOMPARE(metaspace->encode("Hi<s>Hi"), v.ids({"\xE2\x96\x81H", "i", "<s>", "H", "i"}));
  }

  void shimMatchesTokenizerJson() {
    auto spm = loadShimModel();
    if (!spm) QSKIP("stories260K-llama2c/tok512.bin not found");
    QCOMPARE(q(spm->kind()), QString("sentencepiece model"));
    QCOMPARE(spm->vocabSize(), 512);
    QCOMPARE(spm->bosId(), 1);
    QCOMPARE(spm->eosId(), 2);
    QVERIFY(spm->addsBos());
    // The llama2.c pieces are the tokenizer.json pieces.
    for (const auto& [piece, id] : vocab_->all()) QCOMPARE(q(spm->tokenString(id)), q(piece));
    for (const std::string& text : sampleTexts()) {
      auto reference = spm->encode(text, true);
      QVERIFY2(stories_->encode(text, true) == reference, text.c_str());
      QVERIFY2(stories_->encode(text, false) == spm->encode(text, false), text.c_str());
      QCOMPARE(q(spm->decode(reference)), q(text));
    }
  }

  void shimOnWikitext() {
    fs::path file = qs::test::sharedDir() / "data" / "wikitext2" / "tokenized_wikitext-2_pytorch-examples" / "test.txt";
    auto spm = loadShimModel();
    if (!spm || !fs::exists(file)) QSKIP("tok512.bin or WikiText-2 not found");
    std::string text = qs::test::readFile(file);
    // Line by line, as sentencepiece and Hugging Face both treat each call's text as one piece.
    size_t lines = 0;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(start, end - start);
      QVERIFY2(stories_->encode(line) == spm->encode(line), line.c_str());
      start = end + 1;
      ++lines;
    }
    QVERIFY(lines > 100);
  }

  void sentencePieceThroughput() {
    fs::path file = qs::test::sharedDir() / "data" / "wikitext2" / "tokenized_wikitext-2_pytorch-examples" / "test.txt";
    if (!fs::exists(file)) QSKIP("WikiText-2 test split not found");
    std::string text = qs::test::readFile(file);
    auto start = std::chrono::steady_clock::now();
    auto ids = stories_->encode(text, false);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // "<unk>" in this text is a special token, so the text does not round-trip exactly.
    QVERIFY(ids.size() > text.size() / 6);
    qInfo("stories260K sentencepiece BPE (tokenizer.json): WikiText-2 test (%.2f MB) -> %zu tokens in %.3f s = "
          "%.1f MB/s (budget: a few seconds)",
          text.size() / 1e6, ids.size(), seconds, text.size() / 1e6 / seconds);
  }

  void shimCandidates() {
    const char* previous = std::getenv("QS_SENTENCEPIECE_SHIM");
    std::string saved = previous ? previous : "";
    unsetenv("QS_SENTENCEPIECE_SHIM");
    auto searched = qs::SentencePieceTokenizer::shimCandidates();
    setenv("QS_SENTENCEPIECE_SHIM", "/nonexistent/libshim.so", 1);
    auto explicitOnly = qs::SentencePieceTokenizer::shimCandidates();
    if (previous) setenv("QS_SENTENCEPIECE_SHIM", saved.c_str(), 1);
    else unsetenv("QS_SENTENCEPIECE_SHIM");
    QCOMPARE(searched.size(), size_t{3});
    QVERIFY(searched[0].filename() == "libqs_sentencepiece_shim.so");
    QVERIFY(searched[1].parent_path().filename() == "quantscope");
    QVERIFY(fs::exists(searched[2]));  // the build tree's copy
    QCOMPARE(explicitOnly.size(), size_t{1});
    QCOMPARE(q(explicitOnly[0].string()), QString("/nonexistent/libshim.so"));
  }

  // In a fresh process whose only candidate is missing, loading names the file and the shim.
  void missingShimIsReported() {
    if (!fs::exists(tok512File())) QSKIP("stories260K-llama2c/tok512.bin not found");
    fs::path cliPath = qs::test::binaryDir() / "app" / "quantscope-cli";
    if (!fs::exists(cliPath)) QSKIP("quantscope-cli is not built");
    fs::path dir = qs::test::freshTempDir("spm_no_shim");
    writeFile(dir / "tokenizer.model", llamaModelProto(readLlama2cTokenizer(tok512File())));
    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QS_SENTENCEPIECE_SHIM", "/nonexistent/libqs_sentencepiece_shim.so");
    cli.setProcessEnvironment(env);
    cli.start(QString::fromStdString(cliPath.string()),
              {"tokenize", QString::fromStdString(dir.string()), "--text", "hello"});
    QVERIFY(cli.waitForFinished(60000));
    QString err = QString::fromUtf8(cli.readAllStandardError());
    QCOMPARE(cli.exitCode(), 3);
    QVERIFY2(err.contains(QString::fromStdString((dir / "tokenizer.model").string())), qPrintable(err));
    QVERIFY2(err.contains("sentencepiece shim could not be loaded"), qPrintable(err));
    QVERIFY2(err.contains("/nonexistent/libqs_sentencepiece_shim.so"), qPrintable(err));
  }

  void invalidModelNamesTheFile() {
    fs::path dir = qs::test::freshTempDir("spm_invalid");
    writeFile(dir / "tokenizer.model", "this is not a protobuf");
    std::string message = errorOf([&] { qs::Tokenizer::load(dir); });
    QVERIFY2(message.find((dir / "tokenizer.model").string()) != std::string::npos, message.c_str());
  }
};

QTEST_GUILESS_MAIN(TestSentencePieceTokenizer)
#include "test_sentencepiece_tokenizer.moc"
