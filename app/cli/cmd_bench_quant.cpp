// quantscope-cli bench-quant: fake-quantization throughput against the machine's memory copy
// bandwidth and the op-by-op reference, and the cost of a quantized forward pass.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "app/cli/bench_models.h"
#include "app/cli/cli_support.h"
#include "core/model/model.h"
#include "core/base/runtime.h"
#include "core/model/tensor_layout.h"
#include "quant/fake_quant.h"
#include "quant/quantized_model.h"

namespace qs::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Case {
  const char* label;
  QuantSpec spec;
  std::vector<int64_t> shape;
  at::Tensor x = {}, out = {}, ref = {}, copyOut = {};
  double fused = 1e30, alloc = 1e30, reference = 1e30, copy = 1e30;  // best seconds
};

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// One thread, timed by its own CPU clock: what the kernel does per core when it has the core, a
// figure that holds on a shared, oversubscribed machine where wall-clock rates do not.
void perCoreRates(std::vector<Case>& cases, int rounds) {
  const int threads = computeThreads();
  at::set_num_threads(1);
  const int64_t bytes = int64_t(64) << 20;
  at::Tensor src = at::ones({bytes}, at::kByte), dst = at::zeros({bytes}, at::kByte);
  double copy = 1e30;
  std::vector<double> fused(cases.size(), 1e30);
  for (int r = 0; r < rounds; ++r) {
    double t = threadCpuSeconds();
    std::memcpy(dst.data_ptr(), src.data_ptr(), bytes);
    copy = std::min(copy, threadCpuSeconds() - t);
    for (size_t i = 0; i < cases.size(); ++i) {
      t = threadCpuSeconds();
      fakeQuantizeInto(cases[i].x, cases[i].spec, cases[i].out);
      fused[i] = std::min(fused[i], threadCpuSeconds() - t);
    }
  }
  at::set_num_threads(threads);
  const double copyGBs = 2.0 * bytes / copy / 1e9;
  std::printf("\nper core (1 thread, its CPU time, best of %d): memcpy %.1f GB/s", rounds, copyGBs);
  for (size_t i = 0; i < cases.size(); ++i) {
    const double gbs = 2.0 * static_cast<double>(cases[i].x.numel()) * 4 / fused[i] / 1e9;
    std::printf("; %s %.1f GB/s (%.0f%%)", cases[i].spec.granularity == Granularity::PerToken ? "A8" : "W4-g128", gbs,
                100.0 * gbs / copyGBs);
  }
  std::printf("\n");
}

// The copy and the kernels are timed in alternation, round after round, keeping each one's best:
// on a shared machine every figure then sees the same quiet moments.
void runRounds(std::vector<Case>& cases, int rounds, double& copySingle, double& copyParallel) {
  const int64_t bytes = int64_t(512) << 20;
  at::Tensor src = at::ones({bytes}, at::kByte), dst = at::zeros({bytes}, at::kByte);
  const char* s = static_cast<const char*>(src.data_ptr());
  char* d = static_cast<char*>(dst.data_ptr());
  const int64_t chunk = int64_t(4) << 20;
  copySingle = copyParallel = 1e30;
  for (auto& c : cases) {
    c.x = at::randn(c.shape);
    c.out = at::empty_like(c.x);
    c.copyOut = at::empty_like(c.x);
    c.copyOut.copy_(c.x);                  // first touch
    fakeQuantizeInto(c.x, c.spec, c.out);
  }
  for (int r = 0; r < rounds; ++r) {
    auto t = Clock::now();
    std::memcpy(d, s, bytes);
    copySingle = std::min(copySingle, since(t));
    t = Clock::now();
    at::parallel_for(0, bytes / chunk, 1, [&](int64_t b, int64_t e) {
      std::memcpy(d + b * chunk, s + b * chunk, (e - b) * chunk);
    });
    copyParallel = std::min(copyParallel, since(t));
    for (auto& c : cases) {
      // The same bytes copied the same way (all threads): the limit for exactly this footprint.
      t = Clock::now();
      const int64_t n = c.x.numel() * 4, cchunk = int64_t(1) << 20;
      const char* cs = static_cast<const char*>(c.x.data_ptr());
      char* cd = static_cast<char*>(c.copyOut.data_ptr());
      at::parallel_for(0, (n + cchunk - 1) / cchunk, 1, [&](int64_t b, int64_t e) {
        std::memcpy(cd + b * cchunk, cs + b * cchunk, std::min(n, e * cchunk) - b * cchunk);
      });
      c.copy = std::min(c.copy, since(t));
      t = Clock::now();
      fakeQuantizeInto(c.x, c.spec, c.out);
      c.fused = std::min(c.fused, since(t));
      t = Clock::now();
      fakeQuantize(c.x, c.spec);
      c.alloc = std::min(c.alloc, since(t));
      if (r % 4 == 0) {
        t = Clock::now();
        c.ref = fakeQuantizeReference(c.x, c.spec);
        c.reference = std::min(c.reference, since(t));
      }
    }
  }
  copySingle = 2.0 * bytes / copySingle / 1e9;
  copyParallel = 2.0 * bytes / copyParallel / 1e9;
}

double processCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Times the hook it wraps (process CPU time: the kernels run on every thread).
class TimedHook : public TensorHook {
 public:
  explicit TimedHook(std::shared_ptr<TensorHook> inner) : inner_(std::move(inner)) {}
  void operator()(const HookPoint& point, at::Tensor& x) override {
    const double c = processCpuSeconds();
    (*inner_)(point, x);
    cpu += processCpuSeconds() - c;
  }
  double cpu = 0;

 private:
  std::shared_ptr<TensorHook> inner_;
};

// The quantized forward's extra cost comes from the hooks (activations, K/V) alone: fake-quantized
// weights are dense fp32 like the originals. The hooks are timed inside the forward (their CPU time
// against the forward's), and also added and removed around alternating forwards (best of N each);
// applying the whole config to the weights is timed once.
void benchForward(const std::filesystem::path& work, int repeats) {
  const auto config = llama125m();
  const auto dir = work / config.modelType;
  if (!std::filesystem::exists(dir / "model.safetensors")) writeRandomCheckpoint(config, dir, 1);
  auto model = Model::load(dir);
  const int64_t tokens = 256;
  const auto ids = at::randint(4, config.vocabSize, {1, tokens}, at::kLong);
  model->forward(ids);  // warm-up: page the weights in
  std::printf("\nllama-125m (random weights), forward of %lld tokens, best of %d alternating runs:\n",
              static_cast<long long>(tokens), repeats);
  for (const char* name : {"W16A8KV16", "W16A16KV4-g128", "W4A8KV4-g128"}) {
    const QuantConfig qc = QuantConfig::parse(name);
    auto hook = std::make_shared<TimedHook>(makeFakeQuantHook(qc));
    double wall[2] = {1e30, 1e30}, cpu[2] = {1e30, 1e30}, share = 1e30;
    for (int r = 0; r < repeats; ++r)
      for (int quantized = 0; quantized < 2; ++quantized) {
        if (quantized) model->hooks().add(hook);
        hook->cpu = 0;
        const auto t = Clock::now();
        const double c = processCpuSeconds();
        model->forward(ids);
        const double forwardCpu = processCpuSeconds() - c;
        cpu[quantized] = std::min(cpu[quantized], forwardCpu);
        if (quantized) share = std::min(share, hook->cpu / (forwardCpu - hook->cpu));
        wall[quantized] = std::min(wall[quantized], since(t));
        if (quantized) model->hooks().remove(hook.get());
      }
    std::printf("  %-15s hooks cost %5.2f%% of the unquantized forward (CPU time inside them); alternating runs:"
                " wall %.0f -> %.0f ms (%.3fx), CPU %.0f -> %.0f ms (%.3fx)\n",
                name, 100.0 * share, wall[0] * 1e3, wall[1] * 1e3, wall[1] / wall[0], cpu[0] * 1e3, cpu[1] * 1e3,
                cpu[1] / cpu[0]);
  }
  const auto t = Clock::now();
  QuantizedModel q(*model, QuantConfig::parse("W4A8KV4-g128"));
  std::printf("  applying W4A8KV4-g128 (fake-quantizing %d weights once): %.0f ms\n", q.quantizedWeightCount(),
              since(t) * 1e3);
}

