#include "quant/quarot.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <set>
#include <string>

#include "core/base/error.h"
#include "core/model/family.h"
#include "quant/fake_quant.h"
#include "quant/rotation.h"
#include "quant/scale_folding.h"

namespace qs {
namespace {

// The rotations around one linear's weight: W~ = L q_w(L^T W R) R^T (undefined = identity).
struct WeightRotation {
  at::Tensor left;   // [out, out]: Q for a linear writing into the residual
  at::Tensor right;  // [in, in]: Q for one reading the normed residual, H before down_proj
};

bool writesResidual(TensorRole role) {
  return role == TensorRole::OutProj || role == TensorRole::DownProj || role == TensorRole::Fc2;
}

// A rotation commutes with x / rms(x) but not with LayerNorm's mean subtraction and bias.
void refuseUnlessRmsNorm(Model& model, const std::vector<NormGroup>& groups) {
  const std::string family(familyName(model.family()));
  const bool layerNorm = model.config().layout.norm == NormKind::LayerNorm ||
                         std::any_of(groups.begin(), groups.end(), [](const NormGroup& g) { return g.kind == NormKind::LayerNorm; });
  if (layerNorm)
    throw Error("quarot needs RMSNorm (LayerNorm's mean subtraction and bias do not commute with a rotation): " +
                family + " uses LayerNorm");
  if (groups.empty())
    throw Error("quarot needs RMSNorm folded into the linears that read it, outside the residual stream: " + family +
                " has no such norm (no attention / MLP block to rotate)");
}

// QuaRot's first step: the norm's scale moves into the linears it feeds, the norm keeps x / rms(x).
void foldNormScale(NormGroup& group) {
  at::Tensor s = group.weight->to(at::kFloat);
  if (group.kind == NormKind::RmsNormPlusOne) s = s + 1.0;
  // A zero scale cannot be divided out; those channels are zero whatever the linears do.
  s = at::where(s == 0, at::ones_like(s), s);
  foldIntoNorm(group, s);
}

std::string describe(const LinearWeight& lw) {
  std::string s = lw.layer < 0 ? std::string() : "layer " + std::to_string(lw.layer) + " ";
  s += std::string(roleName(lw.role)) + " weight";
  if (lw.expert >= 0) s += " (expert " + std::to_string(lw.expert) + ")";
  return s;
}

// W~ = L q_w(L^T W R) R^T for each linear whose weight the configuration quantizes (plain q_w(W)
// for one without rotations); returns how many were quantized.
int quantizeWeights(Model& model, const QuantConfig& config, const std::map<const at::Tensor*, WeightRotation>& rotations,
                    const RotatedWeightQuantizer& quantize) {
  int count = 0;
  std::set<const at::Tensor*> done;
  for (const auto& lw : model.linearWeights()) {
    const auto spec = config.weightSpecFor(lw.layer, lw.role);
    if (!spec || !lw.weight || !lw.weight->defined() || !done.insert(lw.weight).second) continue;
    const auto it = rotations.find(lw.weight);
    if (it == rotations.end()) {  // not rotated (e.g. a linear outside every norm group): plain RTN
      *lw.weight = quantize ? quantize(lw, *lw.weight) : fakeQuantize(*lw.weight, *spec, describe(lw));
    } else {
      const auto& [left, right] = it->second;
      at::Tensor w = lw.weight->to(at::kFloat);  // [out, in]
      if (left.defined()) w = at::matmul(left.t(), w);
      if (right.defined()) w = at::matmul(w, right);
      w = quantize ? quantize(lw, w) : fakeQuantize(w, *spec, describe(lw) + " (rotated)");
      if (left.defined()) w = at::matmul(left, w);
      if (right.defined()) w = at::matmul(w, right.t());
      *lw.weight = w.to(lw.weight->scalar_type());
    }
    ++count;
  }
  return count;
}

}  // namespace

QuaRotResult applyQuaRot(Model& model, const QuantConfig& config, uint64_t seed,
                         const RotatedWeightQuantizer& quantize) {
  auto groups = model.normGroups();
  refuseUnlessRmsNorm(model, groups);
  if (auto head = model.finalNormGroup()) groups.push_back(*head);

  const auto device = model.device();
  const int64_t hidden = model.config().hiddenSize;
  std::map<int64_t, at::Tensor> bySize;  // one rotation per size: Q for the residual, H per MLP width
  auto rotation = [&](int64_t n) -> const at::Tensor& {
    auto [it, fresh] = bySize.try_emplace(n);
    if (fresh) it->second = randomOrthogonal(n, seed).to(device);
    return it->second;
  };
  const at::Tensor& q = rotation(hidden);
  // A KV-only configuration quantizes no linear: nothing is folded or rotated then.
  const bool quantizesLinears = config.weight.enabled() || config.activation.enabled();
  auto selected = [&](const LinearWeight& lw) { return quantizesLinears && config.selectsLinear(lw.layer, lw.role); };
  const bool rotateInputs = config.activation.enabled();

  QuaRotResult result;
  std::map<const at::Tensor*, WeightRotation> rotations;
  for (auto& g : groups) {
    if (std::none_of(g.linears.begin(), g.linears.end(), selected)) continue;  // unquantized: untouched
    foldNormScale(g);
    for (const auto& lw : g.linears) {
      if (!selected(lw) || lw.weight->size(1) != hidden) continue;
      rotations[lw.weight].right = q;
      if (rotateInputs) result.inputRotations[{lw.layer, lw.role, lw.expert}] = q.to(model.dtype());
    }
  }
  for (const auto& lw : model.linearWeights()) {
    if (!selected(lw) || !writesResidual(lw.role) || lw.weight->size(0) != hidden) continue;
    auto& r = rotations[lw.weight];
    r.left = q;
    // The attention output before o_proj and the MLP's inner activations get the online H.
    r.right = rotation(lw.weight->size(1));
    if (rotateInputs) result.inputRotations[{lw.layer, lw.role, lw.expert}] = r.right.to(model.dtype());
  }

  if (config.kv.enabled() && model.capabilities().hasKvCache) {
    const auto& a = model.config().attention;
    const int64_t headDim = a.headDim > 0 ? a.headDim : model.config().hiddenSize / std::max(1, a.numHeads);
    result.inputRotations[kKvRotationKey] = rotation(headDim).to(model.dtype());
  }
  result.quantizedWeights = quantizeWeights(model, config, rotations, quantize);
  return result;
}

}  // namespace qs
