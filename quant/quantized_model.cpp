#include "quant/quantized_model.h"

#include <ATen/ATen.h>

#include "core/base/error.h"
#include "core/model/family.h"
#include "core/model/model.h"
#include "quant/fake_quant.h"

namespace qs {
namespace {

std::string describe(int layer, TensorRole role, std::string_view kind) {
  std::string s = layer < 0 ? std::string() : "layer " + std::to_string(layer) + " ";
  return s + std::string(roleName(role)) + " " + std::string(kind);
}

class FakeQuantHook : public TensorHook {
 public:
  explicit FakeQuantHook(const QuantConfig& config) : config_(config) {}

  void operator()(const HookPoint& point, at::Tensor& x) override {
    switch (point.kind) {
      case TensorKind::Activation:
        if (config_.activation.enabled() && config_.selectsLinear(point.layer, point.role))
          x = fakeQuantize(x, config_.activation, describe(point.layer, point.role, "input"));
        break;
      case TensorKind::Key:
      case TensorKind::Value:
        if (config_.kv.enabled() && config_.selectsKv(point.layer))
          x = fakeQuantize(x, kvSpecForHeadDim(config_.kv, x.size(-1)),
                           describe(point.layer, point.role, kindName(point.kind)));
        break;
      case TensorKind::Weight:
        break;
    }
  }

 private:
  QuantConfig config_;
};

}  // namespace

QuantSpec kvSpecForHeadDim(const QuantSpec& kv, int64_t headDim) {
  QuantSpec s = kv;
  if (s.granularity == Granularity::PerGroup && s.groupSize > headDim) s.granularity = Granularity::PerChannel;
  return s;
}

std::shared_ptr<TensorHook> makeFakeQuantHook(const QuantConfig& config) {
  return std::make_shared<FakeQuantHook>(config);
}

QuantizedModel::QuantizedModel(Model& model, const QuantConfig& config)
    : model_(model), config_(config.normalized()) {
  config_.validate();
  // Without a KV cache a KV configuration would silently equal FP16: refuse it instead.
  if (config_.kv.enabled() && !model_.capabilities().hasKvCache)
    throw Error(model_.directory().string() + ": " + std::string(familyName(model_.family())) +
                " has no KV cache, so KV-cache quantization (" + config_.name() + ") does not apply");
  if (config_.method != "rtn")
    throw Error("quantization method '" + config_.method +
                "' needs its calibration step; QuantizedModel applies round-to-nearest (rtn) only");
  if (config_.weight.enabled()) {
    for (const auto& lw : model_.linearWeights()) {
      if (!config_.selectsLinear(lw.layer, lw.role) || !lw.weight || !lw.weight->defined()) continue;
      bool seen = false;
      for (const auto& s : saved_) seen = seen || s.slot == lw.weight;
      if (seen) continue;
      std::string what = describe(lw.layer, lw.role, "weight");
      if (lw.expert >= 0) what += " (expert " + std::to_string(lw.expert) + ")";
      at::Tensor quantized;
      try {
        quantized = fakeQuantize(*lw.weight, config_.weight, what);
      } catch (const Error&) {
        for (auto& s : saved_) *s.slot = s.original;  // leave the model untouched
        saved_.clear();
        throw;
      }
      saved_.push_back({lw.weight, *lw.weight});
      *lw.weight = quantized;
    }
  }
  if (config_.activation.enabled() || config_.kv.enabled()) {
    hook_ = makeFakeQuantHook(config_);
    model_.hooks().add(hook_);
  }
  active_ = true;
}

QuantizedModel::~QuantizedModel() { restore(); }

void QuantizedModel::restore() {
  if (!active_) return;
  for (auto& s : saved_) *s.slot = s.original;
  saved_.clear();
  if (hook_) model_.hooks().remove(hook_.get());
  hook_.reset();
  active_ = false;
}

}  // namespace qs
