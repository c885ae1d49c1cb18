// The CUDA fake-quantization kernels against the CPU reference, bit for bit.
#include <ATen/ATen.h>

#include <cstring>

#include "quant/fake_quant.h"
#include "tests/gpu/gpu_check.h"

namespace {

bool bitEqual(const at::Tensor& a, const at::Tensor& b) {
  at::Tensor x = a.cpu().contiguous(), y = b.cpu().contiguous();
  return x.sizes().equals(y.sizes()) && x.scalar_type() == y.scalar_type() &&
         std::memcmp(x.data_ptr(), y.data_ptr(), x.numel() * x.element_size()) == 0;
}

void matchesCpuReference() {
  struct Shape {
    std::vector<int64_t> dims;
    qs::QuantSpec spec;
  };
  // Warp per group (16..1024), block per group (> 1024), and the whole-tensor path (> 4096).
  const std::vector<Shape> shapes{
      {{64, 128}, qs::QuantSpec::group(4, 128)},      {{2, 8, 33, 16}, qs::QuantSpec::channel(4)},
      {{300, 64}, qs::QuantSpec::group(3, 64, true)}, {{16, 4096}, qs::QuantSpec::token(8)},
      {{4, 8192}, qs::QuantSpec::token(4, false)},    {{512, 300}, qs::QuantSpec::tensor(4)},
      {{1000, 333}, qs::QuantSpec::tensor(8, true)},  {{7, 12}, qs::QuantSpec::group(2, 4)},
      {{3, 50}, qs::QuantSpec::tensor(2)},
  };
  int cases = 0;
  for (const auto& [dims, base] : shapes)
    for (auto dtype : {at::kFloat, at::kHalf, at::kBFloat16})
      for (int variant = 0; variant < 3; ++variant) {
        qs::QuantSpec spec = base;
        if (variant == 2 && !spec.symmetric) spec.zeroPoint = qs::ZeroPoint::GptqRangeIncludesZero;
        at::Tensor x = at::randn(dims) * (variant == 1 ? 0.01 : 5.0);
        if (variant == 1) x = x.abs();  // single-sign groups: the clipped case
        x = x.to(dtype);
        const at::Tensor expected = qs::fakeQuantizeReference(x, spec);
        const at::Tensor got = qs::fakeQuantize(x.to(qs::gpu_test::device()), spec);
        GPU_CHECK(got.device() == qs::gpu_test::device(), "result left the device");
        GPU_CHECK(bitEqual(got, expected),
                  "case " + std::to_string(cases) + " dtype " + std::string(c10::toString(dtype)));
        ++cases;
      }
  GPU_CHECK(cases == 81, "expected 81 cases, ran " + std::to_string(cases));
}

// FP8, NF4 and MX on the three launch paths (warp per group, block per group, whole tensor), with
// edge rows (zeros, all equal, huge, tiny, float32 subnormals).
void formatsMatchCpuReference() {
  using qs::Granularity;
  using qs::NumberFormat;
  struct Case {
    std::vector<int64_t> dims;
    qs::QuantSpec spec;
  };
  const std::vector<Case> specs{
      {{64, 256}, qs::QuantSpec::ofFormat(NumberFormat::Fp8E4M3, Granularity::PerChannel)},
      {{8, 4096}, qs::QuantSpec::ofFormat(NumberFormat::Fp8E4M3, Granularity::PerChannel)},
      {{512, 300}, qs::QuantSpec::ofFormat(NumberFormat::Fp8E4M3, Granularity::PerTensor)},
      {{64, 256}, qs::QuantSpec::ofFormat(NumberFormat::Fp8E5M2, Granularity::PerChannel)},
      {{40, 96}, qs::QuantSpec::ofFormat(NumberFormat::Fp8E5M2, Granularity::PerTensor)},
      {{64, 256}, qs::QuantSpec::ofFormat(NumberFormat::Nf4, Granularity::PerGroup, 64)},
      {{4, 2048}, qs::QuantSpec::ofFormat(NumberFormat::Nf4, Granularity::PerChannel)},
      {{64, 256}, qs::QuantSpec::ofFormat(NumberFormat::MxFp4)},
      {{3, 7, 64}, qs::QuantSpec::ofFormat(NumberFormat::MxFp6)},
      {{64, 256}, qs::QuantSpec::ofFormat(NumberFormat::MxFp6E3M2)},
      {{64, 256}, qs::QuantSpec::ofFormat(NumberFormat::MxInt8)},
  };
  int cases = 0;
  for (const auto& [dims, spec] : specs)
    for (auto dtype : {at::kFloat, at::kHalf, at::kBFloat16})
      for (int variant = 0; variant < 3; ++variant) {
        at::Tensor x = at::randn(dims) * (variant == 1 ? 0.01 : 5.0);
        if (variant == 1) x = x.abs();
        if (variant == 2) {
          at::Tensor rows = x.view({-1, dims.back()});
          const float edges[] = {0.f, 0.37f, dtype == at::kHalf ? 6e4f : 1e30f, 1e-30f, 1e-40f};
          for (int r = 0; r < 5 && r < rows.size(0); ++r) rows[r].fill_(edges[r]);
        }
        x = x.to(dtype);
        const at::Tensor expected = qs::fakeQuantizeReference(x, spec);
        const at::Tensor got = qs::fakeQuantize(x.to(qs::gpu_test::device()), spec);
        GPU_CHECK(got.device() == qs::gpu_test::device(), "result left the device");
        GPU_CHECK(bitEqual(got, expected), "format case " + std::to_string(cases) + " (" +
                                               std::to_string(int(spec.format)) + ") dtype " +
                                               std::string(c10::toString(dtype)));
        ++cases;
      }
  GPU_CHECK(cases == 99, "expected 99 cases, ran " + std::to_string(cases));
}

void transposedAndInPlace() {
  at::Tensor x = at::randn({128, 64}, at::kFloat).to(qs::gpu_test::device()).t();  // not contiguous
  const auto spec = qs::QuantSpec::group(4, 32);
  GPU_CHECK(bitEqual(qs::fakeQuantize(x, spec), qs::fakeQuantizeReference(x.cpu(), spec)), "transposed input");
  at::Tensor y = x.contiguous();
  qs::fakeQuantizeInto(y, spec, y);
  GPU_CHECK(bitEqual(y, qs::fakeQuantizeReference(x.cpu(), spec)), "in place");
}

}  // namespace

int main() {
  at::manual_seed(99);
  return qs::gpu_test::runCases("fake_quant_cuda", {{"matchesCpuReference", matchesCpuReference},
                                                    {"formatsMatchCpuReference", formatsMatchCpuReference},
                                                    {"transposedAndInPlace", transposedAndInPlace}});
}
