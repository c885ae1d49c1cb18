// quantscope-cli bench-gpu: the GPU path's figures, each beside the limit it is judged against,
// measured in the same run: prefill throughput of a 1.1B LLaMA against the device's matmul rate,
// fused fake quantization against the device's copy bandwidth, and the W4A8KV4 forward's cost.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>

#include "app/cli/bench_models.h"
#include "app/cli/cli_support.h"
#include "core/base/error.h"
#include "core/base/runtime.h"
#include "core/model/blocks.h"
#include "core/model/model.h"
#include "core/model/tensor_layout.h"
#include "quant/fake_quant.h"
#include "quant/quant_config.h"
#include "quant/quantized_model.h"

namespace qs::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Waits for the device: reading one element back queues behind everything launched before it.
// (No CUDA header needed, so this file compiles against a CPU-only libtorch too.)
void sync(const at::Tensor& t) { (void)t.reshape(-1)[0].item<double>(); }

// Best wall time of `repeats` runs of `body` after one warm-up, each ended by a device sync.
double bestSeconds(int repeats, const std::function<at::Tensor()>& body) {
  sync(body());
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto t = Clock::now();
    sync(body());
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t).count());
  }
  return best;
}

int runBenchGpu(const std::vector<std::string>& argv) {
  Args args(argv, {"device", "dtype", "repeats", "tokens", "batch", "workdir"}, {});
  if (printHelpIfAsked(args, "bench-gpu")) return kOk;
  const std::string deviceName = args.value("device", "cuda");
  const c10::Device device = parseDevice(deviceName);
  if (!device.is_cuda()) throw UsageError("bench-gpu measures a CUDA device; --device " + deviceName + " is not one");
  if (!cudaAvailable()) throw Error("bench-gpu: the linked libtorch sees no CUDA device");
  const std::string dtypeName = args.value("dtype", "bfloat16");
  const at::ScalarType dtype = dtypeName == "float16" || dtypeName == "fp16" ? at::kHalf : at::kBFloat16;
  const int repeats = static_cast<int>(args.integer("repeats", 5));
  const int64_t tokens = args.integer("tokens", 2048);
  const int64_t batch = args.integer("batch", 4);
  const std::filesystem::path work =
      args.value("workdir", (std::filesystem::temp_directory_path() / "quantscope-bench-gpu").string());
  const auto opts = at::TensorOptions().device(device).dtype(dtype);

  std::printf("device %s, dtype %s, libtorch %s, attention: %s\n", device.str().c_str(), c10::toString(dtype),
              libtorchVersion().c_str(),
              blocks::fusedAttentionAvailable() ? "fused scaled_dot_product_attention" : "blockwise (libtorch < 2.1)");

  // 1. The limits, measured now on this device.
  const int64_t n = 8192;
  auto a = at::randn({n, n}, opts), b = at::randn({n, n}, opts), c = at::empty({n, n}, opts);
  const double mmSeconds = bestSeconds(repeats, [&] { return at::mm_out(c, a, b); });
  const double peakTflops = 2.0 * n * n * n / mmSeconds / 1e12;
  std::printf("matmul %s %lld^3 (best of %d): %.1f TFLOP/s\n", c10::toString(dtype), static_cast<long long>(n),
              repeats, peakTflops);
  a = b = c = at::Tensor();
  const int64_t copyBytes = int64_t(1) << 30;
  auto src = at::randn({copyBytes / 2}, opts), dst = at::empty_like(src);
  const double copySeconds = bestSeconds(repeats, [&] { return dst.copy_(src); });
  const double copyGBs = 2.0 * static_cast<double>(copyBytes) / copySeconds / 1e9;  // read + write
  std::printf("device copy 1 GiB (best of %d): %.0f GB/s (bytes read + written)\n\n", repeats, copyGBs);
  src = dst = at::Tensor();

  // 2. Fused fake quantization, read + write of the tensor against the copy's rate (target >= 70%).
  struct FqCase {
    const char* label;
    std::vector<int64_t> shape;
    QuantSpec spec;
  };
  const std::vector<FqCase> fqCases{
      {"W4 g128 weight 8192x8192", {8192, 8192}, QuantSpec::group(4, 128)},
      {"A8 per-token 16384x4096", {16384, 4096}, QuantSpec::token(8)},
      {"KV4 g128 [8,32,2048,128]", {8, 32, 2048, 128}, QuantSpec::group(4, 128)},
  };
  std::printf("%-28s %10s %10s %8s\n", "fake quant", "GB/s", "of copy", "target");
  for (const auto& fc : fqCases) {
    auto x = at::randn(fc.shape, opts), out = at::empty_like(x);
    const double s = bestSeconds(repeats, [&] {
      fakeQuantizeInto(x, fc.spec, out, fc.label);
      return out;
    });
    const double gbs = 2.0 * static_cast<double>(x.numel() * x.element_size()) / s / 1e9;
    std::printf("%-28s %10.0f %9.1f%% %8s\n", fc.label, gbs, 100.0 * gbs / copyGBs, ">= 70%");
  }

  // 3. Prefill of a 1.1B LLaMA (random weights, written once) against the matmul rate (target >= 50%),
  //    and the W4A8KV4 forward's cost relative to the unquantized one (target <= 1.10x).
  const auto config = llama1b();
  const auto dir = work / "llama-1.1b";
  if (!std::filesystem::exists(dir / "model.safetensors")) {
    std::printf("\nwriting a random llama-1.1b checkpoint to %s ...\n", dir.string().c_str());
    std::fflush(stdout);
    writeRandomCheckpoint(config, dir, 1);
  }
  LoadOptions load;
  load.device = deviceName;
  load.dtype = dtypeName;
  auto model = Model::load(dir, load);
  auto ids = at::randint(4, config.vocabSize, {batch, tokens}, at::kLong).to(device);
  const double fpSeconds = bestSeconds(repeats, [&] { return model->forward(ids); });
  const double flops = static_cast<double>(batch) * forwardFlops(config, *model, tokens);
  const double tflops = flops / fpSeconds / 1e12;
  std::printf("\nllama-1.1b prefill, %lld x %lld tokens: %.0f tokens/s, %.1f TFLOP/s = %.1f%% of the matmul rate"
              " (target >= 50%%)\n",
              static_cast<long long>(batch), static_cast<long long>(tokens),
              static_cast<double>(batch * tokens) / fpSeconds, tflops, 100.0 * tflops / peakTflops);
  {
    const auto t = Clock::now();
    QuantizedModel quantized(*model, QuantConfig::parse("W4A8KV4-g128"));
    sync(model->linearWeights().front().weight->reshape(-1));
    const double applySeconds = std::chrono::duration<double>(Clock::now() - t).count();
    const double qSeconds = bestSeconds(repeats, [&] { return model->forward(ids); });
    std::printf("W4A8KV4-g128: applying it %.0f ms; forward %.1f ms vs %.1f ms unquantized = %.3fx (target <= 1.10x)\n",
                1e3 * applySeconds, 1e3 * qSeconds, 1e3 * fpSeconds, qSeconds / fpSeconds);
  }
  return kOk;
}

const CommandRegistrar kRegister{{
    "bench-gpu",
    "GPU prefill, fake-quant and quantized-forward figures vs the device's matmul rate and copy bandwidth",
    "usage: quantscope-cli bench-gpu [--device cuda[:N]] [--dtype bfloat16|float16] [--repeats N]\n"
    "                                [--tokens T] [--batch B] [--workdir DIR]\n\n"
    "Needs a libtorch with CUDA. Measures, in one run and best of N each: the device's matmul rate\n"
    "(8192^3 in the dtype) and copy bandwidth (1 GiB, bytes read + written); the fused fake\n"
    "quantization of a W4-g128 weight, A8 per-token activations and KV4-g128 keys as GB/s against the\n"
    "copy (target >= 70%); the prefill of a 1.1B LLaMA (TinyLlama's shape, random weights written\n"
    "once to DIR, default $TMPDIR/quantscope-bench-gpu) on B x T tokens (default 4 x 2048) as useful\n"
    "FLOPs against the matmul rate (target >= 50%); and the W4A8KV4-g128 forward's time relative to\n"
    "the unquantized one (target <= 1.10x).\n",
    runBenchGpu,
}};

}  // namespace
}  // namespace qs::cli
