#include "core/tokenizer/utf8.h"

namespace qs::utf8 {

namespace {

// The number of bytes a lead byte announces and the range its first continuation byte must fall
// in (Unicode Table 3-7); 0 for a byte that cannot start a sequence.
struct LeadInfo {
  int length;
  unsigned char lo;
  unsigned char hi;
};

LeadInfo leadInfo(unsigned char b) {
  if (b < 0x80) return {1, 0, 0};
  if (b < 0xC2) return {0, 0, 0};
  if (b < 0xE0) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b < 0xF0) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b < 0xF4) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// How many bytes from pos belong to the (possibly truncated) sequence: the full length when the
// sequence is well-formed, else the length of its maximal valid prefix (at least 1).
size_t scan(std::string_view text, size_t pos, bool& complete, char32_t& cp) {
  auto b = static_cast<unsigned char>(text[pos]);
  LeadInfo info = leadInfo(b);
  complete = false;
  if (info.length == 1) {
    complete = true;
    cp = b;
    return 1;
  }
  if (info.length == 0) return 1;
  cp = b & (0xFF >> (info.length + 1));
  size_t n = 1;
  for (; n < static_cast<size_t>(info.length); ++n) {
    if (pos + n >= text.size()) return n;
    auto c = static_cast<unsigned char>(text[pos + n]);
    unsigned char lo = n == 1 ? info.lo : 0x80;
    unsigned char hi = n == 1 ? info.hi : 0xBF;
    if (c < lo || c > hi) return n;
    cp = (cp << 6) | (c & 0x3F);
  }
  complete = true;
  return n;
}

}  // namespace

size_t decode(std::string_view text, size_t pos, char32_t& cp) {
  bool complete = false;
  size_t n = scan(text, pos, complete, cp);
  return complete ? n : 0;
}

size_t charLength(std::string_view text, size_t pos) {
  char32_t cp = 0;
  size_t n = decode(text, pos, cp);
  return n ? n : 1;
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool isValid(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    char32_t cp = 0;
    size_t n = decode(text, pos, cp);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

std::string lossy(std::string_view bytes) {
  if (isValid(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 8);
  for (size_t pos = 0; pos < bytes.size();) {
    bool complete = false;
    char32_t cp = 0;
    size_t n = scan(bytes, pos, complete, cp);
    if (complete)
      out.append(bytes.substr(pos, n));
    else
      out.append(kReplacementChar);
    pos += n;
  }
  return out;
}

}  // namespace qs::utf8
