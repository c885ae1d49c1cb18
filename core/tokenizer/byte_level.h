#pragma once
// GPT-2's bytes_to_unicode table: every byte maps to a printable character (printable Latin-1
// bytes to themselves, the others to U+0100 and up), so BPE can run over any byte string.
#include <cstdint>
#include <string>
#include <string_view>

namespace qs::byte_level {

// The UTF-8 encoding of the character that stands for byte b.
const std::string& byteToChar(uint8_t b);
// The byte a character stands for, or -1 when it is not in the table.
int charToByte(char32_t c);
// Maps every byte of text to its character.
std::string encode(std::string_view text);
// The GPT-2 pre-tokenization pattern.
inline constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace qs::byte_level
