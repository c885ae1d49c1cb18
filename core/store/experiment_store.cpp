// ExperimentStore: opening (checks, migration, WAL), transactions, models, change polling.
// Runs, metrics and logs are in experiment_store_runs.cpp; statistics in experiment_store_stats.cpp.
#include "core/store/experiment_store.h"

#include <sqlite3.h>

#include <cctype>
#include <cstdio>

#include "core/base/error.h"
#include "core/store/run_owner.h"
#include "core/store/sqlite_db.h"
#include "core/store/sqlite_file_check.h"
#include "core/store/store_rows.h"
#include "core/store/store_schema.h"

namespace qs {
namespace fs = std::filesystem;

namespace {

constexpr int kBusyTimeoutMs = 5000;

bool hasWritePermission(const fs::path& file) {
  auto perms = fs::status(file).permissions();
  return (perms & (fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write)) != fs::perms::none;
}

// "<file>.v<old>.bak", or "<file>.v<old>.<n>.bak" when earlier backups exist: never overwrite one.
fs::path backupPathFor(const fs::path& file, int version) {
  std::string base = file.string() + ".v" + std::to_string(version);
  fs::path candidate = base + ".bak";
  for (int n = 2; fs::exists(candidate); ++n) candidate = base + "." + std::to_string(n) + ".bak";
  return candidate;
}

// Copies every page of src into dest with the SQLite backup API (consistent even while another
// connection writes).
void copyDatabase(const SqliteDb& src, const SqliteDb& dest) {
  sqlite3_backup* backup = sqlite3_backup_init(dest.handle(), "main", src.handle(), "main");
  if (!backup) dest.fail(sqlite3_extended_errcode(dest.handle()), "cannot start copying " + src.file().string());
  int rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) dest.fail(rc, "cannot copy " + src.file().string());
}

std::string fileUri(const fs::path& file, const char* query) {
  std::string uri = "file:";
  for (unsigned char c : fs::absolute(file).string()) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      uri += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      uri += buf;
    }
  }
  return uri + "?" + query;
}

}  // namespace

ExperimentStore::ExperimentStore(const fs::path& file, Mode mode) : file_(file), mode_(mode) {
  if (mode_ == Mode::ReadOnly) {
    openReadOnly();
  } else {
    openReadWrite();
  }
}

