#include "core/tokenizer/bpe_tokenizer.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/tokenizer/utf8.h"

namespace qs {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using MergeList = std::vector<std::pair<std::string, std::string>>;

TokenIdMap vocabFromJson(const json& vocab, const std::string& where) {
  if (!vocab.is_object()) throw Error(where + ": the vocabulary must be an object of token -> id");
  TokenIdMap map;
  map.reserve(vocab.size());
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer()) throw Error(where + ": the id of token '" + token + "' is not an integer");
    map.emplace(token, id.get<int>());
  }
  return map;
}

std::pair<std::string, std::string> splitMergeLine(const std::string& line, const std::string& where) {
  size_t space = line.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 >= line.size() ||
      line.find(' ', space + 1) != std::string::npos)
    throw Error(where + ": '" + line + "' is not two tokens separated by one space");
  return {line.substr(0, space), line.substr(space + 1)};
}

// "a b" strings (older files) or ["a", "b"] pairs (tokenizers >= 0.20).
MergeList mergesFromJson(const json& merges, const std::string& where) {
  if (!merges.is_array()) throw Error(where + ": model.merges must be an array");
  MergeList list;
  list.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const json& item = merges[i];
    std::string at = where + ": model.merges[" + std::to_string(i) + "]";
    if (item.is_string()) {
      list.push_back(splitMergeLine(item.get<std::string>(), at));
    } else if (item.is_array() && item.size() == 2 && item[0].is_string() && item[1].is_string()) {
      list.emplace_back(item[0].get<std::string>(), item[1].get<std::string>());
    } else {
      throw Error(at + " is neither \"a b\" nor [\"a\", \"b\"]");
    }
  }
  return list;
}

MergeList readMergesTxt(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot be read");
  MergeList list;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (number == 1 && line.rfind("#version", 0) == 0)) continue;
    list.push_back(splitMergeLine(line, path.string() + " line " + std::to_string(number)));
  }
  return list;
}

std::string optionalString(const json& spec, const char* key, const std::string& where) {
  if (!spec.contains(key) || spec[key].is_null()) return {};
  if (!spec[key].is_string()) throw Error(where + ": \"" + key + "\" must be a string or null");
  return spec[key].get<std::string>();
}

BpeModel::Options bpeOptions(const json& model, const std::string& where) {
  BpeModel::Options options;
  options.unkToken = optionalString(model, "unk_token", where + ": model");
  options.fuseUnk = model.value("fuse_unk", false);
  options.byteFallback = model.value("byte_fallback", false);
  options.continuingSubwordPrefix = optionalString(model, "continuing_subword_prefix", where + ": model");
  options.endOfWordSuffix = optionalString(model, "end_of_word_suffix", where + ": model");
  options.ignoreMerges = model.value("ignore_merges", false);
  return options;
}

std::vector<AddedToken> addedTokensFromJson(const json& list, const std::string& where) {
  std::vector<AddedToken> tokens;
  if (list.is_null()) return tokens;
  if (!list.is_array()) throw Error(where + ": added_tokens must be an array");
  for (const json& item : list) {
    if (!item.is_object() || !item.contains("id") || !item["id"].is_number_integer() || !item.contains("content") ||
        !item["content"].is_string())
      throw Error(where + ": every entry of added_tokens needs an integer \"id\" and a string \"content\"");
    AddedToken token;
    token.id = item["id"].get<int>();
    token.content = item["content"].get<std::string>();
    token.special = item.value("special", false);
    token.lstrip = item.value("lstrip", false);
    token.rstrip = item.value("rstrip", false);
    token.singleWord = item.value("single_word", false);
    token.normalized = item.value("normalized", !token.special);
    tokens.push_back(token);
  }
  return tokens;
}

// Where add_bos_token / add_eos_token come from, for the error when they cannot be honoured.
std::string configFile(const fs::path& tokenizerFile) {
  return (tokenizerFile.parent_path() / "tokenizer_config.json").string();
}

}  // namespace

// ---- construction -------------------------------------------------------------------------

