#include "quant/calibration_capture.h"

#include <ATen/ATen.h>

#include "core/base/error.h"
#include "core/model/model.h"

namespace qs {

void CalibrationCapture::operator()(const HookPoint& point, at::Tensor& x) {
  if (point.kind != TensorKind::Activation) return;
  const Key key{point.layer, point.role, point.expert};
  if (!keys_.count(key)) return;
  auto rows = x.detach().reshape({-1, x.size(-1)}).to(at::kFloat);
  std::lock_guard lock(mutex_);
  auto& in = inputs_[key];
  if (options_.absmax) {
    auto m = rows.abs().amax(0);
    in.absmax = in.absmax.defined() ? at::maximum(in.absmax, m) : m;
  }
  if (options_.meanAbs) {
    auto s = rows.abs().sum(0);
    in.sumAbs = in.sumAbs.defined() ? in.sumAbs + s : s;
  }
  if (options_.sampleRows > 0) {
    const int64_t have = in.sample.defined() ? in.sample.size(0) : 0;
    const int64_t take = std::min<int64_t>(options_.sampleRows - have, rows.size(0));
    if (take > 0) {
      auto part = rows.narrow(0, 0, take).contiguous();
      in.sample = in.sample.defined() ? at::cat({in.sample, part}) : part;
    }
  }
  if (options_.gram) {
    auto g = at::matmul(rows.t(), rows);
    in.gram = in.gram.defined() ? in.gram + g : g;
  }
  in.rows += rows.size(0);
}

const CalibrationCapture::Inputs* CalibrationCapture::find(const Key& key) const {
  std::lock_guard lock(mutex_);
  auto it = inputs_.find(key);
  return it == inputs_.end() ? nullptr : &it->second;
}

const CalibrationCapture::Inputs& CalibrationCapture::inputs(const Key& key) const {
  std::lock_guard lock(mutex_);
  auto it = inputs_.find(key);
  if (it == inputs_.end())
    throw Error("calibration: layer " + std::to_string(std::get<0>(key)) + " " +
                std::string(roleName(std::get<1>(key))) + " received no input from the calibration text");
  return it->second;
}

void feedCalibration(Model& model, const at::Tensor& ids, const std::shared_ptr<TensorHook>& hook,
                     const CancelToken* cancel) {
  if (!ids.defined() || ids.dim() != 2 || ids.size(0) == 0) throw Error("calibration: no calibration sequences");
  struct Scoped {
    Model& model;
    const TensorHook* hook;
    ~Scoped() { model.hooks().remove(hook); }
  } scoped{model, hook.get()};
  model.hooks().add(hook);
  for (int64_t i = 0; i < ids.size(0); ++i) {
    if (cancel) cancel->throwIfCancelled();
    model.forward(ids.narrow(0, i, 1));
  }
}

}  // namespace qs
