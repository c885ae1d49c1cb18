#pragma once
// Where the bundled task files and data samples are: $QS_RESOURCES, else
// <executable>/../share/quantscope (installed), else the source tree's resources/.
#include <filesystem>

namespace qs {

std::filesystem::path resourcesDir();
std::filesystem::path defaultTasksDir();  // resourcesDir() / "tasks"
std::filesystem::path defaultDataDir();   // resourcesDir() / "data"

}  // namespace qs
