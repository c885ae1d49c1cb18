#pragma once
// Tokenizers that reproduce the Hugging Face reference implementations exactly.
// encode/decode are const and safe to call from several threads at once.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

class Tokenizer {
 public:
  // Loads, in this order of preference: tokenizer.json (byte-level BPE or SentencePiece-style BPE
  // with byte fallback), vocab.json + merges.txt (GPT-2 style), tokenizer.model (libsentencepiece).
  // BOS/EOS/PAD and add_bos_token / add_eos_token come from tokenizer_config.json,
  // special_tokens_map.json and config.json. Throws qs::Error naming the file and the problem.
  static std::unique_ptr<Tokenizer> load(const std::filesystem::path& dir);
  virtual ~Tokenizer() = default;

  // addSpecialTokens: prepend BOS (and append EOS) as the tokenizer's configuration says.
  // Added/special token text inside `text` maps to its id, as Hugging Face does. Invalid UTF-8
  // in `text` is read as U+FFFD.
  virtual std::vector<int> encode(std::string_view text, bool addSpecialTokens = true) const = 0;
  // skipSpecialTokens drops BOS/EOS/PAD and other special tokens. Incomplete UTF-8 becomes U+FFFD;
  // ids with no token (padding rows of an embedding) are dropped.
  virtual std::string decode(const std::vector<int>& ids, bool skipSpecialTokens = true) const = 0;
  // The vocabulary string of one token (as stored, e.g. "Ġthe" or "▁the").
  virtual std::string tokenString(int id) const = 0;
  virtual int vocabSize() const = 0;

  int bosId() const { return bos_; }
  int eosId() const { return eos_; }
  int padId() const { return pad_; }
  bool addsBos() const { return addBos_; }
  bool addsEos() const { return addEos_; }
  // "byte-level BPE", "sentencepiece BPE", "sentencepiece model" (or "BPE" for other BPE files)
  virtual std::string kind() const = 0;

  // transformers' clean_up_tokenization_spaces setting (tokenizer_config.json; default true, false
  // for Llama-style classes). decode() never applies it: callers that want transformers' default
  // decode text pass it through cleanUpTokenizationSpaces() when this is true.
  bool cleansUpTokenizationSpaces() const { return cleanUpSpaces_; }
  // transformers' clean_up_tokenization: " ." -> ".", " n't" -> "n't", " 's" -> "'s", ...
  static std::string cleanUpTokenizationSpaces(std::string_view text);

 protected:
  int bos_ = -1;
  int eos_ = -1;
  int pad_ = -1;
  bool addBos_ = false;
  bool addEos_ = false;
  bool cleanUpSpaces_ = false;
};

}  // namespace qs
