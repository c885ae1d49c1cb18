#pragma once
// Reading (memory-mapped, fully validated) and writing safetensors files.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace at {
class Tensor;
}

namespace qs {

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // as in the header: "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets into the data section, [begin, end)
  uint64_t end = 0;
};

class SafetensorsFile {
 public:
  // Maps the file and validates the whole header: 8-byte length within the file, valid JSON object,
  // known dtypes, integer shapes, offsets inside the data section, no overlaps, and
  // product(shape) * dtype size == end - begin. Throws qs::Error naming the file (and tensor).
  static std::shared_ptr<SafetensorsFile> open(const std::filesystem::path& path);
  ~SafetensorsFile();

  const std::filesystem::path& path() const { return path_; }
  const std::vector<SafetensorsEntry>& entries() const { return entries_; }  // sorted by name
  const SafetensorsEntry* find(std::string_view name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // A CPU tensor of the stored dtype viewing the mapping (copy-on-write private mapping, so an
  // in-place edit never reaches the file); it keeps the mapping alive. Throws naming file and tensor.
  at::Tensor tensor(std::string_view name) const;

 private:
  SafetensorsFile() = default;
  std::filesystem::path path_;
  std::vector<SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
  void* map_ = nullptr;
  size_t mapSize_ = 0;
  const uint8_t* data_ = nullptr;  // start of the data section
  std::weak_ptr<SafetensorsFile> self_;
};

// Writes tensors (any of the dtypes above, made contiguous, CPU) in the standard layout: header
// padded with spaces to a multiple of 8, keys sorted. Writes to a temporary file and renames.
void writeSafetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace qs