ExperimentStore::~ExperimentStore() {
  // Move the write-ahead log into the file and truncate it, so that a closed .qsdb is one
  // self-contained file (copying the .qsdb alone used to lose the runs still in the -wal file).
  // Another connection still open keeps its part; a busy database is left for its last closer.
  if (!db_ || readOnly()) return;
  try {
    db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (const Error&) {
  }
}
ExperimentStore::ExperimentStore(ExperimentStore&&) noexcept = default;
ExperimentStore& ExperimentStore::operator=(ExperimentStore&&) noexcept = default;

int ExperimentStore::currentSchemaVersion() { return store_schema::kCurrentVersion; }

void ExperimentStore::openReadWrite() {
  if (fs::exists(file_)) {
    checkSqliteFile(file_);
    if (!hasWritePermission(file_))
      throw Error(file_.string() + ": the file is read-only (no write permission); open it read-only to view it");
  } else {
    auto parent = fs::absolute(file_).parent_path();
    if (!fs::is_directory(parent)) throw Error(file_.string() + ": the folder " + parent.string() + " does not exist");
  }
  db_ = std::make_unique<SqliteDb>(file_.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                   file_);
  // SQLite silently falls back to read-only when the OS refuses writing.
  if (sqlite3_db_readonly(db_->handle(), "main") == 1)
    throw Error(file_.string() + ": the file cannot be written (permission denied); open it read-only to view it");
  sqlite3_busy_timeout(db_->handle(), kBusyTimeoutMs);
  refuseIfDamaged();

  int version = inspectSchema(true);  // reads only: a refused file is left as it was
  if (version > 0 && version < store_schema::kCurrentVersion) {
    backupFile_ = backupPathFor(file_, version);
    SqliteDb backup(backupFile_.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, backupFile_);
    copyDatabase(*db_, backup);
  }
  {
    SqliteStatement journal(*db_, "PRAGMA journal_mode = WAL");
    std::string mode = journal.step() ? journal.text(0) : "";
    if (mode != "wal") throw Error(file_.string() + ": cannot switch the database to WAL mode (journal mode '" + mode + "')");
  }
  db_->exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
  if (version < store_schema::kCurrentVersion) migrate(version);
  markRunningInterrupted();
}

// A file with corrupt pages can lose more when written to (a page split over a damaged page), so
// writing waits for PRAGMA quick_check: it reads the whole file once (0.05 s for a 100 MB database
// with a warm page cache on these machines).
void ExperimentStore::refuseIfDamaged() {
  std::string first;
  try {
    SqliteStatement check(*db_, "PRAGMA quick_check(5)");
    while (check.step()) {
      std::string line = check.text(0);
      if (line == "ok") return;
      if (first.empty()) first = line;
    }
  } catch (const Error& e) {
    first = e.what();  // a page too damaged for the check itself to walk
  }
  throw Error(file_.string() + ": the database is damaged (" + first +
              "); nothing was written to it. Open it read-only to see what is readable, or salvage it into a "
              "new file with: sqlite3 '" + file_.string() + "' .recover | sqlite3 salvaged.qsdb");
}

void ExperimentStore::openReadOnly() {
  if (!fs::exists(file_)) throw Error(file_.string() + ": no such file");
  checkSqliteFile(file_);
  db_ = std::make_unique<SqliteDb>(file_.string(), SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, file_);
  sqlite3_busy_timeout(db_->handle(), kBusyTimeoutMs);
  int version = 0;
  try {
    version = inspectSchema(false);
  } catch (const Error&) {
    // A WAL database on read-only media cannot create its -shm file: read it as immutable.
    int code = sqlite3_extended_errcode(db_->handle()) & 0xff;
    if (code != SQLITE_CANTOPEN && code != SQLITE_READONLY) throw;
    db_ = std::make_unique<SqliteDb>(fileUri(file_, "immutable=1"),
                                     SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI, file_);
    version = inspectSchema(false);
  }
  if (version < store_schema::kCurrentVersion) {
    // Viewing an old file must not modify it: migrate a private in-memory copy.
    auto memory = std::make_unique<SqliteDb>(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, file_);
    copyDatabase(*db_, *memory);
    db_ = std::move(memory);
    migrate(version);
  }
  db_->exec("PRAGMA foreign_keys = ON; PRAGMA query_only = ON;");
}

int ExperimentStore::inspectSchema(bool writable) {
  int64_t version = db_->queryInt("PRAGMA user_version");
  int64_t applicationId = db_->queryInt("PRAGMA application_id");
  int64_t objects = db_->queryInt("SELECT count(*) FROM sqlite_master");
  if (version == 0 && applicationId == 0 && objects == 0) {
    if (!writable) throw Error(file_.string() + ": the database is empty, not a QuantScope experiment database");
    return 0;
  }
  if (applicationId != store_schema::kApplicationId)
    throw Error(file_.string() + ": an SQLite database but not a QuantScope experiment database (application_id " +
                std::to_string(applicationId) + ")");
  if (version > store_schema::kCurrentVersion)
    throw Error(file_.string() + ": schema version " + std::to_string(version) +
                " is newer than this QuantScope supports (version " +
                std::to_string(store_schema::kCurrentVersion) + "); use a newer QuantScope. The file was not modified.");
  if (version < 1)
    throw Error(file_.string() + ": a QuantScope database without a schema version; the file is damaged");
  return static_cast<int>(version);
}

void ExperimentStore::migrate(int fromVersion) {
  transaction([&] { store_schema::upgrade(*db_, fromVersion); });
  if (fromVersion > 0) migratedFrom_ = fromVersion;
}

void ExperimentStore::markRunningInterrupted() {
  const std::string reason = "found running when the database was opened at " + store_rows::nowIso() +
                             ": the process running it stopped before it finished";
  std::vector<int64_t> ids;
  // Select inside the write transaction: a writer that finishes one of these runs in between
  // would otherwise make markInterrupted find it done.
  transaction([&] {
    SqliteStatement select(*db_, "SELECT id, owner FROM runs WHERE status = 'running' ORDER BY id");
    while (select.step())
      if (!runOwnerAlive(select.text(1))) ids.push_back(select.int64(0));
    for (int64_t id : ids) markInterrupted(id, reason);
  });
  interruptedOnOpen_ = std::move(ids);
}

void ExperimentStore::requireWritable(const char* operation) const {
  if (mode_ == Mode::ReadOnly)
    throw Error(file_.string() + ": " + operation + ": the database was opened read-only");
}

void ExperimentStore::transaction(const std::function<void()>& body) {
  const bool outermost = transactionDepth_ == 0;
  const std::string savepoint = "qs_sp" + std::to_string(transactionDepth_);
  db_->exec(outermost ? "BEGIN IMMEDIATE" : "SAVEPOINT " + savepoint);
  ++transactionDepth_;
  auto rollback = [&] {
    --transactionDepth_;
    // The error that got us here is the one to report; a failing rollback (SQLite may already
    // have rolled back on its own) adds nothing, so its status is not checked.
    std::string sql = outermost ? "ROLLBACK" : "ROLLBACK TO " + savepoint + "; RELEASE " + savepoint;
    sqlite3_exec(db_->handle(), sql.c_str(), nullptr, nullptr, nullptr);
  };
  try {
    body();
  } catch (...) {
    rollback();
    throw;
  }
  try {
    db_->exec(outermost ? "COMMIT" : "RELEASE " + savepoint);
  } catch (const Error&) {
    rollback();
    throw;
  }
  --transactionDepth_;
}

uint64_t ExperimentStore::changeStamp() const {
  // data_version moves on other connections' commits, total_changes on this one's.
  return static_cast<uint64_t>(db_->queryInt("PRAGMA data_version")) +
         static_cast<uint64_t>(sqlite3_total_changes(db_->handle()));
}

int64_t ExperimentStore::upsertModel(const ModelRecord& model) {
  requireWritable("upsertModel");
  if (model.fingerprint.empty()) throw Error(file_.string() + ": upsertModel: model " + model.path + " has no fingerprint");
  SqliteStatement st(*db_,
                     "INSERT INTO models (path, family, parameters, dtype, fingerprint) VALUES (?, ?, ?, ?, ?) "
                     "ON CONFLICT (fingerprint) DO UPDATE SET path = excluded.path, family = excluded.family, "
                     "parameters = excluded.parameters, dtype = excluded.dtype");
  st.bind(1, model.path).bind(2, model.family).bind(3, model.parameters).bind(4, model.dtype).bind(5, model.fingerprint);
  st.run();
  auto stored = modelByFingerprint(model.fingerprint);
  if (!stored) throw Error(file_.string() + ": upsertModel: model " + model.path + " was not stored");
  return stored->id;
}

std::optional<ModelRecord> ExperimentStore::model(int64_t id) const {
  SqliteStatement st(*db_, "SELECT " + std::string(store_rows::kModelColumns) + " FROM models WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return store_rows::readModel(st);
}

std::optional<ModelRecord> ExperimentStore::modelByFingerprint(const std::string& fingerprint) const {
  SqliteStatement st(*db_, "SELECT " + std::string(store_rows::kModelColumns) + " FROM models WHERE fingerprint = ?");
  st.bind(1, fingerprint);
  if (!st.step()) return std::nullopt;
  return store_rows::readModel(st);
}

std::vector<ModelRecord> ExperimentStore::models() const {
  SqliteStatement st(*db_, "SELECT " + std::string(store_rows::kModelColumns) + " FROM models ORDER BY id");
  std::vector<ModelRecord> out;
  while (st.step()) out.push_back(store_rows::readModel(st));
  return out;
}

}  // namespace qs
