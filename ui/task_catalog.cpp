#include "ui/task_catalog.h"

#include <algorithm>
#include <tuple>

#include "core/base/error.h"
#include "tasks/evaluator.h"

namespace qs {

TaskCatalog scanTasks(const std::filesystem::path& dir) {
  TaskCatalog catalog;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    catalog.problems.push_back(dir.string() + ": no such tasks directory");
    return catalog;
  }
  try {
    for (const TaskInfo& info : listTasks(dir)) {
      if (!info.error.empty()) {
        catalog.problems.push_back(info.error);
        continue;
      }
      TaskEntry e;
      e.name = info.name;
      e.family = info.family;
      e.kind = info.kind.empty() ? info.family : info.kind;
      e.version = std::to_string(info.version);
      e.summary = info.outputType + (info.protocol.empty() ? "" : "\n" + info.protocol);
      e.file = info.file;
      catalog.tasks.push_back(std::move(e));
    }
  } catch (const std::exception& e) {  // a directory that cannot be walked (permissions)
    catalog.problems.push_back(dir.string() + ": " + e.what());
  }
  std::sort(catalog.tasks.begin(), catalog.tasks.end(), [](const TaskEntry& a, const TaskEntry& b) {
    return std::tie(a.kind, a.name) < std::tie(b.kind, b.name);
  });
  return catalog;
}

}  // namespace qs
