#pragma once
// The normalizer stage of a Hugging Face tokenizer.json (Sequence, Prepend, Replace, Strip,
// NFC/NFD/NFKC/NFKD, Lowercase), applied to each piece of text between added tokens.
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace qs {

class TextNormalizer {
 public:
  virtual ~TextNormalizer() = default;
  virtual std::string normalize(std::string_view text) const = 0;

  // nullptr for a JSON null. `where` names the file for errors (unsupported type, bad field).
  static std::unique_ptr<TextNormalizer> fromJson(const nlohmann::json& spec, const std::string& where);
};

}  // namespace qs
