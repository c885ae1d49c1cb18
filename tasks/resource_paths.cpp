#include "tasks/resource_paths.h"

#include <unistd.h>

#include <cstdlib>

namespace qs {

namespace fs = std::filesystem;

fs::path resourcesDir() {
  if (const char* env = std::getenv("QS_RESOURCES"); env && *env) return env;
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) {
    buf[n] = '\0';
    fs::path installed = fs::path(buf).parent_path().parent_path() / "share" / "quantscope";
    if (fs::is_directory(installed / "tasks")) return installed;
  }
  return fs::path(QS_SOURCE_RESOURCES);
}

fs::path defaultTasksDir() { return resourcesDir() / "tasks"; }
fs::path defaultDataDir() { return resourcesDir() / "data"; }

}  // namespace qs
