#include "core/tokenizer/tokenizer.h"

#include "core/tokenizer/bpe_tokenizer.h"
#include "core/base/error.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/tokenizer_settings.h"

namespace qs {

namespace fs = std::filesystem;

std::string Tokenizer::cleanUpTokenizationSpaces(std::string_view text) {
  std::string out(text);
  // The replacements run one after another over the whole text, in transformers' order.
  static const std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) {
    std::string next;
    size_t last = 0;
    for (size_t pos = out.find(from); pos != std::string::npos; pos = out.find(from, last)) {
      next.append(out, last, pos - last);
      next += to;
      last = pos + from.size();
    }
    next.append(out, last, std::string::npos);
    out = std::move(next);
  }
  return out;
}

namespace {

std::unique_ptr<Tokenizer> loadFiles(const fs::path& dir, const TokenizerSettings& settings) {
  if (fs::exists(dir / "tokenizer.json")) return BpeTokenizer::fromTokenizerJson(dir / "tokenizer.json", settings);
  bool hasVocab = fs::exists(dir / "vocab.json");
  bool hasMerges = fs::exists(dir / "merges.txt");
  if (hasVocab && hasMerges) return BpeTokenizer::fromVocabAndMerges(dir / "vocab.json", dir / "merges.txt", settings);
  if (fs::exists(dir / "tokenizer.model")) return SentencePieceTokenizer::load(dir / "tokenizer.model", settings);
  if (hasVocab) throw Error((dir / "vocab.json").string() + ": there is no merges.txt beside it");
  if (hasMerges) throw Error((dir / "merges.txt").string() + ": there is no vocab.json beside it");
  throw Error(dir.string() + ": no tokenizer files (tokenizer.json, vocab.json + merges.txt, or tokenizer.model)");
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::load(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(dir.string() + ": not a folder, so no tokenizer can be loaded from it");
  TokenizerSettings settings = TokenizerSettings::read(dir);
  std::unique_ptr<Tokenizer> tokenizer = loadFiles(dir, settings);
  tokenizer->cleanUpSpaces_ = settings.cleanUpTokenizationSpaces.value_or(!settings.rebuildsTemplateFromFlags());
  return tokenizer;
}

}  // namespace qs
