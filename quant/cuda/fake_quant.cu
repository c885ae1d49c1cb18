// CUDA fake quantization: a warp per group (groups up to 1024 elements), a block per group for
// longer groups, and a three-kernel reduce / parameters / quantize path for one whole-tensor group.
// Every operation is an explicitly rounded intrinsic (no FMA contraction, true divisions), rintf
// rounds half to even: the result equals the CPU reference bit for bit. The FP8 / NF4 / MX element
// rounding is number_formats.h's, the same source as the CPU kernel (built here with -fmad=false).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cfloat>

#include "quant/cuda/fake_quant_cuda.h"

namespace qs::cuda {
namespace {

constexpr float kRangeFloor = 1e-5f;
constexpr int kWarp = 32;
constexpr int kBlock = 256;

__device__ __forceinline__ float toFloat(float v) { return v; }
__device__ __forceinline__ float toFloat(__half v) { return __half2float(v); }
__device__ __forceinline__ float toFloat(__nv_bfloat16 v) { return __bfloat162float(v); }
template <typename T>
__device__ __forceinline__ T fromFloat(float v);
template <>
__device__ __forceinline__ float fromFloat<float>(float v) { return v; }
template <>
__device__ __forceinline__ __half fromFloat<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 fromFloat<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

__device__ __forceinline__ float clampTo(float v, float lo, float hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

struct Params {
  float scale;
  float zero;
  float qmin;
  float qmax;
};

// What the kernels need of the QuantSpec, passed by value.
struct KernelSpec {
  int bits;
  bool symmetric;
  bool gptqZero;
  NumberFormat format;
};

// The non-integer formats: the group's scale, as fake_quant_cpu.cpp's groupParams.
__device__ Params makeFormatParams(float mn, float mx, NumberFormat format) {
  Params p{0.f, 0.f, 0.f, 0.f};
  const float absmax = fmaxf(fabsf(mn), fabsf(mx));
  if (format == NumberFormat::Nf4) {
    p.scale = fmaxf(absmax, kRangeFloor);
  } else if (isFp8(format)) {
    p.scale = __fdiv_rn(fmaxf(absmax, kRangeFloor), elementGrid(format).maxValue);
  } else {
    p.scale = mxScale(mxSharedExponent(absmax, elementGrid(format)));
  }
  return p;
}

__device__ Params makeParams(float mn, float mx, const KernelSpec& k) {
  if (k.format != NumberFormat::Int) return makeFormatParams(mn, mx, k.format);
  const int bits = k.bits;
  Params p;
  if (k.symmetric) {
    p.qmax = static_cast<float>((1 << (bits - 1)) - 1);
    p.qmin = -static_cast<float>(1 << (bits - 1));
    const float absmax = fmaxf(fabsf(mn), fabsf(mx));
    p.scale = __fdiv_rn(fmaxf(absmax, kRangeFloor), p.qmax);
    p.zero = 0.f;
    return p;
  }
  p.qmax = static_cast<float>((1 << bits) - 1);
  p.qmin = 0.f;
  if (k.gptqZero) {
    mn = fminf(mn, 0.f);
    mx = fmaxf(mx, 0.f);
  }
  p.scale = __fdiv_rn(fmaxf(__fsub_rn(mx, mn), kRangeFloor), p.qmax);
  p.zero = clampTo(rintf(__fdiv_rn(-mn, p.scale)), 0.f, p.qmax);
  return p;
}

__device__ __forceinline__ float quantizeOne(float x, const Params& p, const KernelSpec& k) {
  if (k.format == NumberFormat::Nf4) return __fmul_rn(roundToNf4(__fdiv_rn(x, p.scale)), p.scale);
  if (k.format != NumberFormat::Int)
    return __fmul_rn(roundToGrid(__fdiv_rn(x, p.scale), elementGrid(k.format)), p.scale);
  const float r = rintf(__fdiv_rn(x, p.scale));
  if (k.symmetric) return __fmul_rn(clampTo(r, p.qmin, p.qmax), p.scale);
  const float q = clampTo(__fadd_rn(r, p.zero), 0.f, p.qmax);
  return __fmul_rn(__fsub_rn(q, p.zero), p.scale);
}

__device__ __forceinline__ void warpRange(float& mn, float& mx) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    mn = fminf(mn, __shfl_xor_sync(0xffffffffu, mn, offset));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, offset));
  }
}

// Block-wide min/max; every thread gets the result.
__device__ void blockRange(float& mn, float& mx) {
  __shared__ float sMin[kBlock / kWarp], sMax[kBlock / kWarp];
  warpRange(mn, mx);
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  if (lane == 0) {
    sMin[warp] = mn;
    sMax[warp] = mx;
  }
  __syncthreads();
  mn = sMin[0];
  mx = sMax[0];
  for (int w = 1; w < kBlock / kWarp; ++w) {
    mn = fminf(mn, sMin[w]);
    mx = fmaxf(mx, sMax[w]);
  }
  __syncthreads();
}

template <typename T>
__global__ void warpPerGroup(const T* in, T* out, int64_t groups, int64_t len, const KernelSpec k) {
  const int64_t group = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  if (group >= groups) return;  // whole warps leave together: groups are warp-aligned
  const int lane = threadIdx.x % kWarp;
  const T* x = in + group * len;
  T* y = out + group * len;
  float mn = FLT_MAX, mx = -FLT_MAX;
  for (int64_t i = lane; i < len; i += kWarp) {
    const float v = toFloat(x[i]);
    mn = fminf(mn, v);
    mx = fmaxf(mx, v);
  }
  warpRange(mn, mx);
  const Params p = makeParams(mn, mx, k);
  for (int64_t i = lane; i < len; i += kWarp) y[i] = fromFloat<T>(quantizeOne(toFloat(x[i]), p, k));
}

