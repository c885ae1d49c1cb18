#include "core/store/sqlite_db.h"

#include <sqlite3.h>

#include <cstring>

#include "core/base/error.h"

namespace qs {

SqliteDb::SqliteDb(const std::string& uri, int flags, std::filesystem::path file)
    : file_(std::move(file)) {
  int rc = sqlite3_open_v2(uri.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(file_.string() + ": cannot open database: " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

namespace {
// SQLite's own messages ("file is not a database") are terse; say what it means for the user.
std::string hintFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_NOTADB: return " (the file is not an SQLite database)";
    case SQLITE_CORRUPT: return " (the database file is damaged or truncated)";
    case SQLITE_READONLY: return " (the database is read-only)";
    case SQLITE_BUSY: return " (another process holds a lock on it)";
    default: return "";
  }
}
}  // namespace

void SqliteDb::fail(int rc, std::string_view what) const {
  std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  throw Error(file_.string() + ": " + std::string(what) + ": " + message + hintFor(rc));
}

void SqliteDb::exec(std::string_view sql) const {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw Error(file_.string() + ": '" + text.substr(0, 60) + "' failed: " + message + hintFor(rc));
  }
}

int64_t SqliteDb::queryInt(std::string_view sql) const {
  SqliteStatement st(*this, sql);
  if (!st.step()) throw Error(file_.string() + ": query returned no row: " + std::string(sql));
  return st.int64(0);
}

int64_t SqliteDb::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }

SqliteStatement::SqliteStatement(const SqliteDb& db, std::string_view sql) : db_(db), sql_(sql) {
  int rc = sqlite3_prepare_v2(db_.handle(), sql_.data(), static_cast<int>(sql_.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) db_.fail(rc, "cannot prepare '" + sql_.substr(0, 60) + "'");
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) db_.fail(rc, "bind");
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK) db_.fail(rc, "bind");
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_.fail(rc, "bind");
  return *this;
}

SqliteStatement& SqliteStatement::bindBlob(int index, const void* data, size_t bytes) {
  // A zero-length blob must stay a blob, not NULL: pass a non-null pointer.
  static const char kEmpty = 0;
  int rc = sqlite3_bind_blob64(stmt_, index, bytes ? data : &kEmpty, bytes, SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_.fail(rc, "bind");
  return *this;
}

SqliteStatement& SqliteStatement::bindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) db_.fail(rc, "bind");
  return *this;
}

bool SqliteStatement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);
  db_.fail(rc, "'" + sql_.substr(0, 60) + "' failed");
}

void SqliteStatement::run() {
  while (step()) {
  }
  reset();
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool SqliteStatement::isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
int64_t SqliteStatement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }
double SqliteStatement::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string SqliteStatement::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, column));
}

std::optional<int64_t> SqliteStatement::optInt64(int column) const {
  if (isNull(column)) return std::nullopt;
  return int64(column);
}

std::optional<double> SqliteStatement::optReal(int column) const {
  if (isNull(column)) return std::nullopt;
  return real(column);
}

std::vector<unsigned char> SqliteStatement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  std::vector<unsigned char> out(static_cast<size_t>(n));
  if (n > 0) std::memcpy(out.data(), p, out.size());
  return out;
}

}  // namespace qs
