// The fused CPU fake-quantization kernel: per group, one min/max sweep and one quantize sweep over
// the same (cache-resident) run of elements, vectorised, groups spread over threads.
// Bit-exact with fake_quant_reference.cpp: true float32 divisions, round half to even, no FMA
// contraction (this file is built with -ffp-contract=off), the same clamp order.
// Plain stores: non-temporal stores through an L1 tile measured slower here (13 vs 17 GB/s per core).
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>


#include "core/base/error.h"
#include "quant/fake_quant.h"
#include "quant/fake_quant_kernels.h"

// One clone per instruction set, chosen by the loader from the CPU's features (GCC ifunc).
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define QS_CPU_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define QS_CPU_CLONES
#endif

namespace qs::fq {
namespace {

constexpr float kRangeFloor = 1e-5f;  // the spec's floor on the range / absmax, as float32
constexpr float kIntegerBound = 8388608.f;  // 2^23: every float at or above it is an integer

// Adding and removing 2^23 rounds |y| < 2^23 to an integer in the current (nearest-even) mode;
// copysign keeps -0 for small negatives as nearbyint does. Vectorises without SSE4.1.
inline float roundEven(float y) {
  const float a = std::fabs(y);
  float r = (a + kIntegerBound) - kIntegerBound;
  r = a < kIntegerBound ? r : a;
  return std::copysign(r, y);
}

// Parameters of the float32 clamp min(max(v, lo), hi) as at::clamp applies it.
inline float clampTo(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

}  // namespace

float roundHalfEven(float y) { return roundEven(y); }

GroupParams groupParams(Range range, const QuantSpec& spec) {
  GroupParams p{};
  p.symmetric = spec.symmetric;
  p.format = spec.format;
  if (spec.format != NumberFormat::Int) {
    const float absmax = std::max(std::fabs(range.min), std::fabs(range.max));
    if (spec.format == NumberFormat::Nf4) {
      p.scale = std::max(absmax, kRangeFloor);
      return p;
    }
    p.grid = elementGrid(spec.format);
    p.scale = isFp8(spec.format) ? std::max(absmax, kRangeFloor) / p.grid.maxValue
                                 : mxScale(mxSharedExponent(absmax, p.grid));
    return p;
  }
  if (spec.symmetric) {
    p.qmax = static_cast<float>((1 << (spec.bits - 1)) - 1);
    p.qmin = -static_cast<float>(1 << (spec.bits - 1));
    const float absmax = std::max(std::fabs(range.min), std::fabs(range.max));
    p.scale = std::max(absmax, kRangeFloor) / p.qmax;
    p.zero = 0.f;
    return p;
  }
  p.qmax = static_cast<float>((1 << spec.bits) - 1);
  p.qmin = 0.f;
  float mn = range.min, mx = range.max;
  if (spec.zeroPoint == ZeroPoint::GptqRangeIncludesZero) {
    mn = std::min(mn, 0.f);
    mx = std::max(mx, 0.f);
  }
  p.scale = std::max(mx - mn, kRangeFloor) / p.qmax;
  p.zero = clampTo(roundEven(-mn / p.scale), 0.f, p.qmax);
  return p;
}

namespace {

#define QS_INLINE inline __attribute__((always_inline))

// GCC's vectoriser leaves an `omp simd` min/max reduction scalar; explicit vectors (two AVX2
// registers per bound, or four SSE ones in the baseline clone) keep the loads the only limit.
QS_INLINE Range rangeImpl(const float* x, int64_t n) {
  typedef float Vec __attribute__((vector_size(32)));
  constexpr int64_t kLanes = 8;
  Vec mn0 = Vec{} + x[0], mx0 = mn0, mn1 = mn0, mx1 = mn0;
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    Vec a, b;
    std::memcpy(&a, x + i, sizeof a);
    std::memcpy(&b, x + i + kLanes, sizeof b);
    mn0 = a < mn0 ? a : mn0;
    mx0 = a > mx0 ? a : mx0;
    mn1 = b < mn1 ? b : mn1;
    mx1 = b > mx1 ? b : mx1;
  }
  mn0 = mn1 < mn0 ? mn1 : mn0;
  mx0 = mx1 > mx0 ? mx1 : mx0;
  float mn = x[0], mx = x[0];
  for (int64_t l = 0; l < kLanes; ++l) {
    mn = std::min(mn, mn0[l]);
    mx = std::max(mx, mx0[l]);
  }
  for (; i < n; ++i) {
    mn = std::min(mn, x[i]);
    mx = std::max(mx, x[i]);
  }
  return {mn, mx};
}

QS_INLINE void quantizeImpl(const float* x, float* out, int64_t n, const GroupParams& p) {
  const float scale = p.scale, zero = p.zero, qmin = p.qmin, qmax = p.qmax;
  if (p.format == NumberFormat::Nf4) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = roundToNf4(x[i] / scale) * scale;
  } else if (p.format != NumberFormat::Int) {
    const ElementGrid grid = p.grid;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = roundToGrid(x[i] / scale, grid) * scale;
  } else if (p.symmetric) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) out[i] = clampTo(roundEven(x[i] / scale), qmin, qmax) * scale;
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const float q = clampTo(roundEven(x[i] / scale) + zero, 0.f, qmax);
      out[i] = (q - zero) * scale;
    }
  }
}

}  // namespace

QS_CPU_CLONES Range rangeOf(const float* x, int64_t n) { return rangeImpl(x, n); }

QS_CPU_CLONES void quantizeGroup(const float* x, float* out, int64_t n, const GroupParams& p) {
  quantizeImpl(x, out, n, p);
}

