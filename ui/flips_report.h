#pragma once
// A quantized run against its FP16 partner item by item, with each flipped item's document (the
// rendered question, its choices and gold answer, read from the task's data as the run read it):
// what the Flips dialog shows. No Qt; reads the store and task files, so it runs off the GUI thread.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/store/store_records.h"
#include "tasks/report/paired_comparison.h"
#include "tasks/task.h"

namespace qs {

class ExperimentStore;

struct FlipEntry {
  bool lost = false;  // right in the FP16 run, wrong in this one; else gained
  ItemRecord reference;
  ItemRecord other;
  std::optional<DocumentPreview> document;  // nullopt when the task data could not be read
};

struct FlipsReport {
  RunRecord run;
  std::optional<RunRecord> baseline;
  // Why nothing could be compared, in plain words (no FP16 partner, no per-item results); "" when
  // the comparison below is valid.
  std::string problem;
  // The comparison is valid but the documents could not be read (task data moved): flips are
  // listed without their questions.
  std::string documentProblem;
  PairedComparison comparison;
  std::vector<FlipEntry> flips;  // lost, then gained, each in item order
};

// dataDir is used for runs that recorded no data folder in their protocol ("" = bundled data);
// tasksDir "" = the bundled task files.
FlipsReport loadFlips(const ExperimentStore& store, int64_t runId, const std::filesystem::path& tasksDir,
                      const std::filesystem::path& dataDir);

// "(B) a lion" for a multiple-choice pick, the generated text for a generation task, whether the
// target was the greedy continuation for a cloze task; "" when the item records no answer.
std::string describeAnswer(const ItemRecord& item, const DocumentPreview* document);

// "A", "B", ... for choice i.
std::string choiceLetter(int i);

// One line: the two runs, the paired counts and the test ("McNemar exact p = 0.012: ...").
std::string flipsSummary(const FlipsReport& report);

}  // namespace qs
