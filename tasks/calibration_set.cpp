#include "tasks/calibration_set.h"

#include <ATen/ATen.h>

#include <fstream>
#include <random>
#include <sstream>

#include "core/base/error.h"
#include "core/base/sha256.h"

namespace qs {

CalibrationSet loadCalibrationSet(const std::function<std::vector<int>(std::string_view)>& encode,
                                  const std::filesystem::path& text, int64_t sequences, int64_t length, uint64_t seed) {
  if (sequences <= 0 || length <= 1) throw Error("calibration: need at least one sequence of two tokens");
  std::ifstream in(text, std::ios::binary);
  if (!in) throw Error(text.string() + ": cannot open the calibration text");
  std::ostringstream content;
  content << in.rdbuf();
  const std::string body = content.str();
  const std::vector<int> tokens = encode(body);
  const int64_t total = static_cast<int64_t>(tokens.size());
  if (total < length)
    throw Error(text.string() + ": " + std::to_string(total) + " tokens, fewer than one calibration sequence of " +
                std::to_string(length));
  // Offsets drawn as GPTQ's reference draws its samples: uniformly, independently, seeded.
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> offset(0, total - length);
  std::vector<int64_t> ids;
  ids.reserve(static_cast<size_t>(sequences * length));
  for (int64_t i = 0; i < sequences; ++i) {
    const int64_t start = offset(rng);
    ids.insert(ids.end(), tokens.begin() + start, tokens.begin() + start + length);
  }
  Sha256 hash;
  hash.update(body);
  CalibrationSet set;
  set.ids = at::tensor(ids, at::kLong).view({sequences, length});
  set.description = text.filename().string() + " sha256:" + hash.hexDigest().substr(0, 16) + " n=" +
                    std::to_string(sequences) + " L=" + std::to_string(length) + " seed=" + std::to_string(seed);
  return set;
}

}  // namespace qs
