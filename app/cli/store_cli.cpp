#include "app/cli/store_cli.h"

#include <algorithm>
#include <iostream>

#include "core/base/error.h"
#include "tasks/report/result_points.h"

namespace qs::cli {

std::string textTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    return out + "\n";
  };
  std::string out = line(header);
  for (const auto& r : rows) out += line(r);
  return out;
}

std::vector<int64_t> matchModels(const ExperimentStore& store, const std::string& pattern) {
  auto models = store.models();
  auto labels = modelLabels(models);
  bool hex = pattern.size() >= 6 && pattern.find_first_not_of("0123456789abcdef") == std::string::npos;
  std::vector<int64_t> ids;
  for (const auto& m : models) {
    bool match = std::to_string(m.id) == pattern || m.path == pattern || labels[m.id] == pattern ||
                 std::filesystem::path(m.path).filename() == pattern || (hex && m.fingerprint.rfind(pattern, 0) == 0);
    if (match) ids.push_back(m.id);
  }
  if (ids.empty()) {
    std::string known;
    for (const auto& m : models) known += "\n  " + std::to_string(m.id) + "  " + labels[m.id] + "  " + m.path;
    throw Error(store.file().string() + ": no model matches '" + pattern + "'; the models are:" +
                (known.empty() ? std::string(" (none)") : known));
  }
  return ids;
}

ExperimentStore openStore(const std::filesystem::path& file, ExperimentStore::Mode mode) {
  try {
    return ExperimentStore(file, mode);
  } catch (const qs::Error& e) {
    throw BadInput(e.what());
  }
}

void printError(const char* name, const std::string& message) {
  std::cerr << "quantscope-cli " << name << ": " << message << "\n";
}

}  // namespace qs::cli
