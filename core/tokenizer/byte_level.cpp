#include "core/tokenizer/byte_level.h"

#include <array>

#include "core/tokenizer/utf8.h"

namespace qs::byte_level {

namespace {

struct Table {
  std::array<std::string, 256> toChar;
  std::array<int, 512> toByte;  // every mapped code point is below U+0144
  Table() {
    toByte.fill(-1);
    auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); };
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      char32_t cp = printable(b) ? static_cast<char32_t>(b) : static_cast<char32_t>(next++);
      utf8::append(toChar[b], cp);
      toByte[cp] = b;
    }
  }
};

const Table& table() {
  static const Table instance;
  return instance;
}

}  // namespace

const std::string& byteToChar(uint8_t b) { return table().toChar[b]; }

int charToByte(char32_t c) { return c < 512 ? table().toByte[c] : -1; }

std::string encode(std::string_view text) {
  const Table& t = table();
  std::string out;
  out.reserve(text.size() * 2);
  for (char c : text) out += t.toChar[static_cast<unsigned char>(c)];
  return out;
}

}  // namespace qs::byte_level
