// The safetensors reader: the input is a whole file (8-byte header length, JSON header, data).
// An accepted file must hand out every tensor it lists.
#include <ATen/core/ivalue.h>  // before ATen.h: see fuzz/CMakeLists.txt
#include <ATen/ATen.h>

#include "core/checkpoint/safetensors.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qs::fuzz;
  const auto file = scratchDir() / "model.safetensors";
  writeFile(file, asText(data, size));
  expectCleanRejection([&] {
    auto st = qs::SafetensorsFile::open(file);
    for (const auto& e : st->entries()) {
      at::Tensor t = st->tensor(e.name);
      if (static_cast<uint64_t>(t.nbytes()) != e.end - e.begin) fail("tensor " + e.name + ": size differs from its offsets");
      if (t.numel() > 0) (void)t.reshape({-1}).view(at::kByte).sum().item<int64_t>();  // touches every byte
    }
  });
  return 0;
}
