#pragma once
// Process-wide runtime settings: compute threads, devices, memory.
#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

namespace qs {

// Called first thing in main() of each program: when OMP_WAIT_POLICY is not set, sets it to PASSIVE
// and re-executes the program (same pid, same arguments). libgomp reads it only when it is loaded,
// before main() runs. Why: with libtorch's OpenMP pool and OpenBLAS's own threads sharing the
// cores, OpenMP workers that spin after every element-wise op steal the cores from the next GEMM;
// on 2 cores the 125M-class forward ran at ~45% of the GEMM peak spinning and ~66-70% passive.
// Returns normally when nothing had to change or the re-exec failed.
void ensurePassiveOpenMpWait(char** argv);

// libtorch defaults to one intra-op thread here; every entry point calls this. 0 = all cores.
void configureThreads(int threads = 0);
int computeThreads();

// "cpu", "cuda", "cuda:N". Throws qs::Error for an unknown device or a CUDA device the linked
// libtorch cannot use.
c10::Device parseDevice(const std::string& name);

struct DeviceInfo {
  std::string name;         // "cpu", "cuda:0"
  std::string description;  // cores / GPU name, memory
};
std::vector<DeviceInfo> availableDevices();
bool cudaAvailable();

// MemAvailable from /proc/meminfo (bytes), 0 when unknown.
uint64_t availableMemoryBytes();

std::string libtorchVersion();
std::string blasDescription();

}  // namespace qs
