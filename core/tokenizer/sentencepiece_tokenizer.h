#pragma once
// A tokenizer.model run by libsentencepiece, reached through the dlopen'ed shim module (see
// core/tokenizer/sentencepiece_shim/sentencepiece_shim.h for why it is not linked).
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/tokenizer/added_tokens.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/tokenizer_settings.h"

namespace qs {

class SentencePieceShim;

class SentencePieceTokenizer : public Tokenizer {
 public:
  // Throws qs::Error naming the file when the shim cannot be loaded or the model is invalid.
  static std::unique_ptr<SentencePieceTokenizer> load(const std::filesystem::path& modelFile,
                                                      const TokenizerSettings& settings);
  ~SentencePieceTokenizer() override;

  std::vector<int> encode(std::string_view text, bool addSpecialTokens = true) const override;
  std::string decode(const std::vector<int>& ids, bool skipSpecialTokens = true) const override;
  std::string tokenString(int id) const override;
  int vocabSize() const override;
  std::string kind() const override { return "sentencepiece model"; }

  // Where the shim is looked for: $QS_SENTENCEPIECE_SHIM alone when set; else beside the
  // executable, in ../lib/quantscope from it, and in the build tree, in that order.
  static std::vector<std::filesystem::path> shimCandidates();

 private:
  SentencePieceTokenizer() = default;
  int pieceId(const std::string& piece) const;  // -1 when absent
  void registerAddedTokens(const TokenizerSettings& settings);
  void resolveSpecialTokens(const TokenizerSettings& settings);
  // ChatGLM2/3's tokenizer (tokenizer_class ChatGLMTokenizer): its command tokens take the ids
  // after the sentencepiece vocabulary, and a prompt starts with [gMASK] sop instead of BOS.
  void addChatGlmCommands();
  void encodePlain(std::string_view text, std::vector<int>& ids) const;
  std::string decodePlain(const std::vector<int>& ids) const;

  std::shared_ptr<const SentencePieceShim> shim_;
  void* model_ = nullptr;
  std::filesystem::path file_;
  AddedTokenMatcher added_;
  std::vector<AddedToken> addedTokens_;  // what added_ matches
  std::vector<int> prefix_;             // prepended with the special tokens (ChatGLM: [gMASK] sop)
  int commandTokens_ = 0;               // ids past the sentencepiece vocabulary
  std::unordered_map<int, std::string> addedById_;
  std::unordered_set<int> specialIds_;
};

}  // namespace qs
