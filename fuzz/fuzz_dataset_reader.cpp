// The data readers: the input is read as a JSONL, a JSON, a CSV (with and without a header row)
// and a line-groups file, and parsed by parseCsv in memory.
#include "fuzz/fuzz_common.h"
#include "tasks/csv_reader.h"
#include "tasks/dataset_reader.h"

namespace {

qs::DataSpec spec(const char* file, const char* format) {
  qs::DataSpec s;
  s.files = {file};
  s.format = format;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qs::fuzz;
  const std::string_view text = asText(data, size);
  const auto dir = scratchDir();
  expectCleanRejection([&] { (void)qs::parseCsv(text, "data.csv"); });

  writeFile(dir / "data.jsonl", text);
  expectCleanRejection([&] { (void)qs::readDocuments(spec("data.jsonl", "jsonl"), dir); });

  writeFile(dir / "data.json", text);
  expectCleanRejection([&] { (void)qs::readDocuments(spec("data.json", "json"), dir); });
  expectCleanRejection([&] {
    qs::DataSpec s = spec("data.json", "json");
    s.records = "data.rows";
    (void)qs::readDocuments(s, dir);
  });

  writeFile(dir / "data.csv", text);
  expectCleanRejection([&] {
    qs::DataSpec s = spec("data.csv", "csv");
    s.header = true;
    (void)qs::readDocuments(s, dir);
  });
  expectCleanRejection([&] {
    qs::DataSpec s = spec("data.csv", "csv");
    s.columns = {"question", "A", "B", "C", "D", "answer"};
    (void)qs::readDocuments(s, dir);
  });
  expectCleanRejection([&] {
    qs::DataSpec s = spec("data.csv", "line_groups");
    s.lineFields = {"query", "label", "endings[]", "endings[]"};
    (void)qs::readDocuments(s, dir);
  });
  return 0;
}
