#pragma once
// The task files found under a tasks directory (resources/tasks/**.json), listed by name and kind
// for the task panel. Only the listing fields are read; the tasks layer parses the rest.
#include <filesystem>
#include <string>
#include <vector>

namespace qs {

struct TaskEntry {
  std::string name;  // "name" field, else the file's stem
  std::string kind;  // "kind" field (else "group" / "category"), else the parent folder's name
  std::string version;
  std::string description;
  std::filesystem::path file;
};

struct TaskCatalog {
  std::vector<TaskEntry> tasks;     // sorted by kind, then name
  std::vector<std::string> problems;  // "file: what is wrong" for files that could not be listed
};

// Lists every *.json below `dir` (recursively). A missing directory gives an empty catalog with a
// problem saying so; an unreadable file is skipped and named in problems.
TaskCatalog scanTasks(const std::filesystem::path& dir);

// Where the bundled task files are: $QUANTSCOPE_TASKS, <exe>/../share/quantscope/tasks, or the
// source tree's resources/tasks; the first that exists.
std::filesystem::path defaultTasksDir(const std::filesystem::path& executableDir);

}  // namespace qs
