#pragma once
// Python's random.Random seeded with a string, as far as lm-evaluation-harness needs it: ETHICS
// utilitarianism orders its two scenarios with random.Random(activity).shuffle([0, 1]), so the
// order (and the gold label) is only the reference's when this generator is bit-for-bit Python's:
// seed = int.from_bytes(s.encode() + sha512(s.encode()).digest(), "big") fed to MT19937's
// init_by_array, shuffle by _randbelow with getrandbits rejection sampling.
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qs {

class PythonRandom {
 public:
  explicit PythonRandom(const std::string& seed);

  uint32_t nextUint32();              // genrand_uint32
  uint32_t getrandbits(int k);        // 1 <= k <= 32
  uint32_t randbelow(uint32_t n);     // n >= 1
  template <typename T>
  void shuffle(std::vector<T>& x) {
    for (size_t i = x.size(); i-- > 1;) std::swap(x[i], x[randbelow(static_cast<uint32_t>(i + 1))]);
  }

 private:
  void initByArray(const std::vector<uint32_t>& key);
  std::array<uint32_t, 624> mt_{};
  int index_ = 625;
};

// The SHA-512 digest of `data` (64 bytes).
std::array<uint8_t, 64> sha512(const std::string& data);

}  // namespace qs
