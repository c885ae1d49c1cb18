// A sweep on the GPU against the same sweep on the CPU: the bundled demo model, two configurations
// (W4 and W4A8KV4, group 32) and the FP16 baseline on LAMBADA (40 items) and WikiText-2 perplexity,
// with statistics. float32 on the GPU must give the CPU's numbers (reduction order aside); bfloat16
// runs, stores finite numbers near them and records its dtype.
#include <ATen/ATen.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "core/store/experiment_store.h"
#include "tasks/sweep_runner.h"
#include "tests/gpu/gpu_check.h"

namespace {

namespace fs = std::filesystem;

using Scores = std::map<std::string, double>;  // "config/task/metric" -> value

Scores sweep(const std::string& device, const std::string& dtype) {
  const fs::path dir = fs::temp_directory_path() / ("qs-gpu-sweep-" + device + "-" + dtype);
  fs::remove_all(dir);
  fs::create_directories(dir);
  qs::SweepSpec spec;
  spec.models = {fs::path(QS_SOURCE_DIR) / "resources" / "demo-model"};
  spec.dataDir = fs::path(QS_SOURCE_DIR) / "resources" / "demo-data";
  spec.quantConfigs = {"W4A16KV16-g32", "W4A8KV4-g32"};
  spec.tasks = {"lambada_openai", "wikitext2_document"};
  spec.limit = 40;
  spec.device = device;
  spec.dtype = dtype;
  qs::CancelToken cancel;
  const auto summary = qs::SweepRunner(dir / "sweep.qsdb", spec).run({}, cancel);
  GPU_CHECK(summary.runsFailed == 0 && summary.runsCompleted == 6,
            device + "/" + dtype + ": " + std::to_string(summary.runsCompleted) + " runs done, " +
                std::to_string(summary.runsFailed) + " failed");
  qs::ExperimentStore store(dir / "sweep.qsdb", qs::ExperimentStore::Mode::ReadOnly);
  Scores out;
  for (const auto& run : store.listRuns()) {
    if (device != "cpu" || dtype != "float32")
      GPU_CHECK(run.device.find(device) == 0 && run.device.find(dtype == "float32" ? "Float" : "BFloat16") !=
                                                     std::string::npos,
                "run device recorded as '" + run.device + "'");
    for (const auto& m : store.metrics(run.id)) out[run.quantName + "/" + run.task + "/" + m.name] = m.value;
  }
  GPU_CHECK(!store.statsKeys().empty(), device + ": no layer statistics stored");
  return out;
}

void gpuSweepMatchesCpu() {
  const Scores cpu = sweep("cpu", "float32");
  const std::string gpu = qs::gpu_test::deviceName();
  const Scores f32 = sweep(gpu, "float32");
  const Scores bf16 = sweep(gpu, "bfloat16");
  GPU_CHECK(cpu.size() == f32.size() && cpu.size() == bf16.size(), "the sweeps stored different metrics");
  for (const auto& [key, value] : cpu) {
    const double a = f32.at(key), b = bf16.at(key);
    std::printf("  %-50s cpu %.6g  %s fp32 %.6g  %s bf16 %.6g\n", key.c_str(), value, gpu.c_str(), a, gpu.c_str(), b);
    GPU_CHECK(std::isfinite(a) && std::isfinite(b), key + " is not finite on the GPU");
    // Accuracy over 40 items: one item may flip on a near-tie; continuous metrics agree closely.
    const bool accuracy = key.find("/acc") != std::string::npos;
    const double f32Bound = accuracy ? 1.0 / 40 + 1e-9 : 1e-3 * std::max(1.0, std::fabs(value));
    GPU_CHECK(std::fabs(a - value) <= f32Bound, key + ": float32 on the GPU gives " + std::to_string(a) +
                                                    ", the CPU " + std::to_string(value));
    const double bf16Bound = accuracy ? 0.1 : 0.05 * std::max(1.0, std::fabs(value));
    GPU_CHECK(std::fabs(b - value) <= bf16Bound, key + ": bfloat16 on the GPU gives " + std::to_string(b) +
                                                     ", the CPU " + std::to_string(value));
  }
}

}  // namespace

int main() { return qs::gpu_test::runCases("gpu_sweep", {{"gpuSweepMatchesCpu", gpuSweepMatchesCpu}}); }
