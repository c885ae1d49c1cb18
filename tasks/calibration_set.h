#pragma once
// Calibration token sequences for the quantization methods (AWQ, SmoothQuant, GPTQ): N windows of
// L tokens drawn at seeded random offsets from a text file (the bundled calibration text by
// default; WikiText-2 train or C4-like text when the user points at it), as GPTQ's reference
// draws its C4 samples. The description names the file by its SHA-256, N, L and the seed, and is
// recorded with every run that used it.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

struct CalibrationSet {
  at::Tensor ids;           // [N, L] int64
  std::string description;  // "kl_text.txt sha256:3f2a... n=16 L=256 seed=1234"
};

// Throws qs::Error naming the file when it cannot be read or holds fewer than L tokens.
CalibrationSet loadCalibrationSet(const std::function<std::vector<int>(std::string_view)>& encode,
                                  const std::filesystem::path& text, int64_t sequences, int64_t length, uint64_t seed);

}  // namespace qs
