#pragma once
// A model's identity for the experiment store: the same weights and config give the same
// fingerprint whatever folder they sit in, so results from two machines merge.
#include <cstdint>
#include <string>
#include <vector>

#include "core/checkpoint/safetensors.h"

namespace qs {

struct WeightSignature {
  std::string name;
  std::string dtype;  // "F16", "BF16", "F32", ...
  std::vector<int64_t> shape;
};

// SHA-256 (hex) over config.json, parsed and re-serialised with sorted keys (so formatting and key
// order do not matter), and the weight index: every tensor's name, dtype and shape, sorted by
// name (so sharding does not matter). Throws qs::Error when configJsonText is not valid JSON.
// The weight values are not read: two checkpoints that differ only in values collide.
std::string modelFingerprint(const std::string& configJsonText, std::vector<WeightSignature> weights);
std::string modelFingerprint(const std::string& configJsonText, const std::vector<SafetensorsEntry>& weights);

}  // namespace qs
