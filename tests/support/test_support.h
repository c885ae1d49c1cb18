#pragma once
// Helpers shared by the test executables: where shared/ and the sources are, temp folders.
#include <filesystem>
#include <string>

namespace qs::test {

// ../shared beside the checkout (QS_SHARED_DIR overrides). Tests that need it QSKIP without it.
std::filesystem::path sharedDir();
std::filesystem::path sourceDir();
// The Hugging Face reference outputs the model tests compare against, copied from
// ../shared/golden into tests/data/golden so a fresh clone runs every model test.
std::filesystem::path goldenDir();
std::filesystem::path binaryDir();
// A fresh empty folder under the build tree, removed at the start of the next use of the same name.
std::filesystem::path freshTempDir(const std::string& name);
// Reads a whole file; throws qs::Error when it cannot.
std::string readFile(const std::filesystem::path& path);

}  // namespace qs::test