template <typename T>
__global__ void blockPerGroup(const T* in, T* out, int64_t len, const KernelSpec k) {
  const T* x = in + static_cast<int64_t>(blockIdx.x) * len;
  T* y = out + static_cast<int64_t>(blockIdx.x) * len;
  float mn = FLT_MAX, mx = -FLT_MAX;
  for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
    const float v = toFloat(x[i]);
    mn = fminf(mn, v);
    mx = fmaxf(mx, v);
  }
  blockRange(mn, mx);
  const Params p = makeParams(mn, mx, k);
  for (int64_t i = threadIdx.x; i < len; i += blockDim.x) y[i] = fromFloat<T>(quantizeOne(toFloat(x[i]), p, k));
}

// Whole-tensor group, step 1: one min/max per block into partial[2 * block].
template <typename T>
__global__ void partialRange(const T* in, int64_t n, float* partial) {
  float mn = FLT_MAX, mx = -FLT_MAX;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float v = toFloat(in[i]);
    mn = fminf(mn, v);
    mx = fmaxf(mx, v);
  }
  blockRange(mn, mx);
  if (threadIdx.x == 0) {
    partial[2 * blockIdx.x] = mn;
    partial[2 * blockIdx.x + 1] = mx;
  }
}

// Step 2: one block folds the partials and writes the parameters.
__global__ void finishParams(const float* partial, int count, const KernelSpec k, Params* params) {
  float mn = FLT_MAX, mx = -FLT_MAX;
  for (int i = threadIdx.x; i < count; i += blockDim.x) {
    mn = fminf(mn, partial[2 * i]);
    mx = fmaxf(mx, partial[2 * i + 1]);
  }
  blockRange(mn, mx);
  if (threadIdx.x == 0) *params = makeParams(mn, mx, k);
}

// Step 3: elementwise.
template <typename T>
__global__ void quantizeWithParams(const T* in, T* out, int64_t n, const Params* params, const KernelSpec k) {
  const Params p = *params;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    out[i] = fromFloat<T>(quantizeOne(toFloat(in[i]), p, k));
}

template <typename T>
int launchTyped(const FqLaunch& l, cudaStream_t stream) {
  const T* in = static_cast<const T*>(l.input);
  T* out = static_cast<T*>(l.output);
  const KernelSpec k{l.bits, l.symmetric, l.gptqZero, l.format};
  if (l.groups == 1 && l.groupLength > 4096) {
    constexpr int kMaxBlocks = 1024;
    const int64_t wanted = (l.groupLength + kBlock * 8 - 1) / (kBlock * 8);
    const int blocks = static_cast<int>(wanted < kMaxBlocks ? wanted : kMaxBlocks);
    void* scratch = nullptr;
    if (cudaError_t e = cudaMallocAsync(&scratch, sizeof(float) * 2 * kMaxBlocks + sizeof(Params), stream))
      return e;
    float* partial = static_cast<float*>(scratch);
    Params* params = reinterpret_cast<Params*>(partial + 2 * kMaxBlocks);
    partialRange<T><<<blocks, kBlock, 0, stream>>>(in, l.groupLength, partial);
    finishParams<<<1, kBlock, 0, stream>>>(partial, blocks, k, params);
    quantizeWithParams<T><<<blocks, kBlock, 0, stream>>>(in, out, l.groupLength, params, k);
    cudaError_t launched = cudaGetLastError();
    cudaError_t freed = cudaFreeAsync(scratch, stream);
    return launched != cudaSuccess ? launched : freed;
  }
  if (l.groupLength <= 1024) {
    const int64_t groupsPerBlock = kBlock / kWarp;
    const int64_t blocks = (l.groups + groupsPerBlock - 1) / groupsPerBlock;
    warpPerGroup<T><<<static_cast<unsigned>(blocks), kBlock, 0, stream>>>(in, out, l.groups, l.groupLength, k);
  } else {
    blockPerGroup<T><<<static_cast<unsigned>(l.groups), kBlock, 0, stream>>>(in, out, l.groupLength, k);
  }
  return cudaGetLastError();
}

}  // namespace

int fakeQuantizeCuda(const FqLaunch& launch, void* stream) {
  if (launch.groups <= 0 || launch.groupLength <= 0) return cudaSuccess;
  if (launch.groups > 0x7fffffffLL) return cudaErrorInvalidConfiguration;
  auto s = static_cast<cudaStream_t>(stream);
  switch (launch.dtype) {
    case FqDtype::F32:
      return launchTyped<float>(launch, s);
    case FqDtype::F16:
      return launchTyped<__half>(launch, s);
    case FqDtype::BF16:
      return launchTyped<__nv_bfloat16>(launch, s);
  }
  return cudaErrorInvalidValue;
}

const char* fakeQuantizeCudaError(int code) { return cudaGetErrorString(static_cast<cudaError_t>(code)); }

int fakeQuantizeCudaDeviceCount() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error
    return 0;
  }
  return count;
}

}  // namespace qs::cuda
