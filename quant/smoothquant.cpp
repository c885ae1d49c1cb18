#include "quant/smoothquant.h"

#include <ATen/ATen.h>

#include "core/base/error.h"
#include "core/model/family.h"
#include "core/model/model.h"
#include "quant/calibration_capture.h"
#include "quant/scale_folding.h"

namespace qs {

void applySmoothQuant(Model& model, const at::Tensor& ids, double alpha) {
  if (!(alpha >= 0 && alpha <= 1)) throw Error("smoothquant: alpha must be in [0, 1]");
  auto groups = model.normGroups();
  if (groups.empty())
    throw Error("smoothquant: " + std::string(familyName(model.family())) +
                " (this configuration) has no norm whose output only feeds linear layers to fold scales into");
  std::set<CalibrationCapture::Key> keys;
  for (const auto& g : groups) keys.insert({g.layer, g.linears.front().role, g.linears.front().expert});
  auto capture = std::make_shared<CalibrationCapture>(keys, CalibrationCapture::Options{.absmax = true});
  feedCalibration(model, ids, capture);
  for (auto& g : groups) {
    const auto& first = g.linears.front();
    const at::Tensor xmax = capture->inputs({g.layer, first.role, first.expert}).absmax;
    at::Tensor wmax;
    for (const auto& lw : g.linears) {
      auto m = lw.weight->abs().amax(0).to(at::kFloat);
      wmax = wmax.defined() ? at::maximum(wmax, m) : m;
    }
    wmax = wmax.clamp_min(1e-5);
    const at::Tensor s = (xmax.pow(alpha) / wmax.pow(1.0 - alpha)).clamp_min(1e-5);
    foldIntoNorm(g, s.to(first.weight->device()));
  }
}

}  // namespace qs
