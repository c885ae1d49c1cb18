// The reference fake quantization: plain tensor ops in the order docs/QUANT_SPEC.md writes them.
#include <ATen/ATen.h>

#include "core/base/error.h"
#include "quant/fake_quant.h"

namespace qs {
namespace {

// roundToGrid (number_formats.h) in tensor ops: the binade from frexp, the step 2^(e - m) built
// from its float32 bits, at::round for ties to even.
at::Tensor roundToGridReference(const at::Tensor& y, const ElementGrid& grid) {
  const at::Tensor a = y.abs().clamp_max(grid.maxValue);
  const at::Tensor binade = (std::get<1>(at::frexp(a)) - 1).clamp_min(grid.minExponent);  // floor(log2 a)
  const at::Tensor step = ((binade - grid.mantissaBits + 127) * (1 << 23)).to(at::kInt).view(at::kFloat);
  return at::copysign(at::round(a / step) * step, y);
}

// 2^e for integer exponents in [-127, 127], exactly (2^-127 is a float32 subnormal).
at::Tensor powerOfTwo(const at::Tensor& e) {
  const at::Tensor normal = ((e.clamp_min(-126) + 127) * (1 << 23)).to(at::kInt).view(at::kFloat);
  return at::where(e >= -126, normal, at::full_like(normal, 0x1p-127f));
}

// g: [groups, groupLength] float32. The non-integer formats of quant_spec.h.
at::Tensor formatReference(const at::Tensor& g, const QuantSpec& spec) {
  const at::Tensor absmax = g.abs().amax(1, true);
  if (spec.format == NumberFormat::Nf4) {
    std::vector<float> levels(16), midpoints(15);
    for (int i = 0; i < 16; ++i) levels[i] = nf4Level(i);
    for (int i = 0; i < 15; ++i) midpoints[i] = nf4Midpoint(i);
    const at::Tensor scale = absmax.clamp_min(1e-5);
    const at::Tensor y = g / scale;
    const at::Tensor index = (y.unsqueeze(-1) > at::tensor(midpoints)).sum(-1);
    return at::tensor(levels).index({index}) * scale;
  }
  const ElementGrid grid = elementGrid(spec.format);
  if (isFp8(spec.format)) {
    const at::Tensor scale = absmax.clamp_min(1e-5) / at::full_like(absmax, grid.maxValue);
    return roundToGridReference(g / scale, grid) * scale;
  }
  // MX: shared exponent floor(log2(absmax)) - emax_elem, in the E8M0 range.
  const at::Tensor shared = (std::get<1>(at::frexp(absmax)) - 1 - grid.maxExponent).clamp(-127, 127);
  const at::Tensor scale = powerOfTwo(shared);
  return roundToGridReference(g / scale, grid) * scale;
}

}  // namespace

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
  if (spec.format != NumberFormat::Int) {
    out = formatReference(g, spec);
  } else if (spec.symmetric) {
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
