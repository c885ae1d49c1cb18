#include "tasks/linear_quant_error.h"

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <tuple>

#include "core/base/error.h"
#include "core/model/model.h"
#include "quant/calibration_capture.h"
#include "quant/quant_error.h"
#include "quant/quantized_model.h"

namespace qs {
namespace {

using Key = std::tuple<int, TensorRole, int>;  // layer, role, expert

struct MeasuredLinear {
  at::Tensor weight;     // the original [out, in]
  at::Tensor quantized;  // as the configuration stores it (the original when W is not quantized)
  at::Tensor bias;       // undefined when there is none
  RelativeErrorSum output;
};

// A read-only hook on the FP model: at each measured linear, y_fp and y_q from the same input.
class OutputErrorHook : public TensorHook {
 public:
  OutputErrorHook(std::map<Key, MeasuredLinear>& linears, const QuantConfig& config)
      : linears_(linears), activationQuant_(makeFakeQuantHook(config)) {}

  void operator()(const HookPoint& point, at::Tensor& x) override {
    if (point.kind != TensorKind::Activation) return;
    const auto it = linears_.find({point.layer, point.role, point.expert});
    if (it == linears_.end()) return;
    MeasuredLinear& m = it->second;
    at::Tensor xq = x;
    (*activationQuant_)(point, xq);  // the configuration's q_a, exactly as a quantized forward applies it
    m.output.add(at::linear(xq, m.quantized, m.bias), at::linear(x, m.weight, m.bias));
  }

 private:
  std::map<Key, MeasuredLinear>& linears_;
  std::shared_ptr<TensorHook> activationQuant_;
};

}  // namespace

void requireOriginalBasis(const QuantConfig& config) {
  if (config.method == "rtn" || config.method == "gptq") return;
  throw Error("quant config '" + config.name() + "': method " + config.method +
              " moves scales or rotations between tensors, so a linear's error in the original basis is not "
              "defined; measure rtn or gptq configurations");
}

std::vector<LinearQuantError> measureQuantErrors(Model& model, const QuantConfig& config, const at::Tensor& ids,
                                                 const CancelToken* cancel, uint64_t seed) {
  requireOriginalBasis(config);
  std::map<Key, MeasuredLinear> linears;
  std::vector<Key> order;
  for (const auto& lw : model.linearWeights()) {
    if (!lw.weight || !lw.weight->defined() || !config.selectsLinear(lw.layer, lw.role)) continue;
    if (!config.weightSpecFor(lw.layer, lw.role) && !config.activation.enabled()) continue;
    const Key key{lw.layer, lw.role, lw.expert};
    if (!linears.try_emplace(key).second) continue;
    MeasuredLinear& m = linears[key];
    m.weight = *lw.weight;
    if (lw.bias && lw.bias->defined()) m.bias = *lw.bias;
    order.push_back(key);
  }
  if (linears.empty()) throw Error("quant config '" + config.name() + "' quantizes no linear of this model");
  {
    // The quantized weights, kept after the originals are restored (tensors are replaced, never edited).
    QuantizedModel quantized(model, config, ids, seed);
    for (const auto& lw : model.linearWeights()) {
      auto it = linears.find({lw.layer, lw.role, lw.expert});
      if (it != linears.end()) it->second.quantized = *lw.weight;
    }
  }
  feedCalibration(model, ids, std::make_shared<OutputErrorHook>(linears, config), cancel);

  std::vector<LinearQuantError> out;
  for (const auto& key : order) {
    const MeasuredLinear& m = linears.at(key);
    LinearQuantError e;
    std::tie(e.layer, e.role, e.expert) = key;
    if (config.weightSpecFor(e.layer, e.role)) e.weightRelError = relativeError(m.quantized, m.weight);
    e.outputRelError = m.output.relativeError();
    e.outputRows = m.output.rows();
    out.push_back(e);
  }
  return out;
}

std::vector<QuantErrorRecord> quantErrorRecords(const std::vector<LinearQuantError>& errors, int64_t modelId,
                                                const std::string& quantName, const std::string& calibration) {
  std::vector<QuantErrorRecord> out;
  for (const auto& e : errors) {
    QuantErrorRecord r;
    r.modelId = modelId;
    r.quantName = quantName;
    r.calibration = calibration;
    r.layer = e.layer;
    r.role = std::string(roleName(e.role));
    r.expert = e.expert;
    r.weightRelError = e.weightRelError;
    if (e.weightRelError) r.weightSqnrDb = sqnrDb(*e.weightRelError);
    r.outputRelError = e.outputRelError;
    if (e.outputRelError) r.outputSqnrDb = sqnrDb(*e.outputRelError);
    out.push_back(r);
  }
  return out;
}

}  // namespace qs
