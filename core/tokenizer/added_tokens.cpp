#include "core/tokenizer/added_tokens.h"

#include <unicode/uchar.h>

#include <algorithm>

#include "core/tokenizer/utf8.h"

namespace qs {

namespace {

bool isWhitespace(char32_t c) { return u_isUWhiteSpace(static_cast<UChar32>(c)); }

// Rust's char::is_alphanumeric (Alphabetic or Numeric), which tokenizers' single_word uses.
bool isWordChar(char32_t c) {
  auto cp = static_cast<UChar32>(c);
  if (u_hasBinaryProperty(cp, UCHAR_ALPHABETIC)) return true;
  int8_t type = u_charType(cp);
  return type == U_DECIMAL_DIGIT_NUMBER || type == U_LETTER_NUMBER || type == U_OTHER_NUMBER;
}

// The code point that ends just before pos (text is valid UTF-8).
char32_t previousChar(std::string_view text, size_t pos) {
  size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  char32_t cp = 0;
  utf8::decode(text, start, cp);
  return cp;
}

size_t previousCharStart(std::string_view text, size_t pos) {
  size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return start;
}

char32_t charAt(std::string_view text, size_t pos) {
  char32_t cp = 0;
  utf8::decode(text, pos, cp);
  return cp;
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
  tokens_.erase(std::remove_if(tokens_.begin(), tokens_.end(),
                               [](const AddedToken& t) { return t.content.empty(); }),
                tokens_.end());
  for (size_t i = 0; i < tokens_.size(); ++i)
    byFirstByte_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(static_cast<int>(i));
  for (auto& list : byFirstByte_) {
    std::stable_sort(list.begin(), list.end(), [this](int a, int b) {
      return tokens_[a].content.size() > tokens_[b].content.size();
    });
  }
}

int AddedTokenMatcher::longestAt(std::string_view text, size_t pos) const {
  for (int index : byFirstByte_[static_cast<unsigned char>(text[pos])])
    if (text.compare(pos, tokens_[index].content.size(), tokens_[index].content) == 0) return index;
  return -1;
}

std::vector<TextSegment> AddedTokenMatcher::split(std::string_view text) const {
  std::vector<TextSegment> segments;
  size_t pieceStart = 0;
  auto emitText = [&](size_t end) {
    if (end > pieceStart) segments.push_back({text.substr(pieceStart, end - pieceStart), -1, pieceStart});
  };
  size_t pos = 0;
  while (pos < text.size()) {
    int index = tokens_.empty() ? -1 : longestAt(text, pos);
    if (index < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[index];
    size_t begin = pos;
    size_t end = pos + token.content.size();
    // As tokenizers does, a single_word token inside a word is skipped whole: no shorter token is
    // tried at the same place.
    if (token.singleWord && ((begin > 0 && isWordChar(previousChar(text, begin))) ||
                             (end < text.size() && isWordChar(charAt(text, end))))) {
      pos = end;
      continue;
    }
    if (token.lstrip) {
      while (begin > pieceStart && isWhitespace(previousChar(text, begin)))
        begin = previousCharStart(text, begin);
    }
    if (token.rstrip) {
      while (end < text.size() && isWhitespace(charAt(text, end))) end += utf8::charLength(text, end);
    }
    emitText(begin);
    segments.push_back({text.substr(begin, end - begin), token.id, begin});
    pieceStart = end;
    pos = end;
  }
  emitText(text.size());
  return segments;
}

}  // namespace qs
