#pragma once
// Reads the documents of a task from its data files. Formats:
//   jsonl        one JSON object per line (blank lines skipped)
//   json         a JSON array of objects, or the array at `records` inside the file
//   csv          RFC 4180; field names from `columns`, or from the first row when header = true
//   text         the whole file as one document {"text": ...}, or split = "lines" /
//                "nonempty_lines" / "blank_line" (paragraphs) into one document per piece
//   line_groups  a fixed number of lines per item, one field name per line; "name[]" appends
//                the line to a list (HellaSwag's 6-line format: query, label, endings[] x 4)
// Files may be .gz or .bz2 compressed and may use '*' in the file name (sorted matches). Every
// document gets "_file" (the file name without directory and extensions).
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "tasks/document.h"

namespace qs {

struct DataSpec {
  std::vector<std::string> files;  // relative to the data directory
  std::string format = "jsonl";
  std::string records;               // json: path of the array inside the file
  std::vector<std::string> columns;  // csv
  bool header = false;               // csv
  std::string split = "none";        // text
  std::string textField = "text";    // text
  std::vector<std::string> lineFields;  // line_groups
  std::string labelsFile;   // optional parallel file, one value per line
  std::string labelsField = "label";
  bool optional = false;    // a missing file yields no documents instead of an error

  // Parses the "data" object of a task file; `where` prefixes error messages.
  static DataSpec fromJson(const nlohmann::json& j, const std::string& where);
};

// Throws qs::Error naming the file, line and field of the first malformed row.
std::vector<Document> readDocuments(const DataSpec& spec, const std::filesystem::path& dataDir);

// Expands a file pattern ('*' in the last component) to sorted existing paths.
std::vector<std::filesystem::path> expandDataPattern(const std::filesystem::path& dataDir, const std::string& pattern);

}  // namespace qs
