#pragma once
// A GPT-2 style byte-level BPE: training on a corpus, encoding, decoding, and writing it as a
// Hugging Face tokenizer.json (+ tokenizer_config.json, special_tokens_map.json).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace qs::demo {

// GPT-2's pre-tokenization: its regex ('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)
// run by PCRE2 in UTF/UCP mode, as Hugging Face's ByteLevel pre-tokenizer with use_regex.
std::vector<std::string> gpt2PreTokenize(std::string_view text);

// The GPT-2 bytes-to-unicode map: byte -> the UTF-8 string of its printable stand-in character.
const std::vector<std::string>& byteToUnicode();

class ByteLevelBpe {
 public:
  static constexpr const char* kEndOfText = "<|endoftext|>";

  // Learns `merges` merges from the pre-tokens of `texts`: most frequent pair first, ties broken by
  // the pair's strings in byte order (so the result is deterministic).
  static ByteLevelBpe train(const std::vector<std::string_view>& texts, int merges);

  // Ordinary text only: "<|endoftext|>" inside `text` is encoded as text, not as the special token.
  std::vector<int> encode(std::string_view text) const;
  std::string decode(const std::vector<int>& ids) const;

  int endOfTextId() const { return 0; }
  int vocabSize() const { return static_cast<int>(vocab_.size()); }
  const std::string& token(int id) const { return vocab_.at(id); }
  int mergeCount() const { return static_cast<int>(merges_.size()); }

  // Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into dir.
  void writeHuggingFace(const std::filesystem::path& dir, int modelMaxLength) const;

 private:
  int addToken(const std::string& s);
  void addMerge(int left, int right);
  std::vector<int> encodeWord(const std::string& word) const;

  std::vector<std::string> vocab_;  // id -> token as stored (byte-level characters)
  std::unordered_map<std::string, int> ids_;
  std::vector<std::pair<int, int>> merges_;
  std::unordered_map<uint64_t, std::pair<int, int>> mergeOf_;  // (left << 32 | right) -> (rank, merged id)
  mutable std::unordered_map<std::string, std::vector<int>> cache_;
};

}  // namespace qs::demo
