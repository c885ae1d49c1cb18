#pragma once
// A thin RAII layer over the SQLite C API: a connection and prepared statements whose failures
// throw qs::Error naming the database file and the SQLite message. Used by the experiment store.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace qs {

class SqliteDb {
 public:
  // flags are sqlite3_open_v2 flags; uri is the name passed to SQLite (a path or "file:" URI),
  // file is what error messages call the database.
  SqliteDb(const std::string& uri, int flags, std::filesystem::path file);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& file() const { return file_; }

  // Runs one or more statements that return no rows.
  void exec(std::string_view sql) const;
  // The first column of the first row as an integer (PRAGMAs, COUNT(*)).
  int64_t queryInt(std::string_view sql) const;
  int64_t lastInsertId() const;
  // Throws qs::Error "<file>: <what>: <sqlite message>" for a failed call with result code rc.
  [[noreturn]] void fail(int rc, std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
};

class SqliteStatement {
 public:
  SqliteStatement(const SqliteDb& db, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Bind by 1-based index; nullopt binds NULL.
  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  SqliteStatement& bind(int index, double value);
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  SqliteStatement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  SqliteStatement& bindBlob(int index, const void* data, size_t bytes);
  SqliteStatement& bindNull(int index);
  template <typename T>
  SqliteStatement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bindNull(index);
  }

  // Advances; true while a row is available. Throws on error (constraint violations included).
  bool step();
  // Steps a statement that returns no rows; then resets it for reuse with new bindings.
  void run();
  void reset();

  bool isNull(int column) const;
  int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  std::optional<int64_t> optInt64(int column) const;
  std::optional<double> optReal(int column) const;
  std::vector<unsigned char> blob(int column) const;

 private:
  const SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

}  // namespace qs
