#pragma once
// The float32 building blocks of the fused CPU kernel (fake_quant_cpu.cpp), exposed for tests and
// the benchmark. Each is compiled for AVX2 and for baseline x86-64 and picked at run time.
#include <cstdint>

#include "quant/number_formats.h"
#include "quant/quant_spec.h"

namespace qs::fq {

struct Range {
  float min;
  float max;
};

// Scale and zero of one group from its range, exactly as the reference computes them.
struct GroupParams {
  float scale;  // non-integer formats: the group's scale (FP8 absmax / max, NF4 absmax, MX 2^shared)
  float zero;   // 0 for symmetric specs
  float qmin;
  float qmax;
  bool symmetric;
  NumberFormat format = NumberFormat::Int;
  ElementGrid grid{};  // FP8 and MX formats
};
GroupParams groupParams(Range range, const QuantSpec& spec);

Range rangeOf(const float* x, int64_t n);
// out may equal x.
void quantizeGroup(const float* x, float* out, int64_t n, const GroupParams& p);
// `groups` consecutive groups of `len` floats, each with its own range and parameters.
void quantizeGroups(const float* x, float* out, int64_t groups, int64_t len, const QuantSpec& spec);
// The same, always the baseline (SSE2) build, whatever the CPU: lets tests check that clone too.
void quantizeGroupsBaseline(const float* x, float* out, int64_t groups, int64_t len, const QuantSpec& spec);

// Round half to even under the default rounding mode, like std::nearbyint, for every float.
float roundHalfEven(float y);

}  // namespace qs::fq
