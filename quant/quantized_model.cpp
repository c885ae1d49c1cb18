#include "quant/quantized_model.h"

#include <ATen/ATen.h>

#include <chrono>
#include <set>

#include "core/base/error.h"
#include "core/model/family.h"
#include "core/model/model.h"
#include "quant/awq.h"
#include "quant/fake_quant.h"
#include "quant/gptq.h"
#include "quant/quarot.h"
#include "quant/smoothquant.h"

namespace qs {
namespace {

std::string describe(int layer, TensorRole role, std::string_view kind) {
  std::string s = layer < 0 ? std::string() : "layer " + std::to_string(layer) + " ";
  return s + std::string(roleName(role)) + " " + std::string(kind);
}

class FakeQuantHook : public TensorHook {
 public:
  explicit FakeQuantHook(const QuantConfig& config, std::map<LinearKey, at::Tensor> rotations = {})
      : config_(config), rotations_(std::move(rotations)) {}

  void operator()(const HookPoint& point, at::Tensor& x) override {
    switch (point.kind) {
      case TensorKind::Activation:
        if (config_.activation.enabled() && config_.selectsLinear(point.layer, point.role)) {
          const auto what = describe(point.layer, point.role, "input");
          const auto r = rotations_.find({point.layer, point.role, point.expert});
          if (r == rotations_.end())
            x = fakeQuantize(x, config_.activation, what);
          else  // quarot: quantized in the rotated basis, handed on in the original one
            x = at::matmul(fakeQuantize(at::matmul(x, r->second), config_.activation, what), r->second.t());
        }
        break;
      case TensorKind::Key:
      case TensorKind::Value:
        if (config_.kv.enabled() && config_.selectsKv(point.layer)) {
          const auto spec = kvSpecForHeadDim(config_.kv, x.size(-1));
          const auto what = describe(point.layer, point.role, kindName(point.kind));
          const auto r = rotations_.find(kKvRotationKey);
          if (r == rotations_.end() || r->second.size(0) != x.size(-1))
            x = fakeQuantize(x, spec, what);
          else  // quarot: per head in the rotated basis
            x = at::matmul(fakeQuantize(at::matmul(x, r->second), spec, what), r->second.t());
        }
        break;
      case TensorKind::Weight:
        break;
    }
  }

 private:
  QuantConfig config_;
  std::map<LinearKey, at::Tensor> rotations_;
};

}  // namespace

QuantSpec kvSpecForHeadDim(const QuantSpec& kv, int64_t headDim) {
  QuantSpec s = kv;
  // MX blocks are 32 elements by definition: a shorter head is an error that names the tensor.
  if (s.granularity == Granularity::PerGroup && s.groupSize > headDim && !isMicroscaling(s.format))
    s.granularity = Granularity::PerChannel;
  return s;
}

std::shared_ptr<TensorHook> makeFakeQuantHook(const QuantConfig& config) {
  return std::make_shared<FakeQuantHook>(config);
}

QuantizedModel::QuantizedModel(Model& model, const QuantConfig& config, const at::Tensor& calibration,
                               uint64_t rotationSeed, const MethodTransform* cached)
    : model_(model), config_(config.normalized()), rotationSeed_(rotationSeed) {
  config_.validate();
  // Without a KV cache a KV configuration would silently equal FP16: refuse it instead.
  if (config_.kv.enabled() && !model_.capabilities().hasKvCache)
    throw Error(model_.directory().string() + ": " + std::string(familyName(model_.family())) +
                " has no KV cache, so KV-cache quantization (" + config_.name() + ") does not apply");
  try {
    applyMethod(calibration, cached);
    quantizeWeights();
  } catch (...) {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) *it->slot = it->original;  // leave the model untouched
    saved_.clear();
    throw;
  }
  if (config_.activation.enabled() || config_.kv.enabled()) {
    hook_ = std::make_shared<FakeQuantHook>(config_, inputRotations_);
    model_.hooks().add(hook_);
  }
  active_ = true;
}

