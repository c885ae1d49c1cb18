#pragma once
// The tensors a configuration implies as a checkpoint stores them (the family's tensor plan, with
// lm_head omitted when tied, as Hugging Face saves it), its config.json text, and a writer of
// random-weight checkpoints (benchmarks of any size without a download; the demo trainer).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/model/model_config.h"
#include "core/model/tensor_plan.h"

namespace qs {

using TensorSpec = PlannedTensor;

// The family's plan as a checkpoint of this configuration holds it: optional tensors are left out
// except an untied lm_head.
std::vector<TensorSpec> tensorLayout(const ModelConfig& config);

// config.json text for a configuration: the common keys and the family's own.
std::string toHfConfigJson(const ModelConfig& config);

// Writes config.json and model.safetensors with deterministic random weights (normal * std, norms
// at one, biases at zero) so a model of any size can be benchmarked without a download.
void writeRandomCheckpoint(const ModelConfig& config, const std::filesystem::path& dir, uint64_t seed = 0,
                           double std = 0.02);

}  // namespace qs
