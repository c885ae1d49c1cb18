#include "quant/method_transform.h"

#include <cstdio>

#include "core/base/error.h"
#include "core/checkpoint/safetensors.h"
#include "core/model/tensor_role.h"

namespace qs {

int64_t MethodTransform::bytes() const {
  int64_t n = 0;
  for (const auto& t : tensors) n += t.numel() * static_cast<int64_t>(t.element_size());
  for (const auto& [key, r] : inputRotations) n += r.numel() * static_cast<int64_t>(r.element_size());
  return n;
}

namespace {

std::string slotName(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "t.%06zu", i);
  return buf;
}

}  // namespace

void saveMethodTransform(const MethodTransform& transform, const std::filesystem::path& file,
                         const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (size_t i = 0; i < transform.tensors.size(); ++i) tensors.emplace_back(slotName(i), transform.tensors[i].contiguous());
  for (const auto& [key, r] : transform.inputRotations) {
    const auto& [layer, role, expert] = key;
    tensors.emplace_back("r." + std::to_string(layer) + "." + std::string(roleName(role)) + "." + std::to_string(expert),
                         r.contiguous());
  }
  auto meta = metadata;
  meta["format"] = "quantscope-method-transform";
  meta["slots"] = std::to_string(transform.tensors.size());
  meta["quantized_weights"] = std::to_string(transform.quantizedWeights);
  meta["seconds"] = std::to_string(transform.seconds);
  writeSafetensors(file, tensors, meta);
}

MethodTransform loadMethodTransform(const std::filesystem::path& file) {
  auto f = SafetensorsFile::open(file);
  const auto& meta = f->metadata();
  auto value = [&](const char* key) -> std::string {
    auto it = meta.find(key);
    if (it == meta.end()) throw Error(file.string() + ": not a saved method transform (no '" + key + "' metadata)");
    return it->second;
  };
  if (value("format") != "quantscope-method-transform") throw Error(file.string() + ": not a saved method transform");
  MethodTransform t;
  size_t slots = 0;
  try {
    slots = std::stoul(value("slots"));
    t.quantizedWeights = std::stoi(value("quantized_weights"));
    t.seconds = std::stod(value("seconds"));
  } catch (const std::exception&) {
    throw Error(file.string() + ": malformed method-transform metadata");
  }
  for (size_t i = 0; i < slots; ++i) {
    const std::string name = slotName(i);
    if (!f->find(name)) throw Error(file.string() + ": tensor " + name + " is missing");
    t.tensors.push_back(f->tensor(name).clone());  // owned: the file's mapping may go
  }
  for (const auto& entry : f->entries()) {
    const std::string& name = entry.name;
    if (name.rfind("r.", 0) != 0) continue;
    // r.<layer>.<role>.<expert>
    const size_t a = name.find('.', 2), b = name.rfind('.');
    auto role = a != std::string::npos && b > a ? roleFromName(name.substr(a + 1, b - a - 1)) : std::nullopt;
    if (!role) throw Error(file.string() + ": malformed rotation name '" + name + "'");
    try {
      t.inputRotations[{std::stoi(name.substr(2, a - 2)), *role, std::stoi(name.substr(b + 1))}] = f->tensor(name).clone();
    } catch (const std::invalid_argument&) {
      throw Error(file.string() + ": malformed rotation name '" + name + "'");
    }
  }
  return t;
}

}  // namespace qs