int runBenchQuant(const std::vector<std::string>& argv) {
  Args args(argv, {"repeats", "workdir"}, {"no-model"});
  if (printHelpIfAsked(args, "bench-quant")) return kOk;
  const int repeats = static_cast<int>(args.integer("repeats", 12));
  if (repeats < 1) throw UsageError("option --repeats must be at least 1");
  const std::filesystem::path work =
      args.value("workdir", (std::filesystem::temp_directory_path() / "quantscope-bench").string());

  double load[1] = {0};
  getloadavg(load, 1);
  std::printf("threads %d, load average %.1f, libtorch %s, CUDA kernels %s\n", computeThreads(), load[0],
              libtorchVersion().c_str(), fakeQuantCudaAvailable() ? "available" : "not available");
  std::vector<Case> cases{{"W4-g128 weight 4096x4096", QuantSpec::group(4, 128), {4096, 4096}},
                          {"A8 per-token 2048x4096", QuantSpec::token(8), {2048, 4096}}};
  double copy1 = 0, copyN = 0;
  runRounds(cases, repeats, copy1, copyN);
  std::printf("memory copy, 512 MiB memcpy: 1 thread %.1f GB/s, %d threads %.1f GB/s (bytes read + written)\n",
              copy1, computeThreads(), copyN);
  std::printf("\nfake quantization, GB/s (bytes read + written), best of %d rounds alternating with the copy:\n",
              repeats);
  std::printf("%-26s %9s %9s %12s %9s %9s %8s %6s\n", "case", "reference", "fused", "fused+alloc", "copy",
              "of copy", "speedup", "exact");
  for (const auto& c : cases) {
    const double gb = 2.0 * static_cast<double>(c.x.numel()) * 4 / 1e9;
    std::printf("%-26s %9.2f %9.2f %12.2f %9.2f %8.0f%% %7.1fx %6s\n", c.label, gb / c.reference, gb / c.fused,
                gb / c.alloc, gb / c.copy, 100.0 * c.copy / c.fused, c.reference / c.fused,
                at::equal(c.out, c.ref) ? "yes" : "NO");
  }
  std::printf("targets: fused >= 70%% of copy bandwidth and >= 15x the reference. 'copy' copies the same\n"
              "tensor (same footprint, all threads); 'fused' writes into a preallocated output,\n"
              "'fused+alloc' also allocates it (page faults on first touch).\n");
  perCoreRates(cases, repeats);
  if (!args.has("no-model")) benchForward(work, std::max(2, repeats / 4));
  return kOk;
}

const CommandRegistrar kRegister{{
    "bench-quant",
    "fake-quantization kernel throughput vs memory bandwidth, and quantized forward cost",
    "usage: quantscope-cli bench-quant [--repeats N] [--workdir DIR] [--no-model]\n\n"
    "Measures the memory copy bandwidth (512 MiB memcpy, bytes read + written), then the op-by-op\n"
    "reference and the fused kernel on W4-g128 (4096x4096 fp32 weight) and A8 per-token (2048x4096\n"
    "activation), each as GB/s, as a fraction of a copy of the same tensor (timed in alternation\n"
    "with it, best of N rounds) and as a speedup over the\n"
    "reference (targets: >= 70% and >= 15x), and per core by CPU time. Then, unless --no-model, the\n"
    "forward cost of a 125M-class LLaMA with random weights (written once to DIR, default\n"
    "$TMPDIR/quantscope-bench) with the A8, KV4 and W4A8KV4 hooks relative to the unquantized forward.\n",
    runBenchQuant,
}};

}  // namespace
}  // namespace qs::cli
