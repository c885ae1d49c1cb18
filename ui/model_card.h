#pragma once
// What the model panel shows about a Hugging Face folder, read cheaply: config.json and the
// safetensors headers (memory-mapped, no tensor data touched), never the whole model.
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/model/model_config.h"

namespace qs {

struct ModelCard {
  std::filesystem::path dir;
  std::string name;  // the folder name
  ModelConfig config;
  int64_t parameters = 0;    // sum over the stored tensors (0 when there is no weight file)
  uint64_t storedBytes = 0;  // bytes of the stored tensors
  std::string storedDtype;   // the dtype most parameters are stored in: "F32", "F16", "BF16"
  int weightFiles = 0;
  std::string weightWarning;  // why parameters are unknown (no weight file, bad header), else ""

  // Memory the weights need in a compute dtype of `bytesPerParameter` bytes (4 on CPU, 2 on CUDA).
  uint64_t weightMemory(int bytesPerParameter) const;
  // KV cache memory for one sequence at the full context, in the same dtype.
  uint64_t kvCacheMemory(int bytesPerElement) const;
  // A state-space model's decode state per sequence (conv window + SSM state of every layer), which
  // does not grow with the context.
  uint64_t stateMemory(int bytesPerElement) const;
};

// Reads dir/config.json (throws qs::Error naming the file and key when it is missing or invalid)
// and the weight files' headers (problems there are reported in weightWarning, not thrown).
ModelCard loadModelCard(const std::filesystem::path& dir);

// "1.3 GB", "260 K", ... for the card.
std::string formatBytes(uint64_t bytes);
std::string formatCount(int64_t count);

}  // namespace qs
