#pragma once
// The weight files of a Hugging Face folder: model.safetensors, or the shards listed by
// model.safetensors.index.json. Tensors are looked up by their Hugging Face name.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace qs {

class SafetensorsFile;

class Checkpoint {
 public:
  // Throws qs::Error naming the folder/file when there is no weight file, the index is malformed,
  // or a shard it names is missing or invalid.
  static Checkpoint open(const std::filesystem::path& dir);

  bool contains(const std::string& name) const;
  // The stored tensor (CPU, stored dtype, a view of the mapping). Throws naming the tensor and folder.
  at::Tensor tensor(const std::string& name) const;
  std::vector<std::string> names() const;
  // The file that holds a tensor (for error messages).
  std::filesystem::path fileOf(const std::string& name) const;
  // The dtype most of the stored bytes are in ("F32", "F16", "BF16"), so F32 norms beside BF16 matrices
  // do not decide it.
  std::string dominantDtype() const;
  // Total bytes of all tensors as stored.
  uint64_t storedBytes() const;

 private:
  std::filesystem::path dir_;
  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::map<std::string, size_t> index_;  // tensor name -> files_ index
};

}  // namespace qs
