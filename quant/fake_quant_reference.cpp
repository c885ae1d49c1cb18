// The reference fake quantization: plain tensor ops in the order docs/QUANT_SPEC.md writes them.
#include <ATen/ATen.h>

#include "core/base/error.h"
#include "quant/fake_quant.h"

namespace qs {

std::string shapeString(const at::Tensor& x) {
  std::string s = "[";
  for (int64_t d = 0; d < x.dim(); ++d) s += (d ? ", " : "") + std::to_string(x.size(d));
  return s + "]";
}

at::Tensor fakeQuantizeReference(const at::Tensor& x, const QuantSpec& spec, std::string_view what) {
  spec.validate(what);
  if (!spec.enabled()) return x;
  const auto dtype = x.scalar_type();
  if (dtype != at::kFloat && dtype != at::kHalf && dtype != at::kBFloat16)
    throw Error("fake quantization of " + std::string(what) + ": dtype " + std::string(c10::toString(dtype)) +
                " is not float32, float16 or bfloat16");
  const int64_t lastDim = x.dim() == 0 ? 1 : x.size(-1);
  const auto layout = groupLayout(spec, x.numel(), lastDim, std::string(what) + " " + shapeString(x));
  if (layout.groups == 0) return x.clone();
  // [groups, groupLength], float32. Divisions are by tensors: CUDA turns a division by a scalar
  // into a multiplication by its reciprocal, which is not the spec's true division.
  at::Tensor g = x.to(at::kFloat).reshape({layout.groups, layout.groupLength});
  at::Tensor out;
  if (spec.symmetric) {
    const double qmax = (1 << (spec.bits - 1)) - 1;
    const double qmin = -(1 << (spec.bits - 1));
    at::Tensor absmax = g.abs().amax(1, true);
    at::Tensor scale = absmax.clamp_min(1e-5) / at::full_like(absmax, qmax);
    at::Tensor q = at::clamp(at::round(g / scale), qmin, qmax);
    out = q * scale;
  } else {
    const double qmax = (1 << spec.bits) - 1;
    at::Tensor mx = g.amax(1, true);
    at::Tensor mn = g.amin(1, true);
    if (spec.zeroPoint == ZeroPoint::GptqRangeIncludesZero) {
      mx = mx.clamp_min(0);
      mn = mn.clamp_max(0);
    }
    at::Tensor range = mx - mn;
    at::Tensor scale = range.clamp_min(1e-5) / at::full_like(range, qmax);
    at::Tensor zero = at::clamp(at::round(-mn / scale), 0, qmax);
    at::Tensor q = at::clamp(at::round(g / scale) + zero, 0, qmax);
    out = (q - zero) * scale;
  }
  return out.reshape(x.sizes()).to(dtype);
}

}  // namespace qs
