#include "core/checkpoint/model_fingerprint.h"
#include "core/base/json_text.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/base/sha256.h"

namespace qs {

std::string modelFingerprint(const std::string& configJsonText, std::vector<WeightSignature> weights) {
  nlohmann::json config = parseJson(configJsonText, "model fingerprint: config.json");
  std::sort(weights.begin(), weights.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  Sha256 hash;
  hash.update("quantscope-model-v1\nconfig\n");
  hash.update(config.dump());  // nlohmann::json objects keep keys sorted
  hash.update("\nweights\n");
  for (const auto& w : weights) {
    std::string line = w.name + '\t' + w.dtype + '\t';
    for (size_t i = 0; i < w.shape.size(); ++i) {
      if (i) line += ',';
      line += std::to_string(w.shape[i]);
    }
    hash.update(line + '\n');
  }
  return hash.hexDigest();
}

std::string modelFingerprint(const std::string& configJsonText, const std::vector<SafetensorsEntry>& weights) {
  std::vector<WeightSignature> signatures;
  signatures.reserve(weights.size());
  for (const auto& e : weights) signatures.push_back({e.name, e.dtype, e.shape});
  return modelFingerprint(configJsonText, std::move(signatures));
}

}  // namespace qs
