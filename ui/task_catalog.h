#pragma once
// The task files found under a tasks directory (resources/tasks/**.json), listed by name and kind
// for the task panel. Only the listing fields are read (following "include", skipping
// "abstract" base files); the tasks layer (TaskConfig::load) parses and checks the rest.
#include <filesystem>
#include <string>
#include <vector>

namespace qs {

struct TaskEntry {
  std::string name;  // "name" field, else the file's stem
  std::string kind;  // "kind" field (else "group" / "category"), else the parent folder's name
  std::string version;
  std::string summary;  // "multiple_choice", "rolling_loglikelihood, concatenated"
  std::filesystem::path file;
};

struct TaskCatalog {
  std::vector<TaskEntry> tasks;     // sorted by kind, then name
  std::vector<std::string> problems;  // "file: what is wrong" for files that could not be listed
};

// Lists every *.json below `dir` (recursively) that is not abstract. A missing directory gives an
// empty catalog with a problem saying so; an unreadable file is skipped and named in problems.
TaskCatalog scanTasks(const std::filesystem::path& dir);

// Where the bundled task files are: $QS_RESOURCES/tasks, <exe>/../share/quantscope/tasks, or the
// source tree's resources/tasks; the first that exists (the order tasks/resource_paths.h uses).
std::filesystem::path bundledTasksDir(const std::filesystem::path& executableDir);

}  // namespace qs
