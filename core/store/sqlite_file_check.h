#pragma once
// Checks that an existing file can be an SQLite database before SQLite is let near it, so that a
// text file, a truncated copy or a damaged header is reported instead of being opened (and perhaps
// written to).
#include <filesystem>

namespace qs {

// Throws qs::Error naming the file and what is wrong: not a regular file, unreadable, not an
// SQLite database (shows how it starts), a damaged header, or truncated (fewer bytes than its
// header declares). An empty file passes: SQLite treats it as a new database.
void checkSqliteFile(const std::filesystem::path& file);

}  // namespace qs
