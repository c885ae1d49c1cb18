#include "ui/task_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

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

nlohmann::json parseFile(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(file.string() + ": invalid JSON: " + e.what());
  }
  if (!j.is_object()) throw std::runtime_error(file.string() + ": expected a JSON object");
  return j;
}

// The file's top-level keys over those of the files it includes (paths relative to it), as the
// tasks layer merges them; "abstract" is not inherited. Deep merging is left to the tasks layer:
// the listing reads top-level strings only.
nlohmann::json mergedTopLevel(const fs::path& file, int depth = 0) {
  if (depth > 16) throw std::runtime_error(file.string() + ": includes nest too deep (a cycle?)");
  nlohmann::json own = parseFile(file);
  nlohmann::json merged = nlohmann::json::object();
  if (auto inc = own.find("include"); inc != own.end()) {
    std::vector<std::string> names;
    if (inc->is_string()) names.push_back(inc->get<std::string>());
    if (inc->is_array())
      for (const auto& e : *inc)
        if (e.is_string()) names.push_back(e.get<std::string>());
    for (const auto& name : names) merged.update(mergedTopLevel(file.parent_path() / name, depth + 1));
    own.erase("include");
  }
  merged.erase("abstract");
  merged.update(own);
  return merged;
}

// Returns false (with a problem recorded) when the file cannot be read, and false with no
// problem for an abstract base file (included by others, not a task itself).
bool readEntry(const fs::path& file, const fs::path& root, TaskEntry& entry, std::string& problem) {
  nlohmann::json j;
  try {
    j = mergedTopLevel(file);
  } catch (const std::runtime_error& e) {
    problem = e.what();
    return false;
  }
  if (j.value("abstract", false) == true) return false;
  entry.file = file;
  entry.name = stringField(j, {"name", "task"});
  if (entry.name.empty()) entry.name = file.stem().string();
  entry.kind = stringField(j, {"kind", "group", "category"});
  if (entry.kind.empty() && file.parent_path() != root) entry.kind = file.parent_path().filename().string();
  if (entry.kind.empty()) entry.kind = "other";
  entry.version = stringField(j, {"version"});
  // "description" is a prompt template in task files, not prose: show how the task is run instead.
  for (const char* key : {"output_type", "protocol"}) {
    const std::string v = stringField(j, {key});
    if (!v.empty()) entry.summary += (entry.summary.empty() ? "" : ", ") + v;
  }
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
    else if (!problem.empty())
      catalog.problems.push_back(problem);
  }
  if (ec) catalog.problems.push_back(dir.string() + ": " + ec.message());
  std::sort(catalog.tasks.begin(), catalog.tasks.end(), [](const TaskEntry& a, const TaskEntry& b) {
    return std::tie(a.kind, a.name) < std::tie(b.kind, b.name);
  });
  return catalog;
}

fs::path bundledTasksDir(const fs::path& executableDir) {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("QS_RESOURCES")) candidates.push_back(fs::path(env) / "tasks");
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
