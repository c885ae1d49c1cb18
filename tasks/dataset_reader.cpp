#include "tasks/dataset_reader.h"

#include <fnmatch.h>

#include <algorithm>

#include "core/base/error.h"
#include "core/base/json_text.h"
#include "tasks/csv_reader.h"
#include "tasks/json_path.h"
#include "tasks/text_file.h"

namespace qs {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string stemOf(const fs::path& p) {
  std::string name = p.filename().string();
  size_t dot = name.find('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

std::vector<std::string> stringList(const json& j, const std::string& key, const std::string& where) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  const json& v = j.at(key);
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array()) throw Error(where + ": field '" + key + "' must be a string or a list of strings");
  for (const auto& e : v) {
    if (!e.is_string()) throw Error(where + ": field '" + key + "' must hold only strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::vector<Document> readJsonl(const std::string& text, const std::string& name) {
  std::vector<Document> docs;
  auto lines = splitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    Document d;
    d.file = name;
    d.line = static_cast<int>(i + 1);
    checkJsonDepth(line, d.where());
    try {
      d.fields = json::parse(line);
    } catch (const json::exception& e) {  // parse_error, or out_of_range for "1e999"
      throw Error(d.where() + ": malformed JSON line: " + e.what());
    }
    if (!d.fields.is_object()) throw Error(d.where() + ": expected a JSON object, got " + d.fields.type_name());
    docs.push_back(std::move(d));
  }
  return docs;
}

std::vector<Document> readJsonArray(const std::string& text, const std::string& name, const std::string& records) {
  checkJsonDepth(text, name);
  json all;
  try {
    all = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for "1e999"
    throw Error(name + ": malformed JSON: " + e.what());
  }
  const json* arr = &all;
  json holder;
  if (!records.empty()) {
    auto r = resolveJsonPath(all, records);
    if (!r) throw Error(name + ": no field '" + records + "' (data.records) in the file");
    holder = std::move(*r);
    arr = &holder;
  }
  if (!arr->is_array()) throw Error(name + ": expected a JSON array of records, got " + arr->type_name());
  std::vector<Document> docs;
  for (size_t i = 0; i < arr->size(); ++i) {
    Document d;
    d.file = name + "[" + std::to_string(i) + "]";
    d.fields = (*arr)[i];
    if (!d.fields.is_object()) throw Error(d.file + ": expected a JSON object, got " + d.fields.type_name());
    docs.push_back(std::move(d));
  }
  return docs;
}

std::vector<Document> readCsv(const std::string& text, const std::string& name, const DataSpec& spec) {
  auto records = parseCsv(text, name);
  std::vector<std::string> columns = spec.columns;
  size_t first = 0;
  if (spec.header) {
    if (records.empty()) throw Error(name + ": empty CSV file has no header row");
    columns = records[0].fields;
    first = 1;
  }
  if (columns.empty()) throw Error(name + ": CSV data needs 'columns' or 'header': true in the task file");
  std::vector<Document> docs;
  for (size_t i = first; i < records.size(); ++i) {
    const auto& r = records[i];
    Document d;
    d.file = name;
    d.line = r.line;
    if (r.fields.size() != columns.size())
      throw Error(d.where() + ": CSV row has " + std::to_string(r.fields.size()) + " fields, expected " +
                  std::to_string(columns.size()) + " (" + columns.front() + " ... " + columns.back() + ")");
    for (size_t c = 0; c < columns.size(); ++c) d.fields[columns[c]] = r.fields[c];
    docs.push_back(std::move(d));
  }
  return docs;
}

std::vector<Document> readText(const std::string& text, const std::string& name, const DataSpec& spec) {
  std::vector<Document> docs;
  auto add = [&](std::string piece, int line) {
    Document d;
    d.file = name;
    d.line = line;
    d.fields[spec.textField] = std::move(piece);
    docs.push_back(std::move(d));
  };
  if (spec.split == "none") {
    add(text, 0);
    return docs;
  }
  auto lines = splitLines(text);
  if (spec.split == "lines" || spec.split == "nonempty_lines") {
    for (size_t i = 0; i < lines.size(); ++i) {
      bool blank = lines[i].find_first_not_of(" \t") == std::string::npos;
      if (spec.split == "nonempty_lines" && blank) continue;
      add(lines[i], static_cast<int>(i + 1));
    }
    return docs;
  }
  if (spec.split == "blank_line") {
    std::string para;
    int start = 0;
    for (size_t i = 0; i <= lines.size(); ++i) {
      bool blank = i == lines.size() || lines[i].find_first_not_of(" \t") == std::string::npos;
      if (blank) {
        if (!para.empty()) add(para, start);
        para.clear();
        continue;
      }
      if (para.empty()) start = static_cast<int>(i + 1);
      else para += "\n";
      para += lines[i];
    }
    return docs;
  }
  throw Error(name + ": unknown text split '" + spec.split + "' (none, lines, nonempty_lines, blank_line)");
}

std::vector<Document> readLineGroups(const std::string& text, const std::string& name, const DataSpec& spec) {
  if (spec.lineFields.empty()) throw Error(name + ": line_groups data needs 'fields' (one name per line)");
  auto lines = splitLines(text);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  size_t k = spec.lineFields.size();
  if (lines.size() % k != 0)
    throw Error(name + ":" + std::to_string(lines.size() - lines.size() % k + 1) + ": incomplete item: " +
                std::to_string(lines.size()) + " lines is not a multiple of " + std::to_string(k) + " lines per item");
  std::vector<Document> docs;
  for (size_t i = 0; i < lines.size(); i += k) {
    Document d;
    d.file = name;
    d.line = static_cast<int>(i + 1);
    for (size_t f = 0; f < k; ++f) {
      const std::string& field = spec.lineFields[f];
      if (field.size() > 2 && field.compare(field.size() - 2, 2, "[]") == 0) {
        std::string key = field.substr(0, field.size() - 2);
        if (!d.fields.contains(key)) d.fields[key] = json::array();
        d.fields[key].push_back(lines[i + f]);
      } else {
        d.fields[field] = lines[i + f];
      }
    }
    docs.push_back(std::move(d));
  }
  return docs;
}

void attachLabels(std::vector<Document>& docs, const DataSpec& spec, const fs::path& dataDir) {
  fs::path p = dataDir / spec.labelsFile;
  auto lines = splitLines(readTextFile(p));
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.size() != docs.size())
    throw Error(spec.labelsFile + ": " + std::to_string(lines.size()) + " labels for " + std::to_string(docs.size()) +
                " documents in " + (spec.files.empty() ? std::string("the data") : spec.files.front()));
  for (size_t i = 0; i < docs.size(); ++i) {
    const std::string& s = lines[i];
    bool numeric = !s.empty() && s.find_first_not_of("-0123456789") == std::string::npos;
    if (numeric) docs[i].fields[spec.labelsField] = std::stoll(s);
    else docs[i].fields[spec.labelsField] = s;
  }
}

}  // namespace

