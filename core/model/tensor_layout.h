#pragma once
// The tensors a configuration implies: Hugging Face name, role, layer and shape. Used to write
// checkpoints (random-weight benchmarks, the demo model trainer) through the family tables.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/model/model_config.h"
#include "core/model/tensor_role.h"

namespace qs {

struct TensorSpec {
  std::string name;
  TensorRole role;
  int layer = -1;
  bool isBias = false;
  std::vector<int64_t> shape;
};

// lm_head is omitted when the config ties it to the embedding, as Hugging Face saves it.
std::vector<TensorSpec> tensorLayout(const ModelConfig& config);

// config.json text for a configuration (the keys each family's loader reads).
std::string toHfConfigJson(const ModelConfig& config);

// Writes config.json and model.safetensors with deterministic random weights (normal * std, norms
// at one, biases at zero) so a model of any size can be benchmarked without a download.
void writeRandomCheckpoint(const ModelConfig& config, const std::filesystem::path& dir, uint64_t seed = 0,
                           double std = 0.02);

}  // namespace qs