std::unique_ptr<BpeTokenizer> BpeTokenizer::fromTokenizerJson(const fs::path& file, const TokenizerSettings& settings) {
  try {
    return buildFromTokenizerJson(file, settings);
  } catch (const json::exception& e) {
    // A field of the wrong JSON type somewhere in the stages.
    throw Error(file.string() + ": " + e.what());
  }
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::buildFromTokenizerJson(const fs::path& file,
                                                                   const TokenizerSettings& settings) {
  json doc = readJsonFile(file);
  std::string where = file.string();
  if (!doc.is_object()) throw Error(where + ": expected a JSON object");
  if (!doc.contains("model") || !doc["model"].is_object()) throw Error(where + ": there is no \"model\" object");
  const json& model = doc["model"];
  std::string type = model.value("type", std::string(model.contains("merges") ? "BPE" : ""));
  if (type != "BPE")
    throw Error(where + ": model.type '" + type + "' is not supported (only BPE tokenizers are: byte-level or "
                "SentencePiece-style)");
  if (!model.contains("vocab")) throw Error(where + ": model.vocab is missing");
  if (!model.contains("merges")) throw Error(where + ": model.merges is missing");

  auto tokenizer = std::unique_ptr<BpeTokenizer>(new BpeTokenizer());
  tokenizer->model_ = std::make_unique<BpeModel>(vocabFromJson(model["vocab"], where + ": model.vocab"),
                                                 mergesFromJson(model["merges"], where), bpeOptions(model, where),
                                                 where);
  tokenizer->normalizer_ = TextNormalizer::fromJson(doc.value("normalizer", json()), where);
  tokenizer->preTokenizer_ = PreTokenizer::fromJson(doc.value("pre_tokenizer", json()), where);
  tokenizer->decoder_ = TokenDecoder::fromJson(doc.value("decoder", json()), where);

  std::vector<AddedToken> added = addedTokensFromJson(doc.value("added_tokens", json()), where);
  added.insert(added.end(), settings.addedTokens.begin(), settings.addedTokens.end());
  tokenizer->setAddedTokens(std::move(added));

  auto frame = specialFrameFromJson(doc.value("post_processor", json()), where);
  tokenizer->resolveSpecialTokens(settings, true, frame ? &*frame : nullptr, configFile(file));

  bool byteLevel = tokenizer->preTokenizer_ && tokenizer->preTokenizer_->isByteLevel();
  bool sentencePiece = model.value("byte_fallback", false);
  for (const char* stage : {"normalizer", "pre_tokenizer", "decoder"}) {
    std::string text = doc.value(stage, json()).dump();
    byteLevel = byteLevel || text.find("\"ByteLevel\"") != std::string::npos;
    sentencePiece = sentencePiece || text.find("\xE2\x96\x81") != std::string::npos;  // "▁"
  }
  tokenizer->kind_ = byteLevel ? "byte-level BPE" : sentencePiece ? "sentencepiece BPE" : "BPE";
  return tokenizer;
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::fromVocabAndMerges(const fs::path& vocabJson, const fs::path& mergesTxt,
                                                               const TokenizerSettings& settings) {
  auto tokenizer = std::unique_ptr<BpeTokenizer>(new BpeTokenizer());
  BpeModel::Options options;
  if (settings.unk) options.unkToken = settings.unk->content;
  tokenizer->model_ = std::make_unique<BpeModel>(vocabFromJson(readJsonFile(vocabJson), vocabJson.string()),
                                                 readMergesTxt(mergesTxt), options, mergesTxt.string());
  tokenizer->preTokenizer_ = PreTokenizer::gpt2ByteLevel();
  tokenizer->decoder_ = TokenDecoder::byteLevel();
  tokenizer->prefixSpace_ = settings.addPrefixSpace.value_or(false);
  // The slow tokenizers match every added and special token on the raw text.
  std::vector<AddedToken> added = settings.addedTokens;
  for (AddedToken token : settings.specialTokens()) {
    token.id = tokenizer->model_->tokenId(token.content);
    if (token.id >= 0) added.push_back(token);
  }
  for (AddedToken& token : added) token.normalized = false;
  tokenizer->setAddedTokens(std::move(added));
  tokenizer->resolveSpecialTokens(settings, false, nullptr, configFile(vocabJson));
  tokenizer->kind_ = "byte-level BPE";
  return tokenizer;
}

void BpeTokenizer::setAddedTokens(std::vector<AddedToken> tokens) {
  std::vector<AddedToken> raw;
  std::vector<AddedToken> normalized;
  for (AddedToken& token : tokens) {
    if (token.id < 0 || token.content.empty() || addedByContent_.count(token.content)) continue;
    addedByContent_.emplace(token.content, token.id);
    addedById_.emplace(token.id, token.content);
    if (token.special) specialIds_.insert(token.id);
    if (token.normalized && normalizer_) {
      // tokenizers matches these on normalised text, so it normalises their content too.
      token.content = normalizer_->normalize(token.content);
      normalized.push_back(token);
    } else {
      raw.push_back(token);
    }
  }
  rawAdded_ = AddedTokenMatcher(std::move(raw));
  normalizedAdded_ = AddedTokenMatcher(std::move(normalized));
}

int BpeTokenizer::idOf(const std::string& token) const {
  if (auto it = addedByContent_.find(token); it != addedByContent_.end()) return it->second;
  return model_->tokenId(token);
}

void BpeTokenizer::resolveSpecialTokens(const TokenizerSettings& settings, bool fromTokenizerJson,
                                        const SpecialTokenFrame* fileTemplate, const std::string& configPath) {
  auto resolve = [&](const std::optional<AddedToken>& token, std::optional<int> fallback) {
    int id = token ? idOf(token->content) : -1;
    return id >= 0 ? id : fallback.value_or(-1);
  };
  bos_ = resolve(settings.bos, settings.bosTokenId);
  eos_ = resolve(settings.eos, settings.eosTokenId);
  pad_ = resolve(settings.pad, settings.padTokenId);
  for (const AddedToken& token : settings.specialTokens())
    if (int id = idOf(token.content); id >= 0) specialIds_.insert(id);

  // Fast tokenizers add what the tokenizer.json template says, except the Llama-style ones, which
  // rebuild it from add_bos_token (default true) / add_eos_token; slow ones (vocab.json) use the
  // flags, default false.
  if (fromTokenizerJson && !settings.rebuildsTemplateFromFlags()) {
    frame_ = fileTemplate ? *fileTemplate : SpecialTokenFrame{};
    if (bos_ < 0 && !frame_.prefix.empty()) bos_ = frame_.prefix.front();
    if (eos_ < 0 && !frame_.suffix.empty()) eos_ = frame_.suffix.back();
  } else {
    bool addBos = settings.addBosToken.value_or(fromTokenizerJson);
    bool addEos = settings.addEosToken.value_or(false);
    if (addBos && bos_ < 0) throw Error(configPath + ": add_bos_token is set but no BOS token is known");
    if (addEos && eos_ < 0) throw Error(configPath + ": add_eos_token is set but no EOS token is known");
    frame_ = {};
    if (addBos) frame_.prefix.push_back(bos_);
    if (addEos) frame_.suffix.push_back(eos_);
  }
  for (int id : frame_.prefix) specialIds_.insert(id);
  for (int id : frame_.suffix) specialIds_.insert(id);
  addBos_ = !frame_.prefix.empty();
  addEos_ = !frame_.suffix.empty();
}

// ---- encoding and decoding ----------------------------------------------------------------

void BpeTokenizer::encodeText(std::string_view text, bool atStart, std::vector<int>& ids) const {
  std::string normalized = normalizer_ ? normalizer_->normalize(text) : std::string(text);
  for (const TextSegment& piece : normalizedAdded_.split(normalized)) {
    if (piece.id >= 0) {
      ids.push_back(piece.id);
      continue;
    }
    std::vector<PreToken> words{{std::string(piece.text), atStart && piece.begin == 0}};
    if (preTokenizer_) preTokenizer_->apply(words);
    for (const PreToken& word : words) model_->tokenize(word.text, ids);
  }
}

std::vector<int> BpeTokenizer::encode(std::string_view text, bool addSpecialTokens) const {
  // Python strings are always valid Unicode; invalid bytes here become U+FFFD as a decode would.
  std::string input = utf8::lossy(text);
  if (prefixSpace_) input.insert(0, " ");
  std::vector<int> ids;
  ids.reserve(input.size() / 3 + 4);
  if (addSpecialTokens) ids = frame_.prefix;
  for (const TextSegment& piece : rawAdded_.split(input)) {
    if (piece.id >= 0) ids.push_back(piece.id);
    else encodeText(piece.text, piece.begin == 0, ids);
  }
  if (addSpecialTokens) ids.insert(ids.end(), frame_.suffix.begin(), frame_.suffix.end());
  return ids;
}

std::string BpeTokenizer::decode(const std::vector<int>& ids, bool skipSpecialTokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int id : ids) {
    if (skipSpecialTokens && specialIds_.count(id)) continue;
    if (auto it = addedById_.find(id); it != addedById_.end()) {
      tokens.push_back(it->second);
    } else if (const std::string* token = model_->tokenString(id)) {
      tokens.push_back(*token);
    }
    // Ids with no token (padding rows of an embedding) are dropped, as tokenizers does.
  }
  return decodeTokens(decoder_.get(), std::move(tokens));
}

std::string BpeTokenizer::tokenString(int id) const {
  if (auto it = addedById_.find(id); it != addedById_.end()) return it->second;
  if (const std::string* token = model_->tokenString(id)) return *token;
  throw Error("token id " + std::to_string(id) + " is not in the vocabulary (size " + std::to_string(vocabSize()) + ")");
}

int BpeTokenizer::vocabSize() const {
  int size = model_->idUpperBound();
  for (const auto& [id, content] : addedById_) size = std::max(size, id + 1);
  return size;
}

}  // namespace qs
