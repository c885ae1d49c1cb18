#pragma once
// RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. A UTF-8 byte-order
// mark at the start is skipped.
#include <string>
#include <string_view>
#include <vector>

namespace qs {

struct CsvRecord {
  std::vector<std::string> fields;
  int line = 0;  // 1-based line where the record starts
};

// Throws qs::Error naming `fileName` and the line of an unterminated quoted field or a stray quote.
std::vector<CsvRecord> parseCsv(std::string_view text, const std::string& fileName);

}  // namespace qs
