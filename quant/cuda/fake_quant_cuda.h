#pragma once
// The CUDA fake-quantization kernels' entry point: raw device pointers, no torch types, so nvcc
// never parses libtorch headers. Same arithmetic as quant/fake_quant_cpu.cpp, bit for bit.
#include <cstdint>

#include "quant/number_formats.h"

namespace qs::cuda {

enum class FqDtype : int { F32 = 0, F16 = 1, BF16 = 2 };

struct FqLaunch {
  const void* input = nullptr;  // contiguous, groups * groupLength elements of dtype
  void* output = nullptr;       // may equal input
  FqDtype dtype = FqDtype::F32;
  int64_t groups = 0;
  int64_t groupLength = 0;
  int bits = 8;
  bool symmetric = false;
  bool gptqZero = false;  // GPTQ's range-includes-zero convention (asymmetric only)
  NumberFormat format = NumberFormat::Int;  // FP8, NF4, MX: one scale per group (see quant_spec.h)
};

// Launches on `stream` (a cudaStream_t; nullptr = the default stream) on the current device.
// Returns 0 or a cudaError_t value; fakeQuantizeCudaError() describes it.
int fakeQuantizeCuda(const FqLaunch& launch, void* stream);
const char* fakeQuantizeCudaError(int code);
// Number of CUDA devices the runtime sees (0 when there is no driver or device).
int fakeQuantizeCudaDeviceCount();

}  // namespace qs::cuda
