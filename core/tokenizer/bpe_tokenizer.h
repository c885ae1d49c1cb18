#pragma once
// A BPE tokenizer as Hugging Face runs it: added tokens split out first, then normaliser,
// pre-tokenizer, the BPE model and, for decoding, the decoder chain. Built from a tokenizer.json
// (byte-level or SentencePiece-style BPE) or from GPT-2's vocab.json + merges.txt.
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/tokenizer/added_tokens.h"
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/post_processor.h"
#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/text_normalizer.h"
#include "core/tokenizer/token_decoder.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/tokenizer_settings.h"

namespace qs {

class BpeTokenizer : public Tokenizer {
 public:
  // Throws qs::Error naming the file: malformed JSON, a model.type other than BPE, missing
  // merges, an unsupported normalizer / pre_tokenizer / decoder / post_processor.
  static std::unique_ptr<BpeTokenizer> fromTokenizerJson(const std::filesystem::path& file,
                                                         const TokenizerSettings& settings);
  // GPT-2's slow tokenizer files (OPT ships only these).
  static std::unique_ptr<BpeTokenizer> fromVocabAndMerges(const std::filesystem::path& vocabJson,
                                                          const std::filesystem::path& mergesTxt,
                                                          const TokenizerSettings& settings);

  std::vector<int> encode(std::string_view text, bool addSpecialTokens = true) const override;
  std::string decode(const std::vector<int>& ids, bool skipSpecialTokens = true) const override;
  std::string tokenString(int id) const override;
  int vocabSize() const override;
  std::string kind() const override { return kind_; }
  bool isSpecialToken(int id) const { return specialIds_.count(id) > 0; }

 private:
  BpeTokenizer() = default;
  static std::unique_ptr<BpeTokenizer> buildFromTokenizerJson(const std::filesystem::path& file,
                                                              const TokenizerSettings& settings);
  // Registers added tokens (first content wins), the matchers, and the special-id set.
  void setAddedTokens(std::vector<AddedToken> tokens);
  int idOf(const std::string& token) const;  // added token or vocabulary, -1 when absent
  // Fills bos_/eos_/pad_ and the BOS/EOS frame from the settings and the file's template.
  void resolveSpecialTokens(const TokenizerSettings& settings, bool fromTokenizerJson,
                            const SpecialTokenFrame* fileTemplate, const std::string& configPath);
  void encodeText(std::string_view text, bool atStart, std::vector<int>& ids) const;

  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<TextNormalizer> normalizer_;
  std::unique_ptr<PreTokenizer> preTokenizer_;
  std::unique_ptr<TokenDecoder> decoder_;
  AddedTokenMatcher rawAdded_;         // matched on the input as given
  AddedTokenMatcher normalizedAdded_;  // matched after normalisation
  std::unordered_map<int, std::string> addedById_;
  TokenIdMap addedByContent_;
  std::unordered_set<int> specialIds_;
  SpecialTokenFrame frame_;
  std::string kind_;
  bool prefixSpace_ = false;  // GPT-2 slow add_prefix_space: one space before the whole text
};

}  // namespace qs
