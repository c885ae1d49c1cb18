// The database open path: the input is written as a .qsdb file and opened read-only, then (a
// fresh copy) read-write; an opened store is read through its query functions.
#include "core/store/experiment_store.h"
#include "fuzz/fuzz_common.h"

namespace {

void readEverything(const qs::ExperimentStore& store) {
  (void)store.models();
  for (const auto& run : store.listRuns()) {
    (void)store.metrics(run.id);
    (void)store.logs(run.id);
  }
  (void)store.metricsByRun();
  (void)store.statsKeys();
  (void)store.layerStats({});
  (void)store.channelProfiles({});
  (void)store.changeStamp();
}

void resetDir(const std::filesystem::path& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qs::fuzz;
  const auto dir = scratchDir() / "store";
  const auto file = dir / "fuzz.qsdb";
  for (auto mode : {qs::ExperimentStore::Mode::ReadOnly, qs::ExperimentStore::Mode::ReadWrite}) {
    resetDir(dir);  // also drops -wal, -shm and migration backups of the previous open
    writeFile(file, asText(data, size));
    expectCleanRejection([&] {
      qs::ExperimentStore store(file, mode);
      readEverything(store);
    });
  }
  return 0;
}
