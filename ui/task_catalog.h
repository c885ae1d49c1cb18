#pragma once
// The tasks of a tasks directory (resources/tasks/**.json) as the task panel lists them, from the
// tasks layer's own listing (tasks/evaluator.h listTasks: includes merged, abstract bases skipped).
#include <filesystem>
#include <string>
#include <vector>

namespace qs {

struct TaskEntry {
  std::string name;
  std::string kind;  // basic, emergent, trustworthiness, long_context, dialogue; else the family folder
  std::string family;
  std::string version;
  std::string summary;  // output type and protocol, for the tooltip
  std::filesystem::path file;
};

struct TaskCatalog {
  std::vector<TaskEntry> tasks;       // sorted by kind, then name
  std::vector<std::string> problems;  // malformed task files, with the tasks layer's message
};

// A missing directory gives an empty catalog with a problem saying so; never throws.
TaskCatalog scanTasks(const std::filesystem::path& dir);

}  // namespace qs
