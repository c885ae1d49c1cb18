#pragma once
// Fake quantization (quantize, then dequantize) of a tensor by a QuantSpec, exactly as
// docs/QUANT_SPEC.md defines it for integers, and as quant_spec.h / number_formats.h define the FP8,
// NF4 and MX formats. Groups are runs along the last dimension (see quant_spec.h).
//
// Dtypes: float32, float16 and bfloat16. Half types are computed in float32 and the result is
// rounded back to the input dtype once (round to nearest even): fakeQuantize(x) ==
// fakeQuantizeReference(x.float()).to(x.dtype()), bit for bit.
// A spec with bits == 16 returns the input unchanged. Non-finite inputs are not supported
// (for finite inputs no NaN or Inf comes out).
#include <ATen/core/Tensor.h>

#include <string_view>

#include "quant/quant_spec.h"

namespace qs {

// The dispatcher: the CUDA kernel for CUDA tensors (when built with it), the fused CPU kernel
// otherwise. `what` names the tensor in error messages (e.g. "layer 3 q_proj weight").
at::Tensor fakeQuantize(const at::Tensor& x, const QuantSpec& spec, std::string_view what = "tensor");

// The fused kernel writing into `out` (same shape and dtype as x, contiguous; may be x itself).
void fakeQuantizeInto(const at::Tensor& x, const QuantSpec& spec, at::Tensor& out,
                      std::string_view what = "tensor");

// The reference: plain tensor ops (at::round, true divisions, clamps), one op at a time.
at::Tensor fakeQuantizeReference(const at::Tensor& x, const QuantSpec& spec, std::string_view what = "tensor");

// The fused CPU kernel alone (x on the CPU). out may alias x.
void fakeQuantizeCpu(const at::Tensor& x, const QuantSpec& spec, at::Tensor& out, std::string_view what = "tensor");

// True when this build has the CUDA kernels and a CUDA device is present.
bool fakeQuantCudaAvailable();

// "[15, 8]" for error messages.
std::string shapeString(const at::Tensor& x);

}  // namespace qs