void QuantizedModel::applyMethod(const at::Tensor& calibration, const MethodTransform* cached) {
  if (config_.method == "rtn") return;
  const bool rotation = config_.method == "quarot";  // data-free; rotates activations alone too (W16A4)
  if (!rotation && !cached && (!calibration.defined() || calibration.numel() == 0))
    throw Error("quantization method '" + config_.method + "' needs calibration text (token sequences) to compute "
                "its transform; none was given");
  if (!rotation && config_.method != "smoothquant" && !config_.weight.enabled())
    throw Error("quantization method '" + config_.method + "' quantizes weights: " + config_.name() + " has none");
  // Everything a transform may replace, saved first: the norms it folds into and every linear.
  for (auto& g : model_.normGroups()) {
    saved_.push_back({g.weight, *g.weight});
    if (g.bias && g.bias->defined()) saved_.push_back({g.bias, *g.bias});
  }
  if (auto head = model_.finalNormGroup(); head && rotation) {
    saved_.push_back({head->weight, *head->weight});
    if (head->bias && head->bias->defined()) saved_.push_back({head->bias, *head->bias});
  }
  for (const auto& lw : model_.linearWeights()) {
    if (lw.weight && lw.weight->defined()) saved_.push_back({lw.weight, *lw.weight});
    if (lw.bias && lw.bias->defined()) saved_.push_back({lw.bias, *lw.bias});
  }
  if (cached) {
    applyCached(*cached);
    return;
  }
  auto selected = [this](int layer, TensorRole role) { return config_.selectsLinear(layer, role); };
  const auto start = std::chrono::steady_clock::now();
  if (config_.method == "smoothquant") {
    applySmoothQuant(model_, calibration, 0.5);
  } else if (config_.method == "awq") {
    applyAwq(model_, calibration, config_.weight, selected);
  } else if (config_.method == "gptq") {
    quantized_ = applyGptq(model_, calibration, config_.weight, selected);
  } else if (rotation) {
    auto result = applyQuaRot(model_, config_, rotationSeed_);
    quantized_ = result.quantizedWeights;
    inputRotations_ = std::move(result.inputRotations);
  } else {
    throw Error("quantization method '" + config_.method + "' is not implemented");
  }
  methodSeconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  transform_.tensors.clear();
  // Every slot saved above belongs to the transform (quantizeWeights saves its own later).
  for (const auto& saved : saved_) transform_.tensors.push_back(*saved.slot);
  transform_.inputRotations = inputRotations_;
  transform_.quantizedWeights = quantized_;
  transform_.seconds = methodSeconds_;
}

void QuantizedModel::applyCached(const MethodTransform& cached) {
  const size_t slots = saved_.size();
  if (cached.tensors.size() != slots)
    throw Error("the cached " + config_.method + " transform has " + std::to_string(cached.tensors.size()) +
                " tensors where " + model_.directory().string() + " has " + std::to_string(slots) + ": not this model's");
  for (size_t i = 0; i < slots; ++i) {
    const at::Tensor& now = *saved_[i].slot;
    const at::Tensor& from = cached.tensors[i];
    if (!from.defined() || now.sizes() != from.sizes() || now.scalar_type() != from.scalar_type())
      throw Error("the cached " + config_.method + " transform's tensor " + std::to_string(i) +
                  " does not match the model's (shape or dtype): not this model's");
  }
  for (size_t i = 0; i < slots; ++i) {
    at::Tensor& slot = *saved_[i].slot;
    slot = cached.tensors[i].to(slot.device());
  }
  inputRotations_.clear();
  for (const auto& [key, r] : cached.inputRotations) inputRotations_[key] = r.to(model_.device());
  quantized_ = cached.quantizedWeights;
  transform_ = cached;
  fromCache_ = true;
}

void QuantizedModel::quantizeWeights() {
  // GPTQ's and QuaRot's weights are quantized by the method.
  if (!config_.weight.enabled() || config_.method == "gptq" || config_.method == "quarot") return;
  std::set<const at::Tensor*> done;
  for (const auto& lw : model_.linearWeights()) {
    // The weight spec, or a precision rule's for this layer and role (mixed precision).
    const auto spec = config_.weightSpecFor(lw.layer, lw.role);
    if (!spec || !lw.weight || !lw.weight->defined()) continue;
    if (!done.insert(lw.weight).second) continue;
    std::string what = describe(lw.layer, lw.role, "weight");
    if (lw.expert >= 0) what += " (expert " + std::to_string(lw.expert) + ")";
    at::Tensor quantized = fakeQuantize(*lw.weight, *spec, what);
    saved_.push_back({lw.weight, *lw.weight});
    *lw.weight = quantized;
    ++quantized_;
  }
}

QuantizedModel::~QuantizedModel() { restore(); }

void QuantizedModel::restore() {
  if (!active_) return;
  // Newest first: a tensor replaced twice (transformed, then quantized) ends at its first original.
  for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) *it->slot = it->original;
  saved_.clear();
  if (hook_) model_.hooks().remove(hook_.get());
  hook_.reset();
  inputRotations_.clear();
  active_ = false;
}

}  // namespace qs
