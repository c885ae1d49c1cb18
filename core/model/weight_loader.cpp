#include "core/model/weight_loader.h"

#include <ATen/ATen.h>

#include <sstream>

#include "core/base/error.h"
#include "core/model/family_tables.h"

namespace qs {
namespace {
std::string shapeString(at::IntArrayRef shape) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << "]";
  return s.str();
}
}  // namespace

WeightLoader::WeightLoader(const Checkpoint& checkpoint, Family family, c10::Device device,
                           c10::ScalarType dtype)
    : checkpoint_(checkpoint), family_(family), device_(device), dtype_(dtype) {}

std::optional<std::string> WeightLoader::resolve(const std::string& name) const {
  if (checkpoint_.contains(name)) return name;
  const std::string prefix = "model.";
  if (name.rfind(prefix, 0) == 0 && checkpoint_.contains(name.substr(prefix.size())))
    return name.substr(prefix.size());
  return std::nullopt;
}

bool WeightLoader::hasWeight(TensorRole role, int layer) const {
  auto p = tensorNamePattern(family_, role);
  return p.weight && resolve(expandTensorName(p.weight, layer)).has_value();
}

at::Tensor WeightLoader::load(const std::string& name, std::vector<int64_t> shape) {
  auto resolved = resolve(name);
  if (!resolved) throw Error("tensor \"" + name + "\" is missing from the checkpoint");
  at::Tensor t = checkpoint_.tensor(*resolved);
  if (t.sizes() != at::IntArrayRef(shape))
    throw Error(checkpoint_.fileOf(*resolved).string() + ": tensor \"" + *resolved + "\" has shape " +
                shapeString(t.sizes()) + ", config.json implies " + shapeString(shape));
  parameters_ += t.numel();
  t = t.to(device_, dtype_);
  bytes_ += t.numel() * static_cast<int64_t>(t.element_size());
  return t;
}

at::Tensor WeightLoader::weight(TensorRole role, int layer, std::vector<int64_t> shape) {
  auto p = tensorNamePattern(family_, role);
  if (!p.weight) throw Error("family " + std::string(familyName(family_)) + " has no tensor role " +
                             std::string(roleName(role)));
  return load(expandTensorName(p.weight, layer), std::move(shape));
}

at::Tensor WeightLoader::bias(TensorRole role, int layer, std::vector<int64_t> shape, bool required) {
  auto p = tensorNamePattern(family_, role);
  if (!p.bias) {
    if (required) throw Error("family " + std::string(familyName(family_)) + " has no bias for " +
                              std::string(roleName(role)));
    return {};
  }
  auto name = expandTensorName(p.bias, layer);
  if (!required && !resolve(name)) return {};
  return load(name, std::move(shape));
}

}  // namespace qs
