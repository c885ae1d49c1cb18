#pragma once
// Reads a whole data file as bytes, decompressing .gz (zlib) and .bz2 (libbz2) by extension.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

// Throws qs::Error naming the file when it is missing, unreadable or a corrupt archive.
std::string readTextFile(const std::filesystem::path& path);

// Splits on '\n', dropping a trailing '\r' from each line (CRLF files). A final newline does not
// make an extra empty line.
std::vector<std::string> splitLines(std::string_view text);

}  // namespace qs
