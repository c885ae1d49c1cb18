#pragma once
// Element number formats beyond integers: OCP FP8 (E4M3 "fn", E5M2), QLoRA's NormalFloat4 and the
// OCP Microscaling (MX v1.0) element types, and the rounding of a float32 onto their grids.
// Shared by the reference, the fused CPU kernel and the CUDA kernel (nvcc reads this header, so it
// stays C++17 with no torch), which is how all three round the same way, bit for bit.
#include <math.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#if defined(__CUDACC__)
#define QS_HD __host__ __device__ __forceinline__
#else
#define QS_HD inline
#endif

namespace qs {

enum class NumberFormat : uint8_t {
  Int,        // integers with a scale and zero point (docs/QUANT_SPEC.md)
  Fp8E4M3,    // OCP FP8 E4M3 "fn" (NVIDIA's e4m3fn): max 448, subnormals down to 2^-9, no infinities
  Fp8E5M2,    // OCP FP8 E5M2: max 57344, subnormals down to 2^-16
  Nf4,        // QLoRA NormalFloat4: 16 fixed levels on [-1, 1] times the group absmax
  MxFp4,      // OCP MX: E2M1 elements, 32-element blocks sharing an E8M0 (power-of-two) scale
  MxFp6,      // OCP MX: E2M3 elements (the "mxfp6" of this project)
  MxFp6E3M2,  // OCP MX: E3M2 elements
  MxInt8,     // OCP MX: 8-bit integers with an implicit 2^-6 (values k/64, |k| <= 127)
};

// The grid of a sign-magnitude element type: values k * 2^(e - mantissaBits) for the binade e of
// the value, e >= minExponent (below it: subnormals with the step of minExponent), up to maxValue.
struct ElementGrid {
  int mantissaBits;
  int minExponent;  // exponent of the smallest normal value (1 - bias)
  int maxExponent;  // floor(log2(maxValue)): the MX spec's emax_elem
  float maxValue;
};

// The grid of a float format; MXINT8 is the grid with no exponent (step 2^-6, max 127/64).
// Nf4 and Int have no grid: callers check hasElementGrid() first.
QS_HD ElementGrid elementGrid(NumberFormat f) {
  switch (f) {
    case NumberFormat::Fp8E4M3: return {3, -6, 8, 448.f};
    case NumberFormat::Fp8E5M2: return {2, -14, 15, 57344.f};
    case NumberFormat::MxFp4: return {1, 0, 2, 6.f};
    case NumberFormat::MxFp6: return {3, 0, 2, 7.5f};
    case NumberFormat::MxFp6E3M2: return {2, -2, 4, 28.f};
    case NumberFormat::MxInt8: return {6, 0, 0, 127.f / 64.f};
    default: return {0, 0, 0, 0.f};
  }
}

QS_HD bool hasElementGrid(NumberFormat f) { return f != NumberFormat::Int && f != NumberFormat::Nf4; }
QS_HD bool isMicroscaling(NumberFormat f) {
  return f == NumberFormat::MxFp4 || f == NumberFormat::MxFp6 || f == NumberFormat::MxFp6E3M2 ||
         f == NumberFormat::MxInt8;
}
QS_HD bool isFp8(NumberFormat f) { return f == NumberFormat::Fp8E4M3 || f == NumberFormat::Fp8E5M2; }

// Bits per element; 0 for Int (any width).
QS_HD int formatBits(NumberFormat f) {
  switch (f) {
    case NumberFormat::Fp8E4M3:
    case NumberFormat::Fp8E5M2:
    case NumberFormat::MxInt8: return 8;
    case NumberFormat::MxFp6:
    case NumberFormat::MxFp6E3M2: return 6;
    case NumberFormat::Nf4:
    case NumberFormat::MxFp4: return 4;
    default: return 0;
  }
}

constexpr int kMxBlock = 32;  // OCP MX v1.0: elements sharing one scale, along the last dimension

QS_HD uint32_t floatBits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
#endif
}

QS_HD float floatFromBits(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

// Round to nearest, ties to even, onto the grid, saturating at maxValue; the sign is kept (so a
// small negative value becomes -0). For finite v only.
QS_HD float roundToGrid(float v, const ElementGrid& g) {
  float a = fabsf(v);
  a = a < g.maxValue ? a : g.maxValue;  // saturate first: maxValue is on the grid, so rounding stays below it
  // floor(log2(a)) from the exponent field; float32 subnormals and 0 read -127, below every grid's minimum.
  int e = static_cast<int>((floatBits(a) >> 23) & 0xff) - 127;
  e = e > g.minExponent ? e : g.minExponent;
  const float step = floatFromBits(static_cast<uint32_t>(e - g.mantissaBits + 127) << 23);
  // a / step < 2^(mantissaBits + 1): adding and removing 2^23 rounds it to an integer, ties to even.
  const float q = (a / step + 8388608.f) - 8388608.f;
  return copysignf(q * step, v);
}

// The MX shared exponent of a block (OCP MX v1.0, section 6.3): floor(log2(absmax)) - emax_elem,
// clamped to the E8M0 range [-127, 127]. An all-zero block gets floor(log2(0)) read as -1 (any
// scale gives zeros).
QS_HD int mxSharedExponent(float absmax, const ElementGrid& g) {
  int e = 0;
  frexpf(absmax, &e);  // absmax = m * 2^e with m in [0.5, 1): floor(log2(absmax)) = e - 1
  int shared = e - 1 - g.maxExponent;
  shared = shared < -127 ? -127 : shared;
  return shared > 127 ? 127 : shared;
}

// 2^shared as float32 (2^-127 is a float32 subnormal, still exact).
QS_HD float mxScale(int shared) { return ldexpf(1.f, shared); }

// QLoRA's NF4 levels, the exact constants of bitsandbytes' NF4 table (functional.py / kernels.cu).
QS_HD float nf4Level(int i) {
  constexpr float kLevels[16] = {-1.0f,
                                 -0.6961928009986877f,
                                 -0.5250730514526367f,
                                 -0.39491748809814453f,
                                 -0.28444138169288635f,
                                 -0.18477343022823334f,
                                 -0.09105003625154495f,
                                 0.0f,
                                 0.07958029955625534f,
                                 0.16093020141124725f,
                                 0.24611230194568634f,
                                 0.33791524171829224f,
                                 0.44070982933044434f,
                                 0.5626170039176941f,
                                 0.7229568362236023f,
                                 1.0f};
  return kLevels[i];
}

// Midpoints between neighbouring NF4 levels (bitsandbytes' dQuantizeNF4 thresholds); a value above
// midpoint i maps to level i + 1 or higher, a value exactly on it to the lower level, as there.
QS_HD float nf4Midpoint(int i) {
  constexpr float kMid[15] = {-0.8480964004993439f,  -0.6106329262256622f,  -0.4599952697753906f,
                              -0.33967943489551544f, -0.23460740596055984f, -0.13791173323988914f,
                              -0.045525018125772476f, 0.03979014977812767f,  0.1202552504837513f,
                              0.2035212516784668f,   0.2920137718319893f,   0.3893125355243683f,
                              0.5016634166240692f,   0.6427869200706482f,   0.8614784181118011f};
  return kMid[i];
}

// The NF4 level nearest to y (y = x / absmax, in [-1, 1]).
QS_HD float roundToNf4(float y) {
  int index = 0;
  for (int i = 0; i < 15; ++i) index += y > nf4Midpoint(i) ? 1 : 0;
  return nf4Level(index);
}

}  // namespace qs
