#pragma once
// The experiment database (.qsdb): models, runs, metrics, per-item results, layer statistics,
// channel profiles, sensitivity and quantization-error scans, and run logs in one SQLite file. The sweep runner, the CLI and the GUI item models read and write
// through this class only; nothing else issues SQL.
//
// Opening (read-write):
//  - a missing or empty file becomes a new database at the current schema version;
//  - a file that is not a QuantScope database (text, another SQLite file, truncated, damaged) is
//    refused with a qs::Error naming it and is never written to;
//  - a file without write permission is refused (open it ReadOnly to view it): a writer must not
//    silently lose its writes;
//  - a NEWER schema is refused untouched; an OLDER one is first copied to "<file>.v<old>.bak"
//    (SQLite backup API) and then migrated in one transaction;
//  - WAL journal, foreign keys on, busy_timeout 5 s;
//  - every run still marked `running` whose process is gone is marked `interrupted`
//    (interruptedOnOpen() lists them). beginRun() records the process (host, pid, start time:
//    core/run_owner.h), so a sweep that another live process on this machine is running stays
//    `running`; runs of older files, which have no owner, count as dead. A run marked interrupted
//    may still finish: finishRun() accepts running and interrupted runs.
// Opening ReadOnly changes nothing on disk: an older schema is migrated in a private in-memory
// copy, and a database on read-only media is opened immutable.
//
// Threads: one ExperimentStore per thread (the connection is serialized, but transactions are per
// connection). Other threads and processes see committed data; poll changeStamp() to learn of it.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/store/store_records.h"

namespace qs {

class SqliteDb;

class ExperimentStore {
 public:
  enum class Mode { ReadWrite, ReadOnly };

  // Throws qs::Error naming the file and what is wrong (see above).
  explicit ExperimentStore(const std::filesystem::path& file, Mode mode = Mode::ReadWrite);
  ~ExperimentStore();
  ExperimentStore(ExperimentStore&&) noexcept;
  ExperimentStore& operator=(ExperimentStore&&) noexcept;

  const std::filesystem::path& file() const { return file_; }
  bool readOnly() const { return mode_ == Mode::ReadOnly; }
  static int currentSchemaVersion();
  // The schema version the file had when opened, when it was older than currentSchemaVersion().
  std::optional<int> migratedFrom() const { return migratedFrom_; }
  // The copy made before migrating ("" when none was made).
  const std::filesystem::path& backupFile() const { return backupFile_; }
  // Runs found `running` at open and marked `interrupted`.
  const std::vector<int64_t>& interruptedOnOpen() const { return interruptedOnOpen_; }

  // --- models ---
  // Inserts, or updates path/family/parameters/dtype of the model with the same fingerprint.
  int64_t upsertModel(const ModelRecord& model);
  std::optional<ModelRecord> model(int64_t id) const;
  std::optional<ModelRecord> modelByFingerprint(const std::string& fingerprint) const;
  std::vector<ModelRecord> models() const;

  // --- runs ---
  // The key of a stored run's record (looks up its model's fingerprint).
  RunKey runKey(const RunRecord& run) const;
  std::optional<int64_t> findRun(const RunKey& key) const;      // any status
  std::optional<int64_t> findDoneRun(const RunKey& key) const;  // status done only
  // Adds the run as `queued`, or returns the id of the run with the same key, whatever its status.
  int64_t queueRun(const RunRecord& run);
  // Marks the run with run's key `running` (inserting it when new), started now unless
  // run.startedAt is set. A queued / failed / interrupted run with the key is restarted in place
  // (its metrics cleared, a log line records the previous attempt). Throws when it is done or
  // running, or when run.modelId is unknown.
  int64_t beginRun(const RunRecord& run);
  // Stores metrics and statistics and marks the run done, all in ONE transaction: on any error
  // (a duplicate metric, an unknown run) nothing is stored and the run keeps its status.
  void finishRun(int64_t runId, const RunResults& results);
  void failRun(int64_t runId, const std::string& error, double wallSeconds = 0);
  void markInterrupted(int64_t runId, const std::string& reason);
  // Deletes a run with its metrics and logs; statistics it produced stay (their run id cleared).
  void deleteRun(int64_t runId);
  std::optional<RunRecord> run(int64_t id) const;
  std::vector<RunRecord> listRuns(const RunFilter& filter = {}) const;  // ordered by id
  std::vector<MetricRecord> metrics(int64_t runId) const;              // ordered by name
  // Per-item results of a run, ordered by item; empty for runs stored before schema v5.
  std::vector<ItemRecord> items(int64_t runId) const;
  int64_t itemCount(int64_t runId) const;
  // The metrics of every run matching filter in one query (tables and charts over many runs).
  std::map<int64_t, std::vector<MetricRecord>> metricsByRun(const RunFilter& filter = {}) const;

