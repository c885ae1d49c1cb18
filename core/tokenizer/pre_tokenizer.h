#pragma once
// The pre-tokenizer stage of a Hugging Face tokenizer.json: splits normalised text into the words
// BPE runs on (ByteLevel, Split, Metaspace, Digits, Punctuation, Whitespace, WhitespaceSplit,
// BertPreTokenizer, CharDelimiterSplit, Sequence), with tokenizers' split behaviours.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace qs {

struct PreToken {
  std::string text;
  bool atStart = false;  // begins at offset 0 of the original input (Metaspace "first")
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Refines the pieces in place.
  virtual void apply(std::vector<PreToken>& pieces) const = 0;
  // True when this stage maps bytes to GPT-2's byte-level characters.
  virtual bool isByteLevel() const { return false; }

  // nullptr for a JSON null; `where` names the file for errors.
  static std::unique_ptr<PreTokenizer> fromJson(const nlohmann::json& spec, const std::string& where);
  // GPT-2's: the GPT-2 regex, then the byte-level map.
  static std::unique_ptr<PreTokenizer> gpt2ByteLevel();
};

}  // namespace qs
