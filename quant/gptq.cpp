#include "quant/gptq.h"

#include <ATen/ATen.h>

#include <map>
#include <set>

#include "core/base/error.h"
#include "core/model/model.h"
#include "quant/calibration_capture.h"
#include "quant/fake_quant.h"

namespace qs {
namespace {

// Scale and zero point per row of a [rows, cols] block, as QUANT_SPEC defines them.
struct GroupParams {
  at::Tensor scale, zero;  // [rows, 1]
};

GroupParams groupParams(const at::Tensor& block, const QuantSpec& spec) {
  if (spec.symmetric) {
    const double qmax = (1 << (spec.bits - 1)) - 1;
    const at::Tensor absmax = block.abs().amax(1, true);
    return {absmax.clamp_min(1e-5) / at::full_like(absmax, qmax), at::Tensor()};
  }
  const double qmax = (1 << spec.bits) - 1;
  at::Tensor mx = block.amax(1, true), mn = block.amin(1, true);
  if (spec.zeroPoint == ZeroPoint::GptqRangeIncludesZero) {
    mx = mx.clamp_min(0);
    mn = mn.clamp_max(0);
  }
  const at::Tensor range = mx - mn;
  const at::Tensor scale = range.clamp_min(1e-5) / at::full_like(range, qmax);
  return {scale, at::clamp(at::round(-mn / scale), 0, qmax)};
}

// One column [rows, 1] quantized and dequantized with its group's parameters.
at::Tensor quantizeColumn(const at::Tensor& w, const GroupParams& p, const QuantSpec& spec) {
  if (spec.symmetric) {
    const double qmax = (1 << (spec.bits - 1)) - 1, qmin = -(1 << (spec.bits - 1));
    return at::clamp(at::round(w / p.scale), qmin, qmax) * p.scale;
  }
  const double qmax = (1 << spec.bits) - 1;
  return (at::clamp(at::round(w / p.scale) + p.zero, 0, qmax) - p.zero) * p.scale;
}

}  // namespace

at::Tensor gptqQuantize(const at::Tensor& weight, const at::Tensor& hIn, const QuantSpec& spec,
                        const GptqOptions& options) {
  if (spec.granularity == Granularity::PerTensor || spec.granularity == Granularity::PerToken)
    throw Error("gptq: weights are quantized per channel or per group, not " +
                std::string(granularityName(spec.granularity)));
  at::Tensor W = weight.to(at::kFloat).clone();
  at::Tensor H = hIn.to(at::kFloat).clone();
  const int64_t cols = W.size(1);
  const int64_t group = spec.granularity == Granularity::PerGroup ? spec.groupSize : cols;
  if (cols % group != 0)
    throw Error("gptq: group size " + std::to_string(group) + " does not divide the " + std::to_string(cols) +
                " input features");
  // Columns no calibration input reached: fixed to zero, as the reference does.
  const at::Tensor dead = H.diagonal() == 0;
  H.diagonal().masked_fill_(dead, 1.0);
  W.masked_fill_(dead.unsqueeze(0), 0.0);
  at::Tensor perm;
  if (options.actOrder) {
    perm = at::argsort(H.diagonal(), 0, /*descending=*/true);
    W = W.index_select(1, perm);
    H = H.index_select(0, perm).index_select(1, perm);
  }
  H.diagonal().add_(options.dampening * H.diagonal().mean().item<double>());
  // Upper Cholesky factor of H^-1.
  at::Tensor L = at::linalg_cholesky(H);
  at::Tensor Hinv = at::cholesky_inverse(L);
  Hinv = at::linalg_cholesky(Hinv).t().contiguous();

  at::Tensor Q = at::zeros_like(W);
  GroupParams params;
  if (group == cols) params = groupParams(W, spec);
  for (int64_t i1 = 0; i1 < cols; i1 += options.blockSize) {
    const int64_t i2 = std::min(i1 + options.blockSize, cols), count = i2 - i1;
    at::Tensor W1 = W.narrow(1, i1, count).clone();
    at::Tensor Err1 = at::zeros_like(W1);
    const at::Tensor Hinv1 = Hinv.narrow(0, i1, count).narrow(1, i1, count);
    for (int64_t i = 0; i < count; ++i) {
      // The reference reads the group from W, whose columns in this block are not yet updated by
      // the block's own errors (equal to W1 when the group starts the block, as with g128).
      if (group != cols && (i1 + i) % group == 0) params = groupParams(W.narrow(1, i1 + i, group), spec);
      const at::Tensor w = W1.narrow(1, i, 1);
      const at::Tensor q = quantizeColumn(w, params, spec);
      Q.narrow(1, i1 + i, 1).copy_(q);
      const at::Tensor err = (w - q) / Hinv1[i][i];
      W1.narrow(1, i, count - i).sub_(at::matmul(err, Hinv1.narrow(0, i, 1).narrow(1, i, count - i)));
      Err1.narrow(1, i, 1).copy_(err);
    }
    if (i2 < cols) W.narrow(1, i2, cols - i2).sub_(at::matmul(Err1, Hinv.narrow(0, i1, count).narrow(1, i2, cols - i2)));
  }
  if (options.actOrder) Q = Q.index_select(1, at::argsort(perm));
  return Q;
}

int applyGptq(Model& model, const at::Tensor& ids, const QuantSpec& spec,
              const std::function<bool(int, TensorRole)>& selected, const GptqOptions& options) {
  // Decoder layers in order, then the layer -1 linears (lm_head) when a rule selects them.
  auto order = [](int a, int b) { return (a < 0) != (b < 0) ? b < 0 : a < b; };
  std::map<int, std::vector<LinearWeight>, decltype(order)> byLayer(order);
  for (const auto& lw : model.linearWeights())
    if (lw.weight && lw.weight->defined() && selected(lw.layer, lw.role)) byLayer[lw.layer].push_back(lw);
  int quantized = 0;
  for (auto& [layer, linears] : byLayer) {
    // Inputs of this layer's linears given the layers before it, already quantized.
    std::set<CalibrationCapture::Key> keys;
    for (const auto& lw : linears) keys.insert({lw.layer, lw.role, lw.expert});
    auto capture = std::make_shared<CalibrationCapture>(keys, CalibrationCapture::Options{.gram = true});
    feedCalibration(model, ids, capture);
    for (const auto& lw : linears) {
      // An expert no calibration token reached has no Hessian: identity, i.e. round-to-nearest.
      const auto* in = capture->find({lw.layer, lw.role, lw.expert});
      const int64_t cols = lw.weight->size(1);
      const at::Tensor h = in ? in->gram * (2.0 / static_cast<double>(std::max<int64_t>(in->rows, 1)))
                              : at::eye(cols, at::TensorOptions().dtype(at::kFloat));
      *lw.weight = gptqQuantize(*lw.weight, h.to(lw.weight->device()), spec, options).to(lw.weight->scalar_type());
      ++quantized;
    }
  }
  return quantized;
}

}  // namespace qs
