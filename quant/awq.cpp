#include "quant/awq.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

#include "core/base/error.h"
#include "core/model/family.h"
#include "core/model/model.h"
#include "quant/calibration_capture.h"
#include "quant/fake_quant.h"
#include "quant/scale_folding.h"

namespace qs {
namespace {

using Key = CalibrationCapture::Key;

Key keyOf(const LinearWeight& lw) { return {lw.layer, lw.role, lw.expert}; }

// Error of the quantized outputs of `linears` on inputs x (already in the candidate's scaled
// space when s is given): sum of mean squared errors against the unquantized outputs.
double scaledError(const std::vector<LinearWeight>& linears, const at::Tensor& x, const at::Tensor& s,
                   const QuantSpec& spec, const std::function<bool(int, TensorRole)>& selected) {
  double total = 0;
  for (const auto& lw : linears) {
    if (!selected(lw.layer, lw.role)) continue;
    const at::Tensor w = lw.weight->to(at::kFloat);
    const at::Tensor reference = at::matmul(x, w.t());
    const at::Tensor q = fakeQuantize(w * s.unsqueeze(0), spec, "awq search") / s.unsqueeze(0);
    total += (at::matmul(x, q.t()) - reference).pow(2).mean().item<double>();
  }
  return total;
}

// The best s for inputs x of `linears` (llm-awq's auto_scale grid search).
at::Tensor searchScale(const std::vector<LinearWeight>& linears, const CalibrationCapture::Inputs& in,
                       const QuantSpec& spec, const std::function<bool(int, TensorRole)>& selected,
                       const std::vector<double>& alphas) {
  const at::Tensor meanAbs = in.sumAbs / static_cast<double>(std::max<int64_t>(in.rows, 1));
  at::Tensor best;
  double bestError = std::numeric_limits<double>::infinity();
  for (double a : alphas) {
    at::Tensor s = meanAbs.pow(a).clamp_min(1e-4);
    s = s / (s.max() * s.min()).sqrt();
    const double e = scaledError(linears, in.sample, s, spec, selected);
    if (e < bestError) bestError = e, best = s;
  }
  return best;
}

// llm-awq's auto_clip: per output row and group, the max |w| (shrunk by 0, 1/20, ..., 9/20) whose
// quantized partial outputs on x are closest to the unquantized ones; the weight is clamped to it.
void clipWeight(const LinearWeight& lw, const at::Tensor& x, const QuantSpec& spec) {
  const at::Tensor w = lw.weight->to(at::kFloat);
  const int64_t rows = w.size(0), cols = w.size(1);
  const int64_t group = spec.granularity == Granularity::PerGroup ? spec.groupSize : cols;
  if (spec.granularity == Granularity::PerTensor || cols % group != 0) return;  // nothing per group to clip
  const int64_t groups = cols / group, n = x.size(0);
  const at::Tensor xg = x.view({1, n, groups, group});
  std::vector<at::Tensor> clipped;
  const int64_t batch = rows % 256 == 0 ? 256 : 64;
  for (int64_t r0 = 0; r0 < rows; r0 += batch) {
    const int64_t nr = std::min(batch, rows - r0);
    const at::Tensor wb = w.narrow(0, r0, nr).view({nr, 1, groups, group});
    const at::Tensor reference = (xg * wb).sum(-1);      // [nr, n, groups]
    const at::Tensor orgMax = wb.abs().amax(-1, true);   // [nr, 1, groups, 1]
    at::Tensor bestMax = orgMax.clone();
    at::Tensor minErr = at::full({nr, 1, groups, 1}, std::numeric_limits<float>::infinity());
    for (int i = 0; i < 10; ++i) {
      const at::Tensor maxVal = orgMax * (1.0 - i / 20.0);
      const at::Tensor cur = at::maximum(at::minimum(wb, maxVal), -maxVal);
      const at::Tensor q = fakeQuantize(cur.reshape({nr, cols}), spec, "awq clip").view({nr, 1, groups, group});
      const at::Tensor err = ((xg * q).sum(-1) - reference).pow(2).mean(1).view({nr, 1, groups, 1});
      const at::Tensor better = err < minErr;
      minErr = at::where(better, err, minErr);
      bestMax = at::where(better, maxVal, bestMax);
    }
    clipped.push_back(at::maximum(at::minimum(wb, bestMax), -bestMax).reshape({nr, cols}));
  }
  *lw.weight = at::cat(clipped).to(lw.weight->scalar_type());
}

}  // namespace

void applyAwq(Model& model, const at::Tensor& ids, const QuantSpec& spec,
              const std::function<bool(int, TensorRole)>& selected, const AwqOptions& options) {
  auto groups = model.normGroups();
  auto chains = model.linearChains();
  if (groups.empty())
    throw Error("awq: " + std::string(familyName(model.family())) +
                " (this configuration) has no norm whose output only feeds linear layers to fold scales into");
  std::vector<double> alphas = options.alphas;
  if (alphas.empty())
    for (int i = 0; i < 20; ++i) alphas.push_back(i / 20.0);

  // Every selected linear's inputs: the scale searches need the groups' and chains' inputs, the
  // clipping every linear's own.
  std::set<Key> keys;
  for (const auto& g : groups)
    for (const auto& lw : g.linears) keys.insert(keyOf(lw));
  for (const auto& c : chains) keys.insert(keyOf(c.consumer));
  auto capture = std::make_shared<CalibrationCapture>(
      keys, CalibrationCapture::Options{.meanAbs = true, .sampleRows = options.sampleRows});
  feedCalibration(model, ids, capture);
  // Inputs as the linears will see them after the folds (divided by the scales).
  std::map<Key, at::Tensor> samples;
  for (const auto& k : keys) samples[k] = capture->inputs(k).sample;

  for (auto& g : groups) {
    const auto& first = capture->inputs(keyOf(g.linears.front()));
    // Only the linears that read the group's input as it is (experts see their tokens only).
    std::vector<LinearWeight> shared;
    for (const auto& lw : g.linears)
      if (lw.expert < 0) shared.push_back(lw);
    const at::Tensor s = searchScale(shared, first, spec, selected, alphas);
    foldIntoNorm(g, s.to(g.weight->device()));
    for (const auto& lw : g.linears) samples[keyOf(lw)] = samples[keyOf(lw)] / s;
  }
  for (auto& c : chains) {
    const Key k = keyOf(c.consumer);
    CalibrationCapture::Inputs in = capture->inputs(k);
    in.sample = samples[k];
    const at::Tensor s = searchScale({c.consumer}, in, spec, selected, alphas);
    foldIntoChain(c, s.to(c.consumer.weight->device()));
    samples[k] = samples[k] / s;
  }
  if (!options.clip) return;
  for (auto& [k, x] : samples) {
    const auto& [layer, role, expert] = k;
    if (role == TensorRole::QProj || role == TensorRole::KProj || !selected(layer, role)) continue;
    for (const auto& lw : model.linearWeights())
      if (keyOf(lw) == k) clipWeight(lw, x, spec);
  }
}

}  // namespace qs
