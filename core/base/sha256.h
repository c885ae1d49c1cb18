#pragma once
// SHA-256 (FIPS 180-4), for content fingerprints. Not for anything secret.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace qs {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  std::array<uint8_t, 32> digest();  // finishes; the object is spent afterwards
  std::string hexDigest();           // lowercase hex of digest()

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t totalBytes_ = 0;
};

std::string sha256Hex(std::string_view bytes);

}  // namespace qs
