// ExperimentStore: runs, their metrics and their logs.
#include <cmath>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "core/store/run_owner.h"
#include "core/store/sqlite_db.h"
#include "core/store/store_rows.h"

namespace qs {

RunKey ExperimentStore::runKey(const RunRecord& run) const {
  auto m = model(run.modelId);
  if (!m) throw Error(file_.string() + ": no model with id " + std::to_string(run.modelId));
  return {m->fingerprint, run.quantName, run.task, run.taskVersion, run.limit, run.seed};
}

std::optional<int64_t> ExperimentStore::findRun(const RunKey& key) const {
  SqliteStatement st(*db_,
                     "SELECT r.id FROM runs r JOIN models m ON m.id = r.model_id WHERE m.fingerprint = ? AND "
                     "r.quant_name = ? AND r.task = ? AND r.task_version = ? AND r.sample_limit = ? AND r.seed = ?");
  st.bind(1, key.modelFingerprint).bind(2, key.quantName).bind(3, key.task).bind(4, key.taskVersion);
  st.bind(5, key.limit).bind(6, key.seed);
  if (!st.step()) return std::nullopt;
  return st.int64(0);
}

std::optional<int64_t> ExperimentStore::findDoneRun(const RunKey& key) const {
  auto id = findRun(key);
  if (!id || run(*id)->status != RunStatus::Done) return std::nullopt;
  return id;
}

int64_t ExperimentStore::insertRun(const RunRecord& r) {
  SqliteStatement st(*db_,
                     "INSERT INTO runs (model_id, quant_name, quant_json, task, task_version, sample_limit, seed, "
                     "status, device, software_versions, started_at, finished_at, wall_seconds, tokens_processed, "
                     "error_text, shard, protocol) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.bind(1, r.modelId).bind(2, r.quantName).bind(3, r.quantJson).bind(4, r.task).bind(5, r.taskVersion);
  st.bind(6, r.limit).bind(7, r.seed).bind(8, runStatusName(r.status)).bind(9, r.device);
  st.bind(10, r.softwareVersions).bind(11, r.startedAt).bind(12, r.finishedAt).bind(13, r.wallSeconds);
  st.bind(14, r.tokensProcessed).bind(15, r.errorText).bind(16, r.shard).bind(17, r.protocol);
  st.run();
  return db_->lastInsertId();
}

void ExperimentStore::setOwner(int64_t runId) {
  // Not cached: a forked child is another owner.
  SqliteStatement st(*db_, "UPDATE runs SET owner = ? WHERE id = ?");
  st.bind(1, currentRunOwner()).bind(2, runId).run();
}

int64_t ExperimentStore::queueRun(const RunRecord& run) {
  requireWritable("queueRun");
  int64_t id = 0;
  transaction([&] {
    if (auto existing = findRun(runKey(run))) {
      id = *existing;
      return;
    }
    RunRecord queued = run;
    queued.status = RunStatus::Queued;
    queued.startedAt.clear();
    queued.finishedAt.clear();
    queued.wallSeconds = 0;
    queued.tokensProcessed = 0;
    queued.errorText.clear();
    id = insertRun(queued);
  });
  return id;
}

int64_t ExperimentStore::beginRun(const RunRecord& run) {
  requireWritable("beginRun");
  int64_t id = 0;
  transaction([&] {
    const std::string started = run.startedAt.empty() ? store_rows::nowIso() : run.startedAt;
    auto existing = findRun(runKey(run));
    if (!existing) {
      RunRecord fresh = run;
      fresh.status = RunStatus::Running;
      fresh.startedAt = started;
      fresh.finishedAt.clear();
      fresh.wallSeconds = 0;
      fresh.tokensProcessed = 0;
      fresh.errorText.clear();
      id = insertRun(fresh);
      setOwner(id);
      return;
    }
    id = *existing;
    RunRecord previous = requireRun(id, "beginRun");
    if (previous.status == RunStatus::Done || previous.status == RunStatus::Running)
      throw Error(file_.string() + ": beginRun: run " + std::to_string(id) + " (" + run.quantName + ", " + run.task +
                  ") is already " + std::string(runStatusName(previous.status)));
    SqliteStatement st(*db_,
                       "UPDATE runs SET status = 'running', quant_json = ?, device = ?, software_versions = ?, "
                       "started_at = ?, finished_at = '', wall_seconds = 0, tokens_processed = 0, error_text = '', "
                       "shard = ?, protocol = ? WHERE id = ?");
    st.bind(1, run.quantJson).bind(2, run.device).bind(3, run.softwareVersions).bind(4, started).bind(5, run.shard);
    st.bind(6, run.protocol).bind(7, id).run();
    setOwner(id);
    clearResults(id);
    if (previous.status != RunStatus::Queued) {
      std::string note = "restarted; the previous attempt was " + std::string(runStatusName(previous.status));
      if (!previous.errorText.empty()) note += ": " + previous.errorText;
      appendLog(id, LogLevel::Info, note);
    }
  });
  return id;
}

void ExperimentStore::insertMetrics(int64_t runId, const std::vector<MetricRecord>& metrics) {
  SqliteStatement st(*db_,
                     "INSERT INTO metrics (run_id, name, value, stderr, n, higher_is_better) VALUES (?, ?, ?, ?, ?, ?)");
  for (const auto& m : metrics) {
    const std::string what = file_.string() + ": metric '" + m.name + "' of run " + std::to_string(runId);
    // SQLite would store NaN as NULL; say which metric it was instead.
    if (std::isnan(m.value)) throw Error(what + " is NaN");
    st.bind(1, runId).bind(2, m.name).bind(3, m.value).bind(4, m.stdError).bind(5, m.samples);
    st.bind(6, m.higherIsBetter ? 1 : 0);
    try {
      st.run();
    } catch (const Error& e) {
      throw Error(what + " cannot be stored: " + e.what());
    }
  }
}

void ExperimentStore::finishRun(int64_t runId, const RunResults& results) {
  requireWritable("finishRun");
  transaction([&] {
    RunRecord r = requireRun(runId, "finishRun");
    // An interrupted run may still finish: another process marked it while it was alive.
    if (r.status != RunStatus::Running && r.status != RunStatus::Interrupted)
      throw Error(file_.string() + ": finishRun: run " + std::to_string(runId) + " is " +
                  std::string(runStatusName(r.status)) + ", not running");
    clearResults(runId);
    insertMetrics(runId, results.metrics);
    insertItems(runId, results.items);

    const StatsKey key{r.modelId, r.quantName, results.calibration};
    auto stats = results.layerStats;
    for (auto& s : stats) s.key = key, s.runId = runId;
    auto profiles = results.channelProfiles;
    for (auto& p : profiles) p.key = key, p.runId = runId;
    insertStats(stats, profiles);

    SqliteStatement done(*db_,
                         "UPDATE runs SET status = 'done', finished_at = ?, wall_seconds = ?, tokens_processed = ?, "
                         "error_text = '' WHERE id = ?");
    done.bind(1, store_rows::nowIso()).bind(2, results.wallSeconds).bind(3, results.tokensProcessed).bind(4, runId);
    done.run();
  });
}

void ExperimentStore::failRun(int64_t runId, const std::string& error, double wallSeconds) {
  requireWritable("failRun");
  transaction([&] {
    RunRecord r = requireRun(runId, "failRun");
    if (r.status == RunStatus::Done)
      throw Error(file_.string() + ": failRun: run " + std::to_string(runId) + " is already done");
    SqliteStatement st(*db_,
                       "UPDATE runs SET status = 'failed', error_text = ?, finished_at = ?, wall_seconds = ? "
                       "WHERE id = ?");
    st.bind(1, error).bind(2, store_rows::nowIso()).bind(3, wallSeconds).bind(4, runId).run();
    appendLog(runId, LogLevel::Error, "failed: " + error);
  });
}

void ExperimentStore::markInterrupted(int64_t runId, const std::string& reason) {
  requireWritable("markInterrupted");
  transaction([&] {
    RunRecord r = requireRun(runId, "markInterrupted");
    if (r.status != RunStatus::Running && r.status != RunStatus::Queued)
      throw Error(file_.string() + ": markInterrupted: run " + std::to_string(runId) + " is " +
                  std::string(runStatusName(r.status)) + ", not running or queued");
    SqliteStatement st(*db_, "UPDATE runs SET status = 'interrupted', error_text = ? WHERE id = ?");
    st.bind(1, reason).bind(2, runId).run();
    appendLog(runId, LogLevel::Warning, "interrupted: " + reason);
  });
}

void ExperimentStore::deleteRun(int64_t runId) {
  requireWritable("deleteRun");
  transaction([&] {
    requireRun(runId, "deleteRun");
    SqliteStatement st(*db_, "DELETE FROM runs WHERE id = ?");
    st.bind(1, runId).run();
  });
}

RunRecord ExperimentStore::requireRun(int64_t id, const char* operation) const {
  auto r = run(id);
  if (!r) throw Error(file_.string() + ": " + operation + ": no run with id " + std::to_string(id));
  return *r;
}

std::optional<RunRecord> ExperimentStore::run(int64_t id) const {
  SqliteStatement st(*db_, "SELECT " + std::string(store_rows::kRunColumns) + " FROM runs WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return store_rows::readRun(st);
}

namespace {

// " AND ..." conditions on the runs table (alias r) for a filter, and their bindings.
std::string runConditions(const RunFilter& filter) {
  std::string sql;
  if (filter.modelId) sql += " AND r.model_id = ?1";
  if (!filter.task.empty()) sql += " AND r.task = ?2";
  if (!filter.quantName.empty()) sql += " AND r.quant_name = ?3";
  if (filter.status) sql += " AND r.status = ?4";
  return sql;
}

void bindRunFilter(SqliteStatement& st, const RunFilter& filter) {
  if (filter.modelId) st.bind(1, *filter.modelId);
  if (!filter.task.empty()) st.bind(2, filter.task);
  if (!filter.quantName.empty()) st.bind(3, filter.quantName);
  if (filter.status) st.bind(4, runStatusName(*filter.status));
}

constexpr std::string_view kMetricColumns = "m.name, m.value, m.stderr, m.n, m.higher_is_better";

MetricRecord readMetric(const SqliteStatement& st, int first) {
  return {st.text(first), st.real(first + 1), st.optReal(first + 2), st.optInt64(first + 3), st.int64(first + 4) != 0};
}

}  // namespace

std::vector<RunRecord> ExperimentStore::listRuns(const RunFilter& filter) const {
  SqliteStatement st(*db_, "SELECT " + std::string(store_rows::kRunColumns) + " FROM runs r WHERE 1" +
                               runConditions(filter) + " ORDER BY id");
  bindRunFilter(st, filter);
  std::vector<RunRecord> out;
  while (st.step()) out.push_back(store_rows::readRun(st));
  return out;
}

std::vector<MetricRecord> ExperimentStore::metrics(int64_t runId) const {
  SqliteStatement st(*db_, "SELECT " + std::string(kMetricColumns) + " FROM metrics m WHERE m.run_id = ? ORDER BY m.name");
  st.bind(1, runId);
  std::vector<MetricRecord> out;
  while (st.step()) out.push_back(readMetric(st, 0));
  return out;
}

std::map<int64_t, std::vector<MetricRecord>> ExperimentStore::metricsByRun(const RunFilter& filter) const {
  SqliteStatement st(*db_, "SELECT m.run_id, " + std::string(kMetricColumns) +
                               " FROM metrics m JOIN runs r ON r.id = m.run_id WHERE 1" + runConditions(filter) +
                               " ORDER BY m.run_id, m.name");
  bindRunFilter(st, filter);
  std::map<int64_t, std::vector<MetricRecord>> out;
  while (st.step()) out[st.int64(0)].push_back(readMetric(st, 1));
  return out;
}

int64_t ExperimentStore::appendLog(int64_t runId, LogLevel level, const std::string& text) {
  requireWritable("appendLog");
  requireRun(runId, "appendLog");
  SqliteStatement st(*db_, "INSERT INTO logs (run_id, time, level, text) VALUES (?, ?, ?, ?)");
  st.bind(1, runId).bind(2, store_rows::nowIso()).bind(3, logLevelName(level)).bind(4, text).run();
  return db_->lastInsertId();
}

std::vector<LogRecord> ExperimentStore::logs(int64_t runId, int64_t afterId) const {
  SqliteStatement st(*db_, "SELECT id, run_id, time, level, text FROM logs WHERE run_id = ? AND id > ? ORDER BY id");
  st.bind(1, runId).bind(2, afterId);
  std::vector<LogRecord> out;
  while (st.step()) out.push_back({st.int64(0), st.int64(1), st.text(2), st.text(3), st.text(4)});
  return out;
}

int64_t ExperimentStore::importRun(const RunRecord& run, const std::vector<MetricRecord>& metrics,
                                   const std::vector<LogRecord>& logs, const std::vector<ItemRecord>& items) {
  requireWritable("importRun");
  int64_t id = 0;
  transaction([&] {
    if (auto existing = findRun(runKey(run)))
      throw Error(file_.string() + ": importRun: a run with the same key exists (id " + std::to_string(*existing) + ")");
    id = insertRun(run);
    insertMetrics(id, metrics);
    insertItems(id, items);
    SqliteStatement st(*db_, "INSERT INTO logs (run_id, time, level, text) VALUES (?, ?, ?, ?)");
    for (const auto& line : logs) st.bind(1, id).bind(2, line.time).bind(3, line.level).bind(4, line.text).run();
  });
  return id;
}

}  // namespace qs