  // --- statistics (keyed by model, quant config, calibration; a run may be recorded) ---
  // Stores statistics gathered outside a run (or copied by a merge), each under its own key and
  // run id; replaces stored rows with the same (key, layer, role, kind, expert). One transaction.
  void putStats(const std::vector<LayerStatRecord>& stats, const std::vector<ChannelProfileRecord>& profiles);
  std::vector<StatsKey> statsKeys() const;
  std::vector<LayerStatRecord> layerStats(const StatsQuery& query) const;  // ordered by layer, role, kind, expert
  std::vector<ChannelProfileRecord> channelProfiles(const StatsQuery& query) const;
  std::optional<ChannelProfileRecord> channelProfile(const StatsKey& key, int layer, const std::string& role,
                                                     const std::string& kind, int expert = -1) const;

  // --- per-tensor analyses (issue 17), keyed by model, config, calibration, layer, role, expert ---
  // Replace stored rows with the same key; one transaction each.
  void putSensitivity(const std::vector<SensitivityRecord>& rows);
  void putQuantErrors(const std::vector<QuantErrorRecord>& rows);
  // nullopt / "" filters match anything; ordered by model, config, calibration, layer, role, expert.
  std::vector<SensitivityRecord> sensitivity(std::optional<int64_t> modelId = {},
                                             const std::optional<std::string>& quantName = {},
                                             const std::optional<std::string>& calibration = {}) const;
  std::vector<QuantErrorRecord> quantErrors(std::optional<int64_t> modelId = {},
                                            const std::optional<std::string>& quantName = {},
                                            const std::optional<std::string>& calibration = {}) const;

  // --- cached method transforms (issue 16) ---
  std::optional<TransformRecord> methodTransform(int64_t modelId, const std::string& quantName,
                                                 const std::string& calibration, int64_t rotationSeed) const;
  // Inserts or replaces the row with the same key; createdAt set now when empty.
  void putMethodTransform(const TransformRecord& record);
  void deleteMethodTransform(int64_t modelId, const std::string& quantName, const std::string& calibration,
                             int64_t rotationSeed);

  // --- logs ---
  int64_t appendLog(int64_t runId, LogLevel level, const std::string& text);
  // Log lines of a run with id > afterId, oldest first (pass the last id seen to poll).
  std::vector<LogRecord> logs(int64_t runId, int64_t afterId = 0) const;

  // Changes whenever this or any other connection has committed a change since the last call
  // returned; cheap enough to poll from a GUI timer.
  uint64_t changeStamp() const;

  // Runs body in one transaction (nested calls become savepoints): all of its writes or none.
  void transaction(const std::function<void()>& body);

  // Writes a run exactly as given (status, times, shard) with its metrics and logs; for merging
  // databases. Throws when a run with the same key exists. Returns the new id.
  int64_t importRun(const RunRecord& run, const std::vector<MetricRecord>& metrics,
                    const std::vector<LogRecord>& logs, const std::vector<ItemRecord>& items = {});

 private:
  void openReadWrite();
  void openReadOnly();
  void refuseIfDamaged();  // quick_check before any write
  int inspectSchema(bool writable);  // returns the file's schema version, or throws
  void migrate(int fromVersion);
  void markRunningInterrupted();
  void requireWritable(const char* operation) const;
  RunRecord requireRun(int64_t id, const char* operation) const;
  void insertMetrics(int64_t runId, const std::vector<MetricRecord>& metrics);
  void insertItems(int64_t runId, const std::vector<ItemRecord>& items);
  void clearResults(int64_t runId);  // metrics and items of a run about to be (re)written
  void insertStats(const std::vector<LayerStatRecord>& stats, const std::vector<ChannelProfileRecord>& profiles);
  int64_t insertRun(const RunRecord& run);
  void setOwner(int64_t runId);  // this process runs the run (read when the file is next opened)

  std::filesystem::path file_;
  Mode mode_ = Mode::ReadWrite;
  std::unique_ptr<SqliteDb> db_;
  int transactionDepth_ = 0;
  std::optional<int> migratedFrom_;
  std::filesystem::path backupFile_;
  std::vector<int64_t> interruptedOnOpen_;
};

}  // namespace qs
