#include "core/checkpoint/safetensors.h"
#include "core/base/json_text.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/base/error.h"

namespace qs {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

using nlohmann::json;

// The reference implementation refuses headers above 100 MB; real ones are a few hundred KB.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct DtypeInfo {
  const char* name;
  at::ScalarType type;
  uint64_t size;
};

constexpr DtypeInfo kDtypes[] = {
    {"F64", at::kDouble, 8}, {"F32", at::kFloat, 4}, {"F16", at::kHalf, 2},  {"BF16", at::kBFloat16, 2},
    {"I64", at::kLong, 8},   {"I32", at::kInt, 4},   {"I16", at::kShort, 2}, {"I8", at::kChar, 1},
    {"U8", at::kByte, 1},    {"BOOL", at::kBool, 1},
};

const DtypeInfo* dtypeByName(std::string_view name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return &d;
  return nullptr;
}

const DtypeInfo* dtypeByType(at::ScalarType type) {
  for (const auto& d : kDtypes)
    if (type == d.type) return &d;
  return nullptr;
}

std::string inQuotes(std::string_view s) {
  std::string out(1, '\'');
  out.append(s);
  out.push_back('\'');
  return out;
}

// A JSON integer >= 0 as uint64, or nothing (negative, fractional, too large, or not a number).
std::optional<uint64_t> nonNegativeInteger(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  return std::nullopt;
}

// Parses the header, rejecting duplicate top-level keys (nlohmann would silently keep the last one).
json parseHeader(const char* begin, const char* end, const std::string& file) {
  std::set<std::string> seen;
  std::string duplicate;
  json::parser_callback_t onEvent = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && duplicate.empty() &&
        !seen.insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  checkJsonDepth(std::string_view(begin, static_cast<size_t>(end - begin)), file + ": header");
  json header;
  try {
    header = json::parse(begin, end, onEvent);
  } catch (const json::exception& e) {
    throw Error(file + ": header is not valid JSON: " + e.what());
  }
  if (!duplicate.empty()) throw Error(file + ": header lists tensor " + inQuotes(duplicate) + " twice");
  if (!header.is_object()) throw Error(file + ": header is not a JSON object");
  return header;
}

std::map<std::string, std::string> parseMetadata(const json& value, const std::string& file) {
  if (!value.is_object()) throw Error(file + ": __metadata__ is not a JSON object");
  std::map<std::string, std::string> metadata;
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string()) throw Error(file + ": __metadata__ value " + inQuotes(key) + " is not a string");
    metadata[key] = v.get<std::string>();
  }
  return metadata;
}

SafetensorsEntry parseEntry(const std::string& name, const json& value, uint64_t dataSize,
                            const std::string& file) {
  const std::string where = file + ": tensor " + inQuotes(name);
  if (!value.is_object()) throw Error(where + ": entry is not a JSON object");
  SafetensorsEntry e;
  e.name = name;

  auto dtype = value.find("dtype");
  if (dtype == value.end() || !dtype->is_string()) throw Error(where + ": missing or non-string dtype");
  e.dtype = dtype->get<std::string>();
  const DtypeInfo* info = dtypeByName(e.dtype);
  if (!info) throw Error(where + ": unknown dtype " + inQuotes(e.dtype));

  auto shape = value.find("shape");
  if (shape == value.end() || !shape->is_array()) throw Error(where + ": missing or non-array shape");
  uint64_t bytes = info->size;
  for (const auto& dim : *shape) {
    auto n = nonNegativeInteger(dim);
    if (!n || *n > static_cast<uint64_t>(INT64_MAX))
      throw Error(where + ": shape " + shape->dump() + " has an entry that is not a non-negative integer");
    if (__builtin_mul_overflow(bytes, *n, &bytes))
      throw Error(where + ": shape " + shape->dump() + " overflows 64 bits");
    e.shape.push_back(static_cast<int64_t>(*n));
  }

  auto offsets = value.find("data_offsets");
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2)
    throw Error(where + ": data_offsets must be an array [begin, end]");
  auto begin = nonNegativeInteger((*offsets)[0]);
  auto end = nonNegativeInteger((*offsets)[1]);
  if (!begin || !end) throw Error(where + ": data_offsets " + offsets->dump() + " are not non-negative integers");
  e.begin = *begin;
  e.end = *end;
  if (e.begin > e.end) throw Error(where + ": data_offsets " + offsets->dump() + " has begin > end");
  if (e.end > dataSize)
    throw Error(where + ": data_offsets " + offsets->dump() + " reach beyond the data section (" +
                std::to_string(dataSize) + " bytes; file truncated?)");
  if (bytes != e.end - e.begin)
    throw Error(where + ": shape " + shape->dump() + " x " + e.dtype + " is " + std::to_string(bytes) +
                " bytes but data_offsets span " + std::to_string(e.end - e.begin));
  return e;
}

