#pragma once
// UTF-8 helpers shared by the tokenizers: decoding one code point, encoding, and the lossy
// conversion of arbitrary bytes that Python's errors="replace" and Rust's from_utf8_lossy perform.
#include <cstddef>
#include <string>
#include <string_view>

namespace qs::utf8 {

// Decodes the well-formed sequence at text[pos]; returns its length in bytes and sets cp, or
// returns 0 when the bytes there are not well-formed UTF-8.
size_t decode(std::string_view text, size_t pos, char32_t& cp);
// Length of the character at text[pos] in valid UTF-8 (1 for a stray byte).
size_t charLength(std::string_view text, size_t pos);
void append(std::string& out, char32_t cp);
bool isValid(std::string_view text);
// Replaces each maximal ill-formed subsequence with U+FFFD (the Unicode "maximal subpart"
// practice, which Python's errors="replace" and Rust's from_utf8_lossy both follow).
std::string lossy(std::string_view bytes);

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

}  // namespace qs::utf8
