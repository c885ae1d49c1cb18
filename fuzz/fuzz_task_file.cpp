// Task files: the input is written as tasks/fuzz/task.json beside a real base.json (so "include"
// is exercised) and loaded with TaskConfig::load.
#include "fuzz/fuzz_common.h"
#include "tasks/task_config.h"

namespace {
std::filesystem::path tasksDir;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tasksDir = qs::fuzz::scratchDir() / "tasks";
  std::filesystem::create_directories(tasksDir / "fuzz");
  const std::filesystem::path base = QS_SOURCE_DIR "/resources/tasks/arc/base.json";
  if (std::filesystem::exists(base))
    std::filesystem::copy_file(base, tasksDir / "fuzz" / "base.json", std::filesystem::copy_options::overwrite_existing);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qs::fuzz;
  const auto file = tasksDir / "fuzz" / "task.json";
  writeFile(file, asText(data, size));
  expectCleanRejection([&] { (void)qs::TaskConfig::load(file, tasksDir); });
  return 0;
}
