#include "tests/support/test_support.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/base/error.h"

namespace qs::test {

std::filesystem::path sharedDir() {
  if (const char* env = std::getenv("QS_SHARED_DIR"); env && *env) return env;
  return QS_SHARED_DIR;
}

std::filesystem::path sourceDir() { return QS_SOURCE_DIR; }
std::filesystem::path goldenDir() { return sourceDir() / "tests" / "data" / "golden"; }
std::filesystem::path binaryDir() { return QS_BINARY_DIR; }

std::filesystem::path freshTempDir(const std::string& name) {
  auto dir = binaryDir() / "test-tmp" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace qs::test
