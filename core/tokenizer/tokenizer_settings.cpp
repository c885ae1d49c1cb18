#include "core/tokenizer/tokenizer_settings.h"
#include "core/base/json_text.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/base/error.h"

namespace qs {

using nlohmann::json;
namespace fs = std::filesystem;

json readJsonFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return parseJson(text.str(), path.string());
}

namespace {

json readObject(const fs::path& path) {
  json doc = readJsonFile(path);
  if (!doc.is_object()) throw Error(path.string() + ": expected a JSON object");
  return doc;
}

// A special token given as a string or as an AddedToken object ({"content": ..., "lstrip": ...}).
std::optional<AddedToken> tokenFromJson(const json& value, const std::string& where) {
  if (value.is_null()) return std::nullopt;
  AddedToken token;
  token.special = true;
  if (value.is_string()) {
    token.content = value.get<std::string>();
  } else if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    token.content = value["content"].get<std::string>();
    token.lstrip = value.value("lstrip", false);
    token.rstrip = value.value("rstrip", false);
    token.singleWord = value.value("single_word", false);
    token.normalized = value.value("normalized", false);
    token.special = value.value("special", true);
  } else {
    throw Error(where + ": a special token must be a string or an object with a string \"content\"");
  }
  return token;
}

void readSpecialTokens(const json& doc, const std::string& where, TokenizerSettings& settings) {
  auto fill = [&](const char* key, std::optional<AddedToken>& slot) {
    if (slot || !doc.contains(key)) return;
    slot = tokenFromJson(doc[key], where + " \"" + key + "\"");
  };
  fill("bos_token", settings.bos);
  fill("eos_token", settings.eos);
  fill("pad_token", settings.pad);
  fill("unk_token", settings.unk);
  if (settings.additionalSpecial.empty() && doc.contains("additional_special_tokens")) {
    const json& list = doc["additional_special_tokens"];
    if (!list.is_array()) throw Error(where + ": \"additional_special_tokens\" must be an array");
    for (const json& item : list)
      if (auto token = tokenFromJson(item, where + " \"additional_special_tokens\""))
        settings.additionalSpecial.push_back(*token);
  }
}

std::optional<bool> optionalBool(const json& doc, const char* key, const std::string& where) {
  if (!doc.contains(key) || doc[key].is_null()) return std::nullopt;
  if (!doc[key].is_boolean()) throw Error(where + ": \"" + key + "\" must be true or false");
  return doc[key].get<bool>();
}

// config.json ids: an integer, a list (the first is taken) or null.
std::optional<int> optionalId(const json& doc, const char* key, const std::string& where) {
  if (!doc.contains(key) || doc[key].is_null()) return std::nullopt;
  const json& value = doc[key];
  if (value.is_number_integer()) return value.get<int>();
  if (value.is_array() && !value.empty() && value[0].is_number_integer()) return value[0].get<int>();
  throw Error(where + ": \"" + key + "\" must be an integer id");
}

void readTokenizerConfig(const fs::path& path, TokenizerSettings& settings) {
  json doc = readObject(path);
  std::string where = path.string();
  readSpecialTokens(doc, where, settings);
  settings.addBosToken = optionalBool(doc, "add_bos_token", where);
  settings.addEosToken = optionalBool(doc, "add_eos_token", where);
  settings.addPrefixSpace = optionalBool(doc, "add_prefix_space", where);
  settings.cleanUpTokenizationSpaces = optionalBool(doc, "clean_up_tokenization_spaces", where);
  if (doc.contains("tokenizer_class") && doc["tokenizer_class"].is_string())
    settings.tokenizerClass = doc["tokenizer_class"].get<std::string>();
  if (doc.contains("added_tokens_decoder")) {
    const json& decoder = doc["added_tokens_decoder"];
    if (!decoder.is_object()) throw Error(where + ": \"added_tokens_decoder\" must be an object");
    for (const auto& [key, value] : decoder.items()) {
      auto token = tokenFromJson(value, where + " added_tokens_decoder[" + key + "]");
      if (!token) continue;
      try {
        token->id = std::stoi(key);
      } catch (const std::exception&) {
        throw Error(where + ": added_tokens_decoder key '" + key + "' is not an integer id");
      }
      settings.addedTokens.push_back(*token);
    }
  }
}

void readAddedTokensJson(const fs::path& path, TokenizerSettings& settings) {
  json doc = readJsonFile(path);
  if (!doc.is_object()) throw Error(path.string() + ": expected an object of token -> id");
  for (const auto& [content, id] : doc.items()) {
    if (!id.is_number_integer()) throw Error(path.string() + ": the id of '" + content + "' is not an integer");
    AddedToken token;
    token.content = content;
    token.id = id.get<int>();
    settings.addedTokens.push_back(token);
  }
}

// Runs one file's reader, turning a field of the wrong JSON type into an error naming the file.
template <typename Reader>
void readFile(const fs::path& path, Reader&& reader) {
  if (!fs::exists(path)) return;
  try {
    reader(path);
  } catch (const json::exception& e) {
    throw Error(path.string() + ": " + e.what());
  }
}

}  // namespace

TokenizerSettings TokenizerSettings::read(const fs::path& dir) {
  TokenizerSettings settings;
  readFile(dir / "tokenizer_config.json", [&](const fs::path& path) { readTokenizerConfig(path, settings); });
  readFile(dir / "special_tokens_map.json",
           [&](const fs::path& path) { readSpecialTokens(readObject(path), path.string(), settings); });
  readFile(dir / "added_tokens.json", [&](const fs::path& path) { readAddedTokensJson(path, settings); });
  readFile(dir / "config.json", [&](const fs::path& path) {
    json doc = readObject(path);
    settings.bosTokenId = optionalId(doc, "bos_token_id", path.string());
    settings.eosTokenId = optionalId(doc, "eos_token_id", path.string());
    settings.padTokenId = optionalId(doc, "pad_token_id", path.string());
  });
  return settings;
}

std::vector<AddedToken> TokenizerSettings::specialTokens() const {
  std::vector<AddedToken> tokens;
  for (const auto* slot : {&bos, &eos, &pad, &unk})
    if (*slot) tokens.push_back(**slot);
  tokens.insert(tokens.end(), additionalSpecial.begin(), additionalSpecial.end());
  return tokens;
}

bool TokenizerSettings::rebuildsTemplateFromFlags() const {
  for (const char* family : {"Llama", "Gemma", "Cohere"})
    if (tokenizerClass.find(family) != std::string::npos) return true;
  return false;
}

}  // namespace qs
