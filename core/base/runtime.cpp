#include "core/base/runtime.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/Context.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/base/error.h"

namespace qs {

void ensurePassiveOpenMpWait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;  // the user's choice, or already re-executed
  if (::setenv("OMP_WAIT_POLICY", "PASSIVE", 0) != 0) return;
  ::execv("/proc/self/exe", argv);
  // execv only returns on failure (no /proc): go on with the spinning default.
}

void configureThreads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
}

int computeThreads() { return at::get_num_threads(); }

bool cudaAvailable() { return at::hasCUDA() && at::globalContext().hasCUDA(); }

c10::Device parseDevice(const std::string& name) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    if (!at::hasCUDA())
      throw Error("device \"" + name + "\": this build's libtorch has no CUDA support (Debian's libtorch is "
                  "CPU-only; build against a CUDA libtorch 2.x to use a GPU)");
    try {
      return c10::Device(name);
    } catch (const std::exception&) {
      throw Error("device \"" + name + "\" is not a valid device name (use cpu, cuda or cuda:N)");
    }
  }
  throw Error("unknown device \"" + name + "\" (use cpu, cuda or cuda:N)");
}

uint64_t availableMemoryBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t value = 0;
  std::string unit;
  while (in >> key >> value >> unit)
    if (key == "MemAvailable:") return value * 1024;
  return 0;
}

std::vector<DeviceInfo> availableDevices() {
  std::vector<DeviceInfo> out;
  std::ostringstream cpu;
  cpu << std::thread::hardware_concurrency() << " cores, " << computeThreads() << " compute threads, "
      << availableMemoryBytes() / (1024 * 1024) << " MiB available, BLAS: " << blasDescription();
  out.push_back({"cpu", cpu.str()});
  if (cudaAvailable()) {
    // Device names need the CUDA runtime; libtorch's CPU build has no API for them, so only count.
    // torch::cuda::device_count is the public count in 1.13 and 2.x alike (the hooks' method moved).
    const int n = static_cast<int>(torch::cuda::device_count());
    for (int i = 0; i < n; ++i) out.push_back({"cuda:" + std::to_string(i), "CUDA device"});
  }
  return out;
}

std::string libtorchVersion() { return TORCH_VERSION; }

std::string blasDescription() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find("openblas") != std::string::npos) return "OpenBLAS";
    if (line.find("libmkl") != std::string::npos) return "MKL";
  }
  maps.clear();
  return at::globalContext().hasMKL() ? "MKL" : "generic libblas";
}

}  // namespace qs