// The baseline x86-64 build of the same code, callable on any machine so tests cover it too.
void quantizeGroupsBaseline(const float* x, float* out, int64_t groups, int64_t len, const QuantSpec& spec) {
  for (int64_t g = 0; g < groups; ++g)
    quantizeImpl(x + g * len, out + g * len, len, groupParams(rangeImpl(x + g * len, len), spec));
}

// Many groups per call: short groups (64-element KV rows) would otherwise pay two indirect calls each.
QS_CPU_CLONES void quantizeGroups(const float* x, float* out, int64_t groups, int64_t len, const QuantSpec& spec) {
  for (int64_t g = 0; g < groups; ++g)
    quantizeImpl(x + g * len, out + g * len, len, groupParams(rangeImpl(x + g * len, len), spec));
}

}  // namespace qs::fq

namespace qs {
namespace {

using fq::GroupParams;
using fq::Range;

constexpr int64_t kChunk = 1 << 14;  // elements per task for per-tensor passes and half buffers

Range merge(Range a, Range b) { return {std::min(a.min, b.min), std::max(a.max, b.max)}; }

// Element access for the storage types: float32 in place, half types through a float buffer.
template <typename T>
void toFloat(const T* x, float* buf, int64_t n) {
  for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<float>(x[i]);
}
template <typename T>
void fromFloat(const float* buf, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(buf[i]);
}

// Groups spread over threads; each group: range, parameters, quantize, while it is in L1/L2.
template <typename T>
void quantizeGroups(const T* x, T* out, int64_t groups, int64_t len, const QuantSpec& spec) {
  const int64_t grain = std::max<int64_t>(1, (1 << 15) / len);
  at::parallel_for(0, groups, grain, [&](int64_t begin, int64_t end) {
    if constexpr (std::is_same_v<T, float>) {
      fq::quantizeGroups(x + begin * len, out + begin * len, end - begin, len, spec);
    } else {
      std::vector<float> buf(len);
      for (int64_t g = begin; g < end; ++g) {
        toFloat(x + g * len, buf.data(), len);
        fq::quantizeGroup(buf.data(), buf.data(), len, fq::groupParams(fq::rangeOf(buf.data(), len), spec));
        fromFloat(buf.data(), out + g * len, len);
      }
    }
  });
}

// One group spanning the whole tensor: a parallel range reduction, then a parallel quantize pass.
template <typename T>
void quantizeWhole(const T* x, T* out, int64_t n, const QuantSpec& spec) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<Range> ranges(chunks);
  at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> buf(std::is_same_v<T, float> ? 0 : kChunk);
    for (int64_t c = begin; c < end; ++c) {
      const int64_t len = std::min(kChunk, n - c * kChunk);
      if constexpr (std::is_same_v<T, float>) {
        ranges[c] = fq::rangeOf(x + c * kChunk, len);
      } else {
        toFloat(x + c * kChunk, buf.data(), len);
        ranges[c] = fq::rangeOf(buf.data(), len);
      }
    }
  });
  Range total = ranges[0];
  for (const auto& r : ranges) total = merge(total, r);
  const GroupParams p = fq::groupParams(total, spec);
  at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> buf(std::is_same_v<T, float> ? 0 : kChunk);
    for (int64_t c = begin; c < end; ++c) {
      const int64_t len = std::min(kChunk, n - c * kChunk);
      if constexpr (std::is_same_v<T, float>) {
        fq::quantizeGroup(x + c * kChunk, out + c * kChunk, len, p);
      } else {
        toFloat(x + c * kChunk, buf.data(), len);
        fq::quantizeGroup(buf.data(), buf.data(), len, p);
        fromFloat(buf.data(), out + c * kChunk, len);
      }
    }
  });
}

template <typename T>
void runTyped(const at::Tensor& x, at::Tensor& out, const GroupLayout& layout, const QuantSpec& spec) {
  const T* src = x.data_ptr<T>();
  T* dst = out.data_ptr<T>();
  if (layout.groups == 1)
    quantizeWhole(src, dst, layout.groupLength, spec);
  else
    quantizeGroups(src, dst, layout.groups, layout.groupLength, spec);
}

}  // namespace

void fakeQuantizeCpu(const at::Tensor& input, const QuantSpec& spec, at::Tensor& out, std::string_view what) {
  spec.validate(what);
  if (!input.device().is_cpu() || !out.device().is_cpu())
    throw Error("fake quantization of " + std::string(what) + ": the CPU kernel needs CPU tensors");
  if (out.scalar_type() != input.scalar_type() || !out.sizes().equals(input.sizes()) || !out.is_contiguous())
    throw Error("fake quantization of " + std::string(what) + ": output must be a contiguous tensor of shape " +
                shapeString(input) + " and the input's dtype");
  const int64_t lastDim = input.dim() == 0 ? 1 : input.size(-1);
  const auto layout = groupLayout(spec, input.numel(), lastDim, std::string(what) + " " + shapeString(input));
  if (!spec.enabled()) {
    if (!out.is_same(input)) out.copy_(input);
    return;
  }
  if (layout.groups == 0) return;
  const at::Tensor x = input.contiguous();
  switch (x.scalar_type()) {
    case at::kFloat:
      return runTyped<float>(x, out, layout, spec);
    case at::kHalf:
      return runTyped<c10::Half>(x, out, layout, spec);
    case at::kBFloat16:
      return runTyped<c10::BFloat16>(x, out, layout, spec);
    default:
      throw Error("fake quantization of " + std::string(what) + ": dtype " +
                  std::string(c10::toString(x.scalar_type())) + " is not float32, float16 or bfloat16");
  }
}

}  // namespace qs
