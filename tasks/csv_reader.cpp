#include "tasks/csv_reader.h"

#include "core/base/error.h"

namespace qs {

std::vector<CsvRecord> parseCsv(std::string_view text, const std::string& fileName) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRecord> records;
  CsvRecord current;
  std::string field;
  int line = 1;
  current.line = 1;
  bool inQuotes = false;
  bool fieldWasQuoted = false;
  bool recordHasData = false;
  auto endField = [&] {
    current.fields.push_back(std::move(field));
    field.clear();
    fieldWasQuoted = false;
  };
  auto endRecord = [&] {
    endField();
    if (recordHasData || current.fields.size() > 1 || !current.fields[0].empty()) records.push_back(std::move(current));
    current = CsvRecord{};
    current.line = line;
    recordHasData = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inQuotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          inQuotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    switch (c) {
      case '"':
        if (!field.empty() || fieldWasQuoted)
          throw Error(fileName + ":" + std::to_string(line) + ": stray '\"' inside an unquoted CSV field");
        inQuotes = true;
        fieldWasQuoted = true;
        recordHasData = true;
        break;
      case ',':
        endField();
        recordHasData = true;
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') break;
        field += c;
        break;
      case '\n':
        ++line;
        endRecord();
        break;
      default:
        field += c;
    }
  }
  if (inQuotes)
    throw Error(fileName + ":" + std::to_string(current.line) + ": quoted CSV field is never closed");
  if (!field.empty() || !current.fields.empty() || recordHasData) endRecord();
  return records;
}

}  // namespace qs
