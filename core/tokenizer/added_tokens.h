#pragma once
// Added / special tokens: text that maps straight to one id and is split out of the input before
// any normalisation or BPE, as Hugging Face's AddedVocabulary (and the slow tokenizers' trie) do.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

struct AddedToken {
  std::string content;
  int id = -1;
  bool special = false;
  bool lstrip = false;      // the match also swallows whitespace on its left
  bool rstrip = false;      // ... and on its right
  bool singleWord = false;  // matches only when not inside a word
  bool normalized = false;  // matched on normalised text rather than on the raw input
};

// A piece of the input: either ordinary text (id < 0) or one added token (its id).
struct TextSegment {
  std::string_view text;
  int id = -1;
  size_t begin = 0;  // byte offset of the piece in the text that was split
};

// Splits text on a set of added tokens, leftmost-longest match first.
class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);

  bool empty() const { return tokens_.empty(); }
  // Segments that cover `text` in order; empty ordinary pieces are dropped.
  std::vector<TextSegment> split(std::string_view text) const;

 private:
  // The longest token matching at pos, or -1.
  int longestAt(std::string_view text, size_t pos) const;

  std::vector<AddedToken> tokens_;
  // Token indices by first byte, longest first: a scan looks only at candidates that can match.
  std::array<std::vector<int>, 256> byFirstByte_;
};

}  // namespace qs
