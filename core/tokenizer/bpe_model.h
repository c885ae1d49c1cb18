#pragma once
// The BPE model of Hugging Face tokenizers: a vocabulary, merges by rank, and the per-word merge
// loop (lowest rank first, leftmost on ties), with unk / byte-fallback handling of unknown
// characters. Words already seen are cached.
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace qs {

// Lets unordered_map<std::string, ...> be probed with a string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TokenIdMap = std::unordered_map<std::string, int, StringHash, std::equal_to<>>;

class BpeModel {
 public:
  struct Options {
    std::string unkToken;  // empty: unknown characters are dropped
    bool fuseUnk = false;
    bool byteFallback = false;  // unknown characters become their "<0xNN>" byte tokens
    std::string continuingSubwordPrefix;
    std::string endOfWordSuffix;
    bool ignoreMerges = false;  // a word that is itself in the vocabulary is one token
  };

  // `where` names the source file for errors (a merge whose parts or result are not in vocab).
  BpeModel(TokenIdMap vocab, const std::vector<std::pair<std::string, std::string>>& merges,
           Options options, const std::string& where);

  // Appends the ids of one pre-tokenized word.
  void tokenize(std::string_view word, std::vector<int>& out) const;

  int tokenId(std::string_view token) const;  // -1 when absent
  // The token string of id, or nullptr when no token has that id.
  const std::string* tokenString(int id) const;
  int idUpperBound() const { return static_cast<int>(idToToken_.size()); }

 private:
  struct Merge {
    int rank;
    int newId;
  };
  static uint64_t pairKey(int a, int b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  const Merge* findMerge(int a, int b) const;
  // The initial symbols of a word: one per character, or its bytes / unk when unknown.
  void initialSymbols(std::string_view word, std::vector<int>& ids) const;
  bool hasAllBytes(std::string_view bytes) const;
  void mergeAll(std::vector<int>& ids) const;

  TokenIdMap vocab_;
  std::vector<std::string> idToToken_;
  std::vector<bool> hasToken_;
  std::unordered_map<uint64_t, Merge> merges_;
  Options options_;
  int unkId_ = -1;
  int byteIds_[256];

  mutable std::mutex cacheMutex_;
  mutable std::unordered_map<std::string, std::vector<int>, StringHash, std::equal_to<>> cache_;
};

}  // namespace qs
