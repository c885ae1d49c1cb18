// The fake-quantization dispatcher: CUDA kernel for CUDA tensors, fused CPU kernel otherwise.
#include <ATen/ATen.h>

#include "core/base/error.h"
#include "quant/fake_quant.h"

#ifdef QS_HAVE_CUDA_KERNELS
#include "quant/cuda/fake_quant_cuda.h"
#endif

namespace qs {
namespace {

#ifdef QS_HAVE_CUDA_KERNELS
void fakeQuantizeCudaTensor(const at::Tensor& input, const QuantSpec& spec, at::Tensor& out,
                            const GroupLayout& layout, std::string_view what) {
  const at::Tensor x = input.contiguous();
  cuda::FqLaunch l;
  l.input = x.data_ptr();
  l.output = out.data_ptr();
  switch (x.scalar_type()) {
    case at::kFloat: l.dtype = cuda::FqDtype::F32; break;
    case at::kHalf: l.dtype = cuda::FqDtype::F16; break;
    case at::kBFloat16: l.dtype = cuda::FqDtype::BF16; break;
    default:
      throw Error("fake quantization of " + std::string(what) + ": dtype " +
                  std::string(c10::toString(x.scalar_type())) + " is not float32, float16 or bfloat16");
  }
  l.groups = layout.groups;
  l.groupLength = layout.groupLength;
  l.bits = spec.bits;
  l.symmetric = spec.symmetric;
  l.gptqZero = spec.zeroPoint == ZeroPoint::GptqRangeIncludesZero;
  l.format = spec.format;
  // libtorch's current stream is the legacy default stream unless a caller changed it.
  if (int err = cuda::fakeQuantizeCuda(l, nullptr))
    throw Error("fake quantization of " + std::string(what) + " on CUDA failed: " + cuda::fakeQuantizeCudaError(err));
}
#endif

}  // namespace

bool fakeQuantCudaAvailable() {
#ifdef QS_HAVE_CUDA_KERNELS
  static const bool available = cuda::fakeQuantizeCudaDeviceCount() > 0;
  return available;
#else
  return false;
#endif
}

void fakeQuantizeInto(const at::Tensor& x, const QuantSpec& spec, at::Tensor& out, std::string_view what) {
  if (!x.is_cuda()) return fakeQuantizeCpu(x, spec, out, what);
  spec.validate(what);
  if (out.device() != x.device() || out.scalar_type() != x.scalar_type() || !out.sizes().equals(x.sizes()) ||
      !out.is_contiguous())
    throw Error("fake quantization of " + std::string(what) + ": output must be a contiguous tensor of shape " +
                shapeString(x) + " with the input's dtype and device");
  const int64_t lastDim = x.dim() == 0 ? 1 : x.size(-1);
  const auto layout = groupLayout(spec, x.numel(), lastDim, std::string(what) + " " + shapeString(x));
  if (!spec.enabled()) {
    if (!out.is_same(x)) out.copy_(x);
    return;
  }
#ifdef QS_HAVE_CUDA_KERNELS
  if (fakeQuantCudaAvailable()) return fakeQuantizeCudaTensor(x, spec, out, layout, what);
#endif
  // No kernel for this device: the reference ops give the same bits, slower.
  out.copy_(fakeQuantizeReference(x, spec, what));
}

at::Tensor fakeQuantize(const at::Tensor& x, const QuantSpec& spec, std::string_view what) {
  spec.validate(what);
  if (!spec.enabled()) return x;
  at::Tensor out = at::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::Contiguous));
  fakeQuantizeInto(x, spec, out, what);
  return out;
}

}  // namespace qs
