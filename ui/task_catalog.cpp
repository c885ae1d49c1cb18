#include "ui/task_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

namespace qs {
namespace {

namespace fs = std::filesystem;

std::string stringField(const nlohmann::json& j, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) return it->get<std::string>();
    if (it != j.end() && it->is_number()) return it->dump();
  }
  return {};
}

// Returns false (with a problem recorded) when the file is not a task.
bool readEntry(const fs::path& file, const fs::path& root, TaskEntry& entry, std::string& problem) {
  std::ifstream in(file);
  if (!in) return problem = file.string() + ": cannot open", false;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return problem = file.string() + ": invalid JSON: " + e.what(), false;
  }
  if (!j.is_object()) return problem = file.string() + ": expected a JSON object", false;
  entry.file = file;
  entry.name = stringField(j, {"name", "task"});
  if (entry.name.empty()) entry.name = file.stem().string();
  entry.kind = stringField(j, {"kind", "group", "category"});
  if (entry.kind.empty() && file.parent_path() != root) entry.kind = file.parent_path().filename().string();
  if (entry.kind.empty()) entry.kind = "other";
  entry.version = stringField(j, {"version"});
  entry.description = stringField(j, {"description"});
  return true;
}

}  // namespace

TaskCatalog scanTasks(const fs::path& dir) {
  TaskCatalog catalog;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    catalog.problems.push_back(dir.string() + ": no such tasks directory");
    return catalog;
  }
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".json") continue;
    TaskEntry entry;
    std::string problem;
    if (readEntry(it->path(), dir, entry, problem))
      catalog.tasks.push_back(std::move(entry));
    else
      catalog.problems.push_back(problem);
  }
  if (ec) catalog.problems.push_back(dir.string() + ": " + ec.message());
  std::sort(catalog.tasks.begin(), catalog.tasks.end(), [](const TaskEntry& a, const TaskEntry& b) {
    return std::tie(a.kind, a.name) < std::tie(b.kind, b.name);
  });
  return catalog;
}

fs::path defaultTasksDir(const fs::path& executableDir) {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("QUANTSCOPE_TASKS")) candidates.emplace_back(env);
  candidates.push_back(executableDir / ".." / "share" / "quantscope" / "tasks");
#ifdef QS_RESOURCE_DIR
  candidates.push_back(fs::path(QS_RESOURCE_DIR) / "tasks");
#endif
  std::error_code ec;
  for (const auto& c : candidates)
    if (fs::is_directory(c, ec)) return c.lexically_normal();
  return candidates.back();
}

}  // namespace qs
