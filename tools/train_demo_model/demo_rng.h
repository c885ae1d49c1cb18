#pragma once
// A small deterministic random source (splitmix64): the corpus must come out byte-identical on every
// platform, which the standard distributions do not promise.
#include <cstdint>
#include <string_view>
#include <vector>

namespace qs::demo {

class DemoRng {
 public:
  explicit DemoRng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x1234567ull) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0. The modulo bias is below 2^-40 for the sizes used here.
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
  // Uniform in [lo, hi].
  int range(int lo, int hi) { return lo + below(hi - lo + 1); }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[below(static_cast<int>(items.size()))];
  }
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (int i = static_cast<int>(items.size()) - 1; i > 0; --i) std::swap(items[i], items[below(i + 1)]);
  }

 private:
  uint64_t state_;
};

// FNV-1a: a stable hash that splits entity combinations between training and held-out sets.
inline uint64_t stableHash(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace qs::demo