DataSpec DataSpec::fromJson(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": 'data' must be an object");
  DataSpec s;
  s.files = stringList(j, "files", where + ": data");
  if (j.contains("file")) {
    auto more = stringList(j, "file", where + ": data");
    s.files.insert(s.files.end(), more.begin(), more.end());
  }
  auto str = [&](const char* key, std::string& out) {
    if (!j.contains(key)) return;
    if (!j.at(key).is_string()) throw Error(where + ": data." + key + " must be a string");
    out = j.at(key).get<std::string>();
  };
  str("format", s.format);
  str("records", s.records);
  str("split", s.split);
  str("text_field", s.textField);
  str("labels_file", s.labelsFile);
  str("labels_field", s.labelsField);
  s.columns = stringList(j, "columns", where + ": data");
  s.lineFields = stringList(j, "fields", where + ": data");
  if (j.contains("header")) {
    if (!j.at("header").is_boolean()) throw Error(where + ": data.header must be true or false");
    s.header = j.at("header").get<bool>();
  }
  if (j.contains("optional")) {
    if (!j.at("optional").is_boolean()) throw Error(where + ": data.optional must be true or false");
    s.optional = j.at("optional").get<bool>();
  }
  if (s.format == "hellaswag") {
    s.format = "line_groups";
    s.lineFields = {"query", "label", "endings[]", "endings[]", "endings[]", "endings[]"};
  }
  static const std::vector<std::string> formats{"jsonl", "json", "csv", "text", "line_groups"};
  if (std::find(formats.begin(), formats.end(), s.format) == formats.end())
    throw Error(where + ": data.format '" + s.format + "' is unknown (jsonl, json, csv, text, line_groups, hellaswag)");
  return s;
}

std::vector<fs::path> expandDataPattern(const fs::path& dataDir, const std::string& pattern) {
  fs::path full = dataDir / pattern;
  std::string name = full.filename().string();
  if (name.find('*') == std::string::npos && name.find('?') == std::string::npos) return {full};
  std::vector<fs::path> out;
  fs::path dir = full.parent_path();
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    if (fnmatch(name.c_str(), e.path().filename().string().c_str(), 0) == 0) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Document> readDocuments(const DataSpec& spec, const fs::path& dataDir) {
  if (spec.files.empty()) throw Error("task data names no files");
  std::vector<Document> all;
  for (const auto& pattern : spec.files) {
    auto paths = expandDataPattern(dataDir, pattern);
    if (paths.empty() || (paths.size() == 1 && !fs::exists(paths[0]))) {
      if (spec.optional) continue;
      throw Error("data file not found: " + (dataDir / pattern).string() + " (data directory " + dataDir.string() + ")");
    }
    for (const auto& p : paths) {
      std::string name = fs::relative(p, dataDir).string();
      std::string text = readTextFile(p);
      std::vector<Document> docs;
      if (spec.format == "jsonl") docs = readJsonl(text, name);
      else if (spec.format == "json") docs = readJsonArray(text, name, spec.records);
      else if (spec.format == "csv") docs = readCsv(text, name, spec);
      else if (spec.format == "text") docs = readText(text, name, spec);
      else docs = readLineGroups(text, name, spec);
      std::string stem = stemOf(p);
      for (auto& d : docs) d.fields["_file"] = stem;
      all.insert(all.end(), std::make_move_iterator(docs.begin()), std::make_move_iterator(docs.end()));
    }
  }
  if (!spec.labelsFile.empty() && !(spec.optional && all.empty())) attachLabels(all, spec, dataDir);
  return all;
}

}  // namespace qs
