// quantscope-cli bench: forward throughput of 125M-class models against the machine's matmul peak.
#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "app/cli/bench_models.h"
#include "app/cli/cli_support.h"
#include "core/base/runtime.h"
#include "core/model/tensor_layout.h"

namespace qs::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

// Best-of-N fp32 GEMM rate: the limit a transformer forward on CPU is measured against.
double matmulGflops(int n, int repeats) {
  auto a = at::randn({n, n});
  auto b = at::randn({n, n});
  auto c = at::mm(a, b);  // warm-up
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    auto t = Clock::now();
    at::mm_out(c, a, b);
    best = std::min(best, seconds(t));
  }
  return 2.0 * n * n * n / best / 1e9;
}

int runBench(const std::vector<std::string>& argv) {
  Args args(argv, {"repeats", "lengths", "workdir"}, {});
  if (printHelpIfAsked(args, "bench")) return kOk;
  const int repeats = static_cast<int>(args.integer("repeats", 3));
  std::vector<int64_t> lengths{512, 2048};
  const std::filesystem::path work =
      args.value("workdir", (std::filesystem::temp_directory_path() / "quantscope-bench").string());

  std::printf("threads %d, BLAS %s, libtorch %s\n", computeThreads(), blasDescription().c_str(),
              libtorchVersion().c_str());
  const double peak = matmulGflops(2048, repeats + 2);
  std::printf("fp32 matmul peak (2048^3 GEMM, best of %d): %.1f GFLOP/s\n\n", repeats + 2, peak);
  std::printf("%-12s %6s %12s %12s %10s %8s\n", "model", "tokens", "tokens/s", "GFLOP/s", "of peak", "target");
  for (const auto& config : {opt125m(), llama125m()}) {
    const auto dir = work / config.modelType;
    if (!std::filesystem::exists(dir / "model.safetensors")) writeRandomCheckpoint(config, dir, 1);
    auto model = Model::load(dir);
    for (int64_t len : lengths) {
      auto ids = at::randint(4, config.vocabSize, {1, len}, at::kLong);
      model->forward(ids);  // warm-up: page in the weights, size the allocator
      double best = 1e30;
      for (int i = 0; i < repeats; ++i) {
        auto t = Clock::now();
        model->forward(ids);
        best = std::min(best, seconds(t));
      }
      const double gflops = forwardFlops(config, *model, len) / best / 1e9;
      std::printf("%-12s %6lld %12.1f %12.1f %9.1f%% %8s\n",
                  (config.modelType + "-125m").c_str(), static_cast<long long>(len), len / best, gflops,
                  100.0 * gflops / peak, len >= 2048 ? ">= 50%" : "");
    }
  }
  return kOk;
}

const CommandRegistrar kRegister{{
    "bench",
    "forward throughput of 125M-class OPT and LLaMA vs the fp32 matmul peak",
    "usage: quantscope-cli bench [--repeats N] [--workdir DIR]\n\n"
    "Measures this machine's fp32 GEMM rate, then the forward throughput (tokens/s, best of N) of\n"
    "125M-class OPT and LLaMA configurations with random weights (written once to DIR, default\n"
    "$TMPDIR/quantscope-bench) on windows of 512 and 2048 tokens, and prints each as a fraction of\n"
    "the GEMM rate. FLOPs are the useful ones: the linears and the causal half of attention.\n"
    "Target: >= 50% on 2048-token windows.\n",
    runBench,
}};

}  // namespace
}  // namespace qs::cli
