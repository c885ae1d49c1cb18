#pragma once
// Process-wide runtime settings: compute threads, devices, memory.
#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

namespace qs {

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