// Empty tensors cannot overlap anything; the others must occupy disjoint byte ranges.
void checkNoOverlap(const std::vector<SafetensorsEntry>& entries, const std::string& file) {
  std::vector<const SafetensorsEntry*> byBegin;
  for (const auto& e : entries)
    if (e.begin != e.end) byBegin.push_back(&e);
  std::sort(byBegin.begin(), byBegin.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < byBegin.size(); ++i)
    if (byBegin[i]->begin < byBegin[i - 1]->end)
      throw Error(file + ": tensors " + inQuotes(byBegin[i - 1]->name) + " and " + inQuotes(byBegin[i]->name) +
                  " overlap in the data section");
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  const std::string file = path.string();
  // Not make_shared: the constructor is private. The destructor unmaps if validation throws.
  std::shared_ptr<SafetensorsFile> self(new SafetensorsFile());
  self->path_ = path;
  self->self_ = self;

  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw Error(file + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw Error(file + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw Error(file + ": not a regular file");
  const auto fileSize = static_cast<uint64_t>(st.st_size);
  if (fileSize < 8)
    throw Error(file + ": " + std::to_string(fileSize) + " bytes is too short for a safetensors file");

  // Private + writable: callers may edit returned tensors in place; the pages are copied, never written back.
  void* map = ::mmap(nullptr, fileSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.get(), 0);
  if (map == MAP_FAILED) throw Error(file + ": cannot mmap: " + std::strerror(errno));
  self->map_ = map;
  self->mapSize_ = fileSize;
  const auto* bytes = static_cast<const uint8_t*>(map);

  uint64_t headerSize = 0;
  std::memcpy(&headerSize, bytes, 8);
  if (headerSize > kMaxHeaderBytes || headerSize > fileSize - 8)
    throw Error(file + ": header length " + std::to_string(headerSize) + " does not fit in the " +
                std::to_string(fileSize) + "-byte file (truncated or not safetensors?)");
  const auto* headerText = reinterpret_cast<const char*>(bytes + 8);
  json header = parseHeader(headerText, headerText + headerSize, file);

  self->data_ = bytes + 8 + headerSize;
  const uint64_t dataSize = fileSize - 8 - headerSize;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__")
      self->metadata_ = parseMetadata(value, file);
    else
      self->entries_.push_back(parseEntry(key, value, dataSize, file));
  }
  std::sort(self->entries_.begin(), self->entries_.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  checkNoOverlap(self->entries_, file);
  return self;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(map_, mapSize_);
}

const SafetensorsEntry* SafetensorsFile::find(std::string_view name) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                             [](const SafetensorsEntry& e, std::string_view n) { return e.name < n; });
  return it != entries_.end() && it->name == name ? &*it : nullptr;
}

at::Tensor SafetensorsFile::tensor(std::string_view name) const {
  const SafetensorsEntry* e = find(name);
  if (!e) throw Error(path_.string() + ": no tensor " + inQuotes(name));
  const DtypeInfo* info = dtypeByName(e->dtype);  // validated in open()
  const auto options = at::TensorOptions().dtype(info->type).device(at::kCPU);
  auto* data = const_cast<uint8_t*>(data_ + e->begin);  // the private mapping is writable
  if (e->begin == e->end) return at::empty(e->shape, options);
  if (reinterpret_cast<uintptr_t>(data) % info->size != 0) {
    // Misaligned element access is undefined behaviour for the kernels; hand out a copy instead.
    at::Tensor copy = at::empty(e->shape, options);
    std::memcpy(copy.data_ptr(), data, e->end - e->begin);
    return copy;
  }
  std::shared_ptr<const SafetensorsFile> keepAlive = self_.lock();
  return at::from_blob(data, e->shape, [keepAlive](void*) {}, options);
}

namespace {

struct PreparedTensor {
  std::string name;
  const DtypeInfo* info;
  at::Tensor data;  // contiguous CPU
};

std::vector<PreparedTensor> prepare(const std::filesystem::path& path,
                                    const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  std::vector<PreparedTensor> out;
  for (const auto& [name, t] : tensors) {
    const std::string where = path.string() + ": tensor " + inQuotes(name);
    if (name.empty() || name == "__metadata__") throw Error(where + ": invalid tensor name");
    if (!t.defined()) throw Error(where + ": undefined tensor");
    if (!t.device().is_cpu()) throw Error(where + ": not a CPU tensor");
    const DtypeInfo* info = dtypeByType(t.scalar_type());
    if (!info) throw Error(where + ": unsupported dtype " + std::string(c10::toString(t.scalar_type())));
    out.push_back({name, info, t.contiguous()});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i].name == out[i - 1].name)
      throw Error(path.string() + ": tensor " + inQuotes(out[i].name) + " given twice");
  return out;
}

// Field order and compact separators follow the reference writer, so its files are reproduced byte for byte.
std::string headerText(const std::vector<PreparedTensor>& tensors, const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    const uint64_t bytes = static_cast<uint64_t>(t.data.numel()) * t.info->size;
    nlohmann::ordered_json entry;
    entry["dtype"] = t.info->name;
    entry["shape"] = t.data.sizes().vec();
    entry["data_offsets"] = {offset, offset + bytes};
    header[t.name] = std::move(entry);
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace

void writeSafetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const auto prepared = prepare(path, tensors);
  const std::string header = headerText(prepared, metadata);
  const uint64_t headerSize = header.size();

  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path.string() + ": cannot create " + tmp.string() + ": " + std::strerror(errno));
    out.write(reinterpret_cast<const char*>(&headerSize), 8);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const auto& t : prepared)
      if (t.data.numel() > 0)
        out.write(static_cast<const char*>(t.data.data_ptr()),
                  static_cast<std::streamsize>(t.data.numel() * t.info->size));
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw Error(path.string() + ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw Error(path.string() + ": cannot rename " + tmp.string() + " into place: " + ec.message());
  }
}

}  // namespace qs
