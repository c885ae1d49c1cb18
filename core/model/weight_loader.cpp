#include "core/model/weight_loader.h"

#include <ATen/ATen.h>

#include <optional>
#include <sstream>

#include "core/base/error.h"
#include "core/checkpoint/checkpoint.h"

namespace qs {
namespace {

std::string shapeString(at::IntArrayRef shape) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << "]";
  return s.str();
}

// facebook/opt-* and the original gpt2 checkpoints store names without their first component
// ("decoder.layers.0...", "h.0.attn..."), as the base model's state_dict spells them.
std::optional<std::string> resolve(const Checkpoint& ckpt, const std::string& name) {
  if (ckpt.contains(name)) return name;
  for (const std::string prefix : {"model.", "transformer."})
    if (name.rfind(prefix, 0) == 0 && ckpt.contains(name.substr(prefix.size()))) return name.substr(prefix.size());
  return std::nullopt;
}

}  // namespace

LoadedWeights LoadedWeights::load(const Checkpoint& ckpt, const TensorPlan& plan, c10::Device device,
                                  c10::ScalarType dtype) {
  LoadedWeights out;
  for (const auto& p : plan) {
    auto resolved = resolve(ckpt, p.name);
    if (!resolved) {
      if (p.optional) continue;
      throw Error("tensor \"" + p.name + "\" (" + std::string(roleName(p.role)) +
                  (p.layer >= 0 ? ", layer " + std::to_string(p.layer) : std::string()) +
                  ") is missing from the checkpoint");
    }
    at::Tensor t = ckpt.tensor(*resolved);
    std::vector<int64_t> stored = p.shape;
    if (p.storedTransposed && stored.size() == 2) std::swap(stored[0], stored[1]);
    if (t.sizes() != at::IntArrayRef(stored))
      throw Error(ckpt.fileOf(*resolved).string() + ": tensor \"" + *resolved + "\" has shape " +
                  shapeString(t.sizes()) + ", config.json implies " + shapeString(stored));
    out.parameters_ += t.numel();
    // Once per tensor at load, vectorised: a NaN in a checkpoint would otherwise turn every score
    // into NaN with no hint where it came from.
    if (t.is_floating_point() && !t.isfinite().all().item<bool>())
      out.nonFinite_.push_back({*resolved, t.isfinite().logical_not().sum().item<int64_t>()});
    if (p.storedTransposed && t.dim() == 2) t = t.t();
    t = t.to(device, dtype).contiguous();
    out.bytes_ += t.numel() * static_cast<int64_t>(t.element_size());
    out.tensors_[{p.role, p.layer, p.expert, p.isBias}] = t;
  }
  return out;
}

at::Tensor LoadedWeights::weight(TensorRole role, int layer, int expert) const {
  auto it = tensors_.find({role, layer, expert, false});
  return it == tensors_.end() ? at::Tensor() : it->second;
}

at::Tensor LoadedWeights::bias(TensorRole role, int layer, int expert) const {
  auto it = tensors_.find({role, layer, expert, true});
  return it == tensors_.end() ? at::Tensor() : it->second;
}

}  // namespace qs
