#pragma once
// The decoder stage of a Hugging Face tokenizer.json: turns token strings back into text
// (ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, BPEDecoder, Sequence).
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace qs {

class TokenDecoder {
 public:
  virtual ~TokenDecoder() = default;
  // tokenizers' decode_chain: rewrites the list of token strings.
  virtual void apply(std::vector<std::string>& tokens) const = 0;

  // nullptr for a JSON null; `where` names the file for errors.
  static std::unique_ptr<TokenDecoder> fromJson(const nlohmann::json& spec, const std::string& where);
  // Byte-level characters back to bytes; invalid UTF-8 becomes U+FFFD.
  static std::unique_ptr<TokenDecoder> byteLevel();
};

// Runs the decoder (or joins with spaces without one, as tokenizers does) and concatenates.
std::string decodeTokens(const TokenDecoder* decoder, std::vector<std::string> tokens);

}  // namespace qs
