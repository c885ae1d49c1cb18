#pragma once
// The GPU tests' own minimal harness. Why not Qt Test like the other suites: the GPU machine builds
// the engine against a pip PyTorch with no Qt there (scripts/device-check.sh), so these tests
// depend on nothing beyond the engine. Each test is a list of named cases; a failed check prints
// file:line and the message and fails its case; exit code 77 (ctest's SKIP_RETURN_CODE) when the
// linked libtorch or the build has no usable CUDA device.
// QS_GPU_TEST_DEVICE=cpu runs the same cases on the CPU: a rehearsal of the tests' own logic on a
// machine without a GPU (scripts/device-check.sh does it there).
#include <ATen/ATen.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "quant/fake_quant.h"

namespace qs::gpu_test {

struct CaseFailed {
  std::string message;
};

inline void check(bool ok, const std::string& message, const char* file, int line) {
  if (!ok) throw CaseFailed{std::string(file) + ":" + std::to_string(line) + ": " + message};
}

// The device the cases run on: "cuda", or what QS_GPU_TEST_DEVICE says.
inline std::string deviceName() {
  const char* env = std::getenv("QS_GPU_TEST_DEVICE");
  return env && *env ? env : "cuda";
}
inline c10::Device device() { return c10::Device(deviceName()); }
inline bool rehearsal() { return deviceName() == "cpu"; }

// Exit code of the executable: 0 all passed, 1 a case failed, 77 no CUDA device.
inline int runCases(const char* suite, const std::vector<std::pair<std::string, std::function<void()>>>& cases) {
  if (rehearsal()) {
    std::printf("REHEARSAL %s: running the cases on the CPU (QS_GPU_TEST_DEVICE=cpu)\n", suite);
  } else if (!at::hasCUDA()) {
    std::printf("SKIP %s: the linked libtorch has no CUDA device\n", suite);
    return 77;
  }
  if (!rehearsal() && !fakeQuantCudaAvailable()) {
    std::printf("SKIP %s: built without the CUDA kernels\n", suite);
    return 77;
  }
  int failed = 0;
  for (const auto& [name, body] : cases) {
    try {
      body();
      std::printf("PASS %s::%s\n", suite, name.c_str());
    } catch (const CaseFailed& f) {
      ++failed;
      std::printf("FAIL %s::%s\n  %s\n", suite, name.c_str(), f.message.c_str());
    } catch (const std::exception& e) {
      ++failed;
      // libtorch appends its C++ backtrace to the message: its first line says what went wrong.
      const std::string what = e.what();
      std::printf("FAIL %s::%s\n  exception: %s\n", suite, name.c_str(), what.substr(0, what.find('\n')).c_str());
    }
    std::fflush(stdout);
  }
  std::printf("%s: %zu cases, %d failed\n", suite, cases.size(), failed);
  return failed ? 1 : 0;
}

}  // namespace qs::gpu_test

#define GPU_CHECK(cond, message) ::qs::gpu_test::check(static_cast<bool>(cond), (message), __FILE__, __LINE__)
