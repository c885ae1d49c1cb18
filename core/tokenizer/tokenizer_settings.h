#pragma once
// What a Hugging Face folder says about special tokens, outside the vocabulary files:
// tokenizer_config.json, special_tokens_map.json, added_tokens.json and config.json.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/tokenizer/added_tokens.h"

namespace qs {

struct TokenizerSettings {
  // Token strings (ids are looked up in the vocabulary later); tokenizer_config.json wins over
  // special_tokens_map.json.
  std::optional<AddedToken> bos, eos, pad, unk;
  std::vector<AddedToken> additionalSpecial;
  std::optional<bool> addBosToken, addEosToken, addPrefixSpace, cleanUpTokenizationSpaces;
  // config.json's ids, the fallback when the tokenizer files name no token.
  std::optional<int> bosTokenId, eosTokenId, padTokenId;
  // tokenizer_config.json added_tokens_decoder and added_tokens.json, with their ids.
  std::vector<AddedToken> addedTokens;
  std::string tokenizerClass;

  // Reads whichever of the files exist in dir; throws qs::Error naming a malformed one.
  static TokenizerSettings read(const std::filesystem::path& dir);
  // The special tokens by string (bos, eos, pad, unk, additional), ids unresolved.
  std::vector<AddedToken> specialTokens() const;
  // True for tokenizer classes whose fast version rebuilds the BOS/EOS template from
  // add_bos_token / add_eos_token (LlamaTokenizerFast and its relatives).
  bool rebuildsTemplateFromFlags() const;
};

// Parses a JSON file; throws qs::Error naming the file when it cannot be read or parsed.
nlohmann::json readJsonFile(const std::filesystem::path& path);

}  // namespace qs
