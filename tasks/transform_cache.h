#pragma once
// The sweep's cache of quantization-method transforms (issue 16): AWQ, SmoothQuant, GPTQ and QuaRot
// are computed once per (model, configuration, calibration, rotation seed) and reused by later
// sweeps of the same database (another task, a resumed or repeated sweep). The tensors go to
// "<database>.transforms/<key hash>.safetensors", the key and provenance to the database's
// method_transforms table. A transform larger than the limit is not kept (a GPTQ transform is a
// model's worth of weights); an unreadable or mismatched file is dropped and recomputed.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/store/store_records.h"
#include "quant/method_transform.h"

namespace qs {

class ExperimentStore;

class TransformCache {
 public:
  struct Key {
    int64_t modelId = 0;
    std::string quantName;
    std::string calibration;
    int64_t rotationSeed = 0;
  };

  TransformCache(ExperimentStore& store, std::filesystem::path database, int64_t maxBytes);

  static std::filesystem::path directory(const std::filesystem::path& database);

  // The cached transform, or nullopt (`note` then says why when there was one that cannot be used:
  // its file is gone or damaged; the row is removed so the next sweep does not try again).
  std::optional<MethodTransform> load(const Key& key, std::string& note, std::optional<TransformRecord>* record = nullptr);
  // Keeps the transform when it is within the limit; returns the line for the run's log.
  std::string save(const Key& key, const MethodTransform& transform);
  // Forgets a transform that turned out not to fit the model.
  void drop(const Key& key);

 private:
  ExperimentStore& store_;
  std::filesystem::path database_;
  int64_t maxBytes_;
};

}  // namespace qs
