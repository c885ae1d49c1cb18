#include <QtTest/QtTest>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <limits>
#include <mutex>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "core/store/run_owner.h"
#include "tests/support/test_support.h"

namespace {
namespace fs = std::filesystem;
using qs::ExperimentStore;

// The schema as QuantScope 0.1 (schema version 1) wrote it, kept verbatim here so that the
// migration is tested against the historical file format, not against the code's own copy.
constexpr const char* kSchemaV1 = R"sql(
PRAGMA application_id = 1364411458;
CREATE TABLE models (id INTEGER PRIMARY KEY, path TEXT NOT NULL, family TEXT NOT NULL,
  parameters INTEGER NOT NULL DEFAULT 0, dtype TEXT NOT NULL DEFAULT '', fingerprint TEXT NOT NULL UNIQUE);
CREATE TABLE runs (id INTEGER PRIMARY KEY, model_id INTEGER NOT NULL REFERENCES models(id),
  quant_name TEXT NOT NULL, quant_json TEXT NOT NULL DEFAULT '{}', task TEXT NOT NULL, task_version TEXT NOT NULL,
  sample_limit INTEGER NOT NULL DEFAULT 0, seed INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'interrupted')),
  device TEXT NOT NULL DEFAULT '', software_versions TEXT NOT NULL DEFAULT '{}', started_at TEXT NOT NULL DEFAULT '',
  finished_at TEXT NOT NULL DEFAULT '', wall_seconds REAL NOT NULL DEFAULT 0,
  tokens_processed INTEGER NOT NULL DEFAULT 0, error_text TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX runs_key ON runs (model_id, quant_name, task, task_version, sample_limit, seed);
CREATE TABLE metrics (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, name TEXT NOT NULL,
  value REAL NOT NULL, higher_is_better INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (run_id, name));
CREATE TABLE layer_stats (model_id INTEGER NOT NULL REFERENCES models(id), quant_name TEXT NOT NULL DEFAULT '',
  calibration TEXT NOT NULL DEFAULT '', run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  layer INTEGER NOT NULL, role TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL, mean REAL NOT NULL,
  std REAL NOT NULL, absmax REAL NOT NULL, kurtosis REAL NOT NULL,
  PRIMARY KEY (model_id, quant_name, calibration, layer, role, kind));
INSERT INTO models VALUES (1, '/models/opt-125m', 'opt', 125239296, 'F16', 'fp-opt');
INSERT INTO runs VALUES (1, 1, 'W4A16KV16-g128', '{"w":4}', 'lambada', '1.0', 0, 1234, 'done', 'cpu',
  '{"quantscope":"0.1.0"}', '2024-03-01T10:00:00.000Z', '2024-03-01T10:05:00.000Z', 300.5, 123456, '');
INSERT INTO runs VALUES (2, 1, 'W3A16KV16-g128', '{"w":3}', 'lambada', '1.0', 0, 1234, 'running', 'cpu',
  '{}', '2024-03-01T11:00:00.000Z', '', 0, 0, '');
INSERT INTO metrics VALUES (1, 'acc', 0.5871, 1);
INSERT INTO metrics VALUES (1, 'perplexity', 28.25, 0);
INSERT INTO layer_stats VALUES (1, '', '', NULL, 0, 'q_proj', 'weight', 589824, 0.001, 0.05, 0.9, 4.5);
PRAGMA user_version = 1;
)sql";

// What QuantScope 0.2 and 0.3 added to a version-1 file (schema versions 2 and 3), verbatim, and the
// statistics of a dense model such a file held: a version-3 database before experts had rows.
constexpr const char* kV1ToV3WithStats = R"sql(
ALTER TABLE metrics ADD COLUMN stderr REAL;
ALTER TABLE metrics ADD COLUMN n INTEGER;
ALTER TABLE layer_stats ADD COLUMN outlier_ratio REAL;
ALTER TABLE runs ADD COLUMN shard TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_status ON runs (status);
CREATE TABLE channel_profiles (model_id INTEGER NOT NULL REFERENCES models(id), quant_name TEXT NOT NULL DEFAULT '',
  calibration TEXT NOT NULL DEFAULT '', run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  layer INTEGER NOT NULL, role TEXT NOT NULL, kind TEXT NOT NULL, channels INTEGER NOT NULL,
  absmax BLOB NOT NULL CHECK (length(absmax) = 4 * channels),
  PRIMARY KEY (model_id, quant_name, calibration, layer, role, kind));
CREATE TABLE logs (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  time TEXT NOT NULL, level TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX logs_run ON logs (run_id, id);
ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
INSERT INTO layer_stats VALUES (1, 'W4A16KV16-g128', 'wiki n=2', 1, 1, 'down_proj', 'activation', 4096, 0.02, 0.4,
  17.5, 96.0, 0.003);
INSERT INTO channel_profiles VALUES (1, 'W4A16KV16-g128', 'wiki n=2', 1, 1, 'down_proj', 'activation', 2,
  X'0000803F00002041');
PRAGMA user_version = 3;
)sql";

void rawExec(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  QCOMPARE(sqlite3_open(file.string().c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  QVERIFY2(rc == SQLITE_OK, err ? err : "sqlite3_exec failed");
  sqlite3_close(db);
}

int64_t rawInt(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(file.string().c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

std::string rawText(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(file.string().c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    auto p = sqlite3_column_text(st, 0);
    out += (p ? reinterpret_cast<const char*>(p) : "NULL") + std::string("\n");
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

void writeFile(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << bytes;
}

qs::ModelRecord opt125m() { return {0, "/models/opt-125m", "opt", 125239296, "F16", "fp-opt"}; }

qs::RunRecord runOf(int64_t modelId, const std::string& quant, const std::string& task, int64_t seed = 1234) {
  qs::RunRecord r;
  r.modelId = modelId;
  r.quantName = quant;
  r.quantJson = "{\"name\":\"" + quant + "\"}";
  r.task = task;
  r.taskVersion = "1.0";
  r.seed = seed;
  r.device = "cpu";
  r.softwareVersions = R"({"quantscope":"0.1.0","libtorch":"1.13.1"})";
  return r;
}

qs::RunResults resultsWithStats() {
  qs::RunResults res;
  res.metrics = {{"acc", 0.6123, 0.0068, 5153, true}, {"perplexity", 21.5, std::nullopt, 5153, false}};
  res.calibration = "wikitext2 n=2 L=64 seed=0";
  qs::LayerStatRecord s;
  s.layer = 3;
  s.role = "down_proj";
  s.kind = "activation";
  s.count = 4096;
  s.mean = 0.01;
  s.std = 0.5;
  s.absmax = 42.0;
  s.kurtosis = 118.25;
  s.outlierRatio = 0.0012;
  res.layerStats = {s};
  qs::ChannelProfileRecord p;
  p.layer = 3;
  p.role = "down_proj";
  p.kind = "activation";
  p.absmax = {0.5f, 42.0f, 1e-7f, std::numeric_limits<float>::max()};
  res.channelProfiles = {p};
  res.wallSeconds = 12.5;
  res.tokensProcessed = 98765;
  return res;
}

// Layer 5 gate_proj weights of a mixture-of-experts model: experts 0 and 1 and, sharing layer, role
// and kind, the tensor of no expert; the kurtosis tells them apart.
qs::LayerStatRecord expertStat(int64_t modelId, int expert, double kurtosis) {
  qs::LayerStatRecord s;
  s.key = {modelId, "FP16", ""};
  s.layer = 5;
  s.role = "gate_proj";
  s.kind = "weight";
  s.expert = expert;
  s.count = 1024;
  s.kurtosis = kurtosis;
  s.outlierRatio = 0.0;
  return s;
}

qs::ChannelProfileRecord expertProfile(int64_t modelId, int expert, std::vector<float> absmax) {
  qs::ChannelProfileRecord p;
  p.key = {modelId, "FP16", ""};
  p.layer = 5;
  p.role = "gate_proj";
  p.kind = "weight";
  p.expert = expert;
  p.absmax = std::move(absmax);
  return p;
}

template <typename F>
QString errorOf(F&& f) {
  try {
    f();
  } catch (const qs::Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class TestExperimentStore : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void freshDatabaseRoundTrip() {
    auto file = qs::test::freshTempDir("store_roundtrip") / "exp.qsdb";
    int64_t runId = 0;
    {
      ExperimentStore store(file);
      QVERIFY(!store.migratedFrom().has_value());
      int64_t modelId = store.upsertModel(opt125m());
      auto moved = opt125m();
      moved.path = "/elsewhere/opt-125m";
      QCOMPARE(store.upsertModel(moved), modelId);  // same fingerprint, same model
      QCOMPARE(store.model(modelId)->path, std::string("/elsewhere/opt-125m"));
      QCOMPARE(store.models().size(), size_t(1));

      runId = store.beginRun(runOf(modelId, "W4A16KV16-g128", "lambada"));
      QCOMPARE(store.run(runId)->status, qs::RunStatus::Running);
      QVERIFY(!store.run(runId)->startedAt.empty());
      store.appendLog(runId, qs::LogLevel::Info, "loading model");
      store.finishRun(runId, resultsWithStats());
    }
    ExperimentStore store(file);
    auto run = store.run(runId);
    QVERIFY(run.has_value());
    QCOMPARE(run->status, qs::RunStatus::Done);
    QCOMPARE(run->quantJson, std::string("{\"name\":\"W4A16KV16-g128\"}"));
    QCOMPARE(run->wallSeconds, 12.5);
    QCOMPARE(run->tokensProcessed, int64_t(98765));
    QVERIFY(!run->finishedAt.empty());
    QCOMPARE(run->softwareVersions, std::string(R"({"quantscope":"0.1.0","libtorch":"1.13.1"})"));

    auto metrics = store.metrics(runId);
    QCOMPARE(metrics.size(), size_t(2));
    QCOMPARE(metrics[0].name, std::string("acc"));
    QCOMPARE(metrics[0].value, 0.6123);
    QCOMPARE(*metrics[0].stdError, 0.0068);
    QCOMPARE(*metrics[0].samples, int64_t(5153));
    QVERIFY(metrics[0].higherIsBetter);
    QVERIFY(!metrics[1].stdError.has_value());
    QVERIFY(!metrics[1].higherIsBetter);

    qs::StatsQuery q;
    q.runId = runId;
    auto stats = store.layerStats(q);
    QCOMPARE(stats.size(), size_t(1));
    QCOMPARE(stats[0].key.quantName, std::string("W4A16KV16-g128"));
    QCOMPARE(stats[0].key.calibration, std::string("wikitext2 n=2 L=64 seed=0"));
    QCOMPARE(stats[0].kurtosis, 118.25);
    QCOMPARE(*stats[0].outlierRatio, 0.0012);
    auto profile = store.channelProfile(stats[0].key, 3, "down_proj", "activation");
    QVERIFY(profile.has_value());
    QCOMPARE(profile->absmax, resultsWithStats().channelProfiles[0].absmax);  // bit-exact floats
    QCOMPARE(store.statsKeys().size(), size_t(1));

    auto logs = store.logs(runId);
    QCOMPARE(logs.size(), size_t(1));
    QCOMPARE(logs[0].text, std::string("loading model"));
    QCOMPARE(logs[0].level, std::string("info"));
    QVERIFY(store.logs(runId, logs[0].id).empty());

    qs::RunKey key{"fp-opt", "W4A16KV16-g128", "lambada", "1.0", 0, 1234};
    QCOMPARE(store.findDoneRun(key), std::optional<int64_t>(runId));
    key.seed = 1;
    QVERIFY(!store.findDoneRun(key).has_value());

    QCOMPARE(rawInt(file, "PRAGMA user_version"), int64_t(ExperimentStore::currentSchemaVersion()));
    QCOMPARE(rawText(file, "PRAGMA journal_mode"), std::string("wal\n"));
  }

  void migratesRealV1Database() {
    auto dir = qs::test::freshTempDir("store_v1");
    auto file = dir / "old.qsdb";
    rawExec(file, kSchemaV1);
    {
      ExperimentStore store(file);
      QCOMPARE(store.migratedFrom(), std::optional<int>(1));
      QCOMPARE(store.backupFile(), fs::path(file.string() + ".v1.bak"));
      // The run the old process left `running` is interrupted.
      QCOMPARE(store.interruptedOnOpen(), std::vector<int64_t>({2}));
      auto run = store.run(1);
      QVERIFY(run.has_value());
      QCOMPARE(run->status, qs::RunStatus::Done);
      QCOMPARE(run->wallSeconds, 300.5);
      QCOMPARE(run->tokensProcessed, int64_t(123456));
      QCOMPARE(run->startedAt, std::string("2024-03-01T10:00:00.000Z"));
      QCOMPARE(run->shard, std::string());
      QCOMPARE(run->protocol, std::string());  // version 5: not recorded by older versions
      QVERIFY(store.items(1).empty());
      QCOMPARE(store.run(2)->status, qs::RunStatus::Interrupted);
      auto metrics = store.metrics(1);
      QCOMPARE(metrics.size(), size_t(2));
      QCOMPARE(metrics[0].value, 0.5871);
      QVERIFY(!metrics[0].stdError.has_value());
      QVERIFY(!metrics[0].samples.has_value());
      QVERIFY(!metrics[1].higherIsBetter);
      auto stats = store.layerStats({});
      QCOMPARE(stats.size(), size_t(1));
      QCOMPARE(stats[0].kurtosis, 4.5);
      QVERIFY(!stats[0].outlierRatio.has_value());
      // Version-2 features work on the migrated file.
      store.appendLog(1, qs::LogLevel::Info, "after migration");
      QCOMPARE(store.logs(1).size(), size_t(1));
      qs::ChannelProfileRecord p{{1, "", ""}, std::nullopt, 0, "q_proj", "weight", -1, {1.0f, 2.0f}};
      store.putStats({}, {p});
      QCOMPARE(store.channelProfiles({}).size(), size_t(1));
    }
    // The backup is the untouched version-1 database.
    auto bak = fs::path(file.string() + ".v1.bak");
    QVERIFY(fs::exists(bak));
    QCOMPARE(rawInt(bak, "PRAGMA user_version"), int64_t(1));
    QCOMPARE(rawInt(bak, "SELECT count(*) FROM runs WHERE status = 'running'"), int64_t(1));
    QCOMPARE(rawInt(bak, "SELECT count(*) FROM sqlite_master WHERE name = 'logs'"), int64_t(0));

    // A migrated file has the tables, columns and indexes of a new one.
    auto freshFile = dir / "fresh.qsdb";
    { ExperimentStore fresh(freshFile); }
    const std::string columns =
        "SELECT m.name || ' ' || p.name || ' ' || p.type || ' ' || p.\"notnull\" || ' ' || "
        "ifnull(p.dflt_value, '-') || ' ' || p.pk FROM sqlite_master m, pragma_table_info(m.name) p "
        "WHERE m.type = 'table' ORDER BY m.name, p.cid";
    const std::string objects = "SELECT type || ' ' || name || ' ' || tbl_name FROM sqlite_master ORDER BY name";
    QCOMPARE(rawText(file, columns), rawText(freshFile, columns));
    QCOMPARE(rawText(file, objects), rawText(freshFile, objects));
    QVERIFY(rawText(file, columns).find("metrics stderr REAL") != std::string::npos);
    QCOMPARE(rawInt(file, "PRAGMA user_version"), int64_t(ExperimentStore::currentSchemaVersion()));
    QVERIFY(rawText(file, columns).find("runs owner TEXT 1 ''") != std::string::npos);
  }

  void itemsRoundTripAndFollowTheirRun() {
    auto file = qs::test::freshTempDir("store_items") / "exp.qsdb";
    ExperimentStore store(file);
    const int64_t modelId = store.upsertModel(opt125m());
    auto run = runOf(modelId, "W4A16KV16-g128", "arc_easy");
    run.protocol = R"({"protocol":"lm-eval","version":1,"limit":0,"seed":1234})";
    const int64_t id = store.beginRun(run);
    qs::RunResults res;
    res.metrics = {{"acc", 0.5, 0.5, 2, true}};
    qs::ItemRecord mc;
    mc.item = 0;
    mc.docIndex = 17;
    mc.docId = "Mercury_7175875";
    mc.score = 1.0;
    mc.chosen = 2;
    mc.gold = 2;
    mc.loglikelihoods = {-3.25, -1e-300, -0.125, -std::numeric_limits<double>::infinity()};
    mc.greedy = {false, false, true, false};
    mc.tokens = 9;
    mc.metrics = R"({"acc":1,"acc_norm":0})";
    qs::ItemRecord gen;
    gen.item = 1;
    gen.docIndex = 3;
    gen.score = std::nan("");  // an unparseable judge rating: stored as "no score"
    gen.outputs = {"first turn", std::string("bad utf-8 \xff end"), ""};
    res.items = {mc, gen};
    store.finishRun(id, res);
    QCOMPARE(store.run(id)->protocol, run.protocol);
    QCOMPARE(store.itemCount(id), int64_t(2));
    auto items = store.items(id);
    QCOMPARE(items.size(), size_t(2));
    QCOMPARE(items[0].docId, mc.docId);
    QCOMPARE(items[0].docIndex, int64_t(17));
    QCOMPARE(items[0].chosen, std::optional<int>(2));
    QCOMPARE(items[0].gold, std::optional<int>(2));
    QCOMPARE(items[0].loglikelihoods.size(), size_t(4));
    for (size_t i = 0; i < 4; ++i) QCOMPARE(items[0].loglikelihoods[i], mc.loglikelihoods[i]);  // bit for bit
    QCOMPARE(items[0].greedy, mc.greedy);
    QCOMPARE(items[0].tokens, int64_t(9));
    QCOMPARE(items[0].metrics, mc.metrics);
    QVERIFY(items[0].outputs.empty());
    QVERIFY(!items[1].score.has_value());
    QVERIFY(!items[1].chosen.has_value());
    QVERIFY(items[1].loglikelihoods.empty());
    QCOMPARE(items[1].outputs.size(), size_t(3));
    QCOMPARE(items[1].outputs[0], std::string("first turn"));
    QCOMPARE(items[1].outputs[1], std::string("bad utf-8 \xef\xbf\xbd end"));  // replaced, not lost
    // Failing and restarting the run clears its items with its metrics.
    auto again = runOf(modelId, "W3A16KV16-g128", "arc_easy");
    const int64_t second = store.beginRun(again);
    res.items = {mc};
    res.items[0].item = 5;
    store.finishRun(second, res);
    QCOMPARE(store.itemCount(second), int64_t(1));
    store.deleteRun(second);
    QCOMPARE(rawInt(file, "SELECT count(*) FROM run_items WHERE run_id = " + std::to_string(second)), int64_t(0));
    // A duplicate item number makes the whole finish fail: nothing of the run is stored.
    const int64_t third = store.beginRun(runOf(modelId, "W2A16KV16-g128", "arc_easy"));
    res.items = {mc, mc};
    QVERIFY(errorOf([&] { store.finishRun(third, res); }).contains("item 0 of run"));
    QCOMPARE(store.run(third)->status, qs::RunStatus::Running);
    QVERIFY(store.metrics(third).empty());
    QCOMPARE(store.itemCount(third), int64_t(0));
  }

  void analysesRoundTripAndReplaceByKey() {
    auto file = qs::test::freshTempDir("store_analyses") / "exp.qsdb";
    ExperimentStore store(file);
    const int64_t m = store.upsertModel(opt125m());
    store.putSensitivity({{m, "W3A16KV16-g128", "cal n=2", 0, "q_proj", -1, 0.5, 128},
                          {m, "W3A16KV16-g128", "cal n=2", 1, "down_proj", -1, 2.5, 128},
                          {m, "W2A16KV16-g128", "cal n=2", 0, "q_proj", -1, 7.0, 128}});
    store.putSensitivity({{m, "W3A16KV16-g128", "cal n=2", 0, "q_proj", -1, 0.75, 256}});  // replaces
    auto rows = store.sensitivity(m, std::string("W3A16KV16-g128"));
    QCOMPARE(rows.size(), size_t(2));
    QCOMPARE(rows[0].klDivergence, 0.75);
    QCOMPARE(rows[0].tokens, int64_t(256));
    QCOMPARE(rows[1].role, std::string("down_proj"));
    QCOMPARE(store.sensitivity().size(), size_t(3));
    QVERIFY(store.sensitivity(m, std::nullopt, std::string("other")).empty());
    QVERIFY(errorOf([&] { store.putSensitivity({{m, "W3", "", 0, "q_proj", -1, std::nan(""), 1}}); }).contains("NaN"));
    store.putQuantErrors({{m, "W4A16KV16-g128", "cal", 2, "o_proj", 3, 0.01, 40.0, std::nullopt,
                           std::numeric_limits<double>::infinity()}});
    auto errs = store.quantErrors(m);
    QCOMPARE(errs.size(), size_t(1));
    QCOMPARE(errs[0].expert, 3);
    QCOMPARE(errs[0].weightSqnrDb, std::optional<double>(40.0));
    QVERIFY(!errs[0].outputRelError.has_value());
    QVERIFY(!errs[0].outputSqnrDb.has_value());  // infinite SQNR (an exact tensor) is stored as unknown
  }

  void readOnlyOpenOfV1MigratesInMemoryOnly() {
    auto file = qs::test::freshTempDir("store_v1_ro") / "old.qsdb";
    rawExec(file, kSchemaV1);
    const std::string before = qs::test::readFile(file);
    {
      ExperimentStore store(file, ExperimentStore::Mode::ReadOnly);
      QCOMPARE(store.migratedFrom(), std::optional<int>(1));
      QCOMPARE(store.listRuns().size(), size_t(2));
      QCOMPARE(store.run(2)->status, qs::RunStatus::Running);  // read-only: not marked
      QVERIFY(!store.metrics(1)[0].stdError.has_value());
      QVERIFY(errorOf([&] { store.appendLog(1, qs::LogLevel::Info, "x"); }).contains("read-only"));
    }
    QCOMPARE(qs::test::readFile(file), before);
    QVERIFY(!fs::exists(file.string() + ".v1.bak"));
  }

  void expertsOfOneTensorKeepTheirOwnRows() {
    auto file = qs::test::freshTempDir("store_experts") / "moe.qsdb";
    {
      ExperimentStore store(file);
      const int64_t model = store.upsertModel(opt125m());
      // Given out of order: the store orders by expert.
      store.putStats({expertStat(model, 1, 7.5), expertStat(model, -1, 3.0), expertStat(model, 0, 5.25)},
                     {expertProfile(model, 1, {1.0f, 8.0f}), expertProfile(model, 0, {2.0f, 4.0f})});
    }
    ExperimentStore store(file);
    auto stats = store.layerStats({});
    QCOMPARE(stats.size(), size_t(3));
    QCOMPARE(stats[0].expert, -1);
    QCOMPARE(stats[0].kurtosis, 3.0);
    QCOMPARE(stats[1].expert, 0);
    QCOMPARE(stats[1].kurtosis, 5.25);
    QCOMPARE(stats[2].expert, 1);
    QCOMPARE(stats[2].kurtosis, 7.5);
    auto profiles = store.channelProfiles({});
    QCOMPARE(profiles.size(), size_t(2));
    QCOMPARE(profiles[0].expert, 0);
    QCOMPARE(profiles[0].absmax, std::vector<float>({2.0f, 4.0f}));
    QCOMPARE(profiles[1].expert, 1);
    QCOMPARE(profiles[1].absmax, std::vector<float>({1.0f, 8.0f}));

    // Storing expert 0 again replaces expert 0 only.
    const int64_t model = stats[0].key.modelId;
    store.putStats({expertStat(model, 0, 6.0)}, {});
    stats = store.layerStats({});
    QCOMPARE(stats.size(), size_t(3));
    QCOMPARE(stats[1].kurtosis, 6.0);
    QCOMPARE(stats[2].kurtosis, 7.5);

    // Twice the same expert in one batch is still a caller bug, and the message names the expert.
    QString err = errorOf([&] { store.putStats({expertStat(model, 1, 1.0), expertStat(model, 1, 2.0)}, {}); });
    QVERIFY2(err.contains("duplicate layer statistics") && err.contains("gate_proj weight expert 1"), qPrintable(err));
    QCOMPARE(store.layerStats({})[2].kurtosis, 7.5);
  }

  void expertFilter() {
    auto file = qs::test::freshTempDir("store_expert_filter") / "moe.qsdb";
    ExperimentStore store(file);
    const int64_t model = store.upsertModel(opt125m());
    store.putStats({expertStat(model, -1, 3.0), expertStat(model, 0, 5.25), expertStat(model, 1, 7.5)},
                   {expertProfile(model, 0, {2.0f}), expertProfile(model, 1, {8.0f})});
    qs::StatsQuery q;
    q.layer = 5;
    q.role = "gate_proj";
    q.expert = 1;
    auto stats = store.layerStats(q);
    QCOMPARE(stats.size(), size_t(1));
    QCOMPARE(stats[0].kurtosis, 7.5);
    q.expert = -1;  // the tensors of no expert
    stats = store.layerStats(q);
    QCOMPARE(stats.size(), size_t(1));
    QCOMPARE(stats[0].kurtosis, 3.0);
    QVERIFY(store.channelProfiles(q).empty());
    q.expert = 7;
    QVERIFY(store.layerStats(q).empty());
    q.expert = 0;
    auto profiles = store.channelProfiles(q);
    QCOMPARE(profiles.size(), size_t(1));
    QCOMPARE(profiles[0].absmax, std::vector<float>({2.0f}));

    const qs::StatsKey key{model, "FP16", ""};
    auto profile = store.channelProfile(key, 5, "gate_proj", "weight", 1);
    QVERIFY(profile.has_value());
    QCOMPARE(profile->absmax, std::vector<float>({8.0f}));
    QVERIFY(!store.channelProfile(key, 5, "gate_proj", "weight").has_value());  // default: no expert
  }

  void migratesV3DatabaseStatsAsNoExpert() {
    auto dir = qs::test::freshTempDir("store_v3");
    auto file = dir / "v3.qsdb";
    rawExec(file, std::string(kSchemaV1) + kV1ToV3WithStats);
    QCOMPARE(rawInt(file, "SELECT count(*) FROM pragma_table_info('layer_stats') WHERE name = 'expert'"), int64_t(0));
    const std::string before = qs::test::readFile(file);

    // Read-only: readable as it is, the file untouched.
    {
      ExperimentStore viewer(file, ExperimentStore::Mode::ReadOnly);
      QCOMPARE(viewer.migratedFrom(), std::optional<int>(3));
      auto stats = viewer.layerStats({});
      QCOMPARE(stats.size(), size_t(2));  // the version-1 row and the version-3 one
      for (const auto& s : stats) QCOMPARE(s.expert, -1);
      qs::StatsQuery q;
      q.expert = -1;
      q.role = "down_proj";
      QCOMPARE(viewer.layerStats(q).size(), size_t(1));
      QCOMPARE(viewer.channelProfiles(q).size(), size_t(1));
      QCOMPARE(viewer.channelProfiles(q)[0].expert, -1);
      q.expert = 0;
      QVERIFY(viewer.layerStats(q).empty());
    }
    QCOMPARE(qs::test::readFile(file), before);
    QVERIFY(!fs::exists(file.string() + ".v3.bak"));

    // Read-write: migrated, its rows kept as the tensors of no expert.
    {
      ExperimentStore store(file);
      QCOMPARE(store.migratedFrom(), std::optional<int>(3));
      QCOMPARE(store.backupFile(), fs::path(file.string() + ".v3.bak"));
      auto stats = store.layerStats({});
      QCOMPARE(stats.size(), size_t(2));
      QCOMPARE(stats[0].role, std::string("q_proj"));
      QCOMPARE(stats[0].kurtosis, 4.5);
      QVERIFY(!stats[0].outlierRatio.has_value());
      QCOMPARE(stats[1].role, std::string("down_proj"));
      QCOMPARE(stats[1].key.quantName, std::string("W4A16KV16-g128"));
      QCOMPARE(stats[1].key.calibration, std::string("wiki n=2"));
      QCOMPARE(stats[1].runId, std::optional<int64_t>(1));
      QCOMPARE(stats[1].count, int64_t(4096));
      QCOMPARE(stats[1].kurtosis, 96.0);
      QCOMPARE(stats[1].outlierRatio, std::optional<double>(0.003));
      for (const auto& s : stats) QCOMPARE(s.expert, -1);
      auto profiles = store.channelProfiles({});
      QCOMPARE(profiles.size(), size_t(1));
      QCOMPARE(profiles[0].expert, -1);
      QCOMPARE(profiles[0].runId, std::optional<int64_t>(1));
      QCOMPARE(profiles[0].absmax, std::vector<float>({1.0f, 10.0f}));  // the blob, bit for bit
      // The old key no longer holds: experts of that tensor get rows of their own.
      store.putStats({expertStat(1, 0, 5.0), expertStat(1, 1, 6.0)}, {expertProfile(1, 0, {1.0f})});
      QCOMPARE(store.layerStats({}).size(), size_t(4));
    }
    QCOMPARE(rawInt(file, "PRAGMA user_version"), int64_t(ExperimentStore::currentSchemaVersion()));
    QCOMPARE(rawInt(file, "SELECT pk FROM pragma_table_info('layer_stats') WHERE name = 'expert'"), int64_t(7));
    QCOMPARE(rawInt(file, "SELECT pk FROM pragma_table_info('channel_profiles') WHERE name = 'expert'"), int64_t(7));
    QCOMPARE(rawText(file, "SELECT name FROM sqlite_master WHERE name LIKE '%_v4'"), std::string());
    QCOMPARE(rawText(file, "PRAGMA foreign_key_check"), std::string());
    // The backup is the version-3 file as it was.
    auto bak = fs::path(file.string() + ".v3.bak");
    QCOMPARE(rawInt(bak, "PRAGMA user_version"), int64_t(3));
    QCOMPARE(rawInt(bak, "SELECT count(*) FROM layer_stats"), int64_t(2));
    QCOMPARE(rawInt(bak, "SELECT count(*) FROM pragma_table_info('layer_stats') WHERE name = 'expert'"), int64_t(0));

    // Migrated, the file has the schema of a new one.
    auto freshFile = dir / "fresh.qsdb";
    { ExperimentStore fresh(freshFile); }
    const std::string columns =
        "SELECT m.name || ' ' || p.name || ' ' || p.type || ' ' || p.\"notnull\" || ' ' || "
        "ifnull(p.dflt_value, '-') || ' ' || p.pk FROM sqlite_master m, pragma_table_info(m.name) p "
        "WHERE m.type = 'table' ORDER BY m.name, p.cid";
    const std::string objects = "SELECT type || ' ' || name || ' ' || tbl_name FROM sqlite_master ORDER BY name";
    QCOMPARE(rawText(file, columns), rawText(freshFile, columns));
    QCOMPARE(rawText(file, objects), rawText(freshFile, objects));
    QVERIFY(rawText(file, columns).find("layer_stats expert INTEGER 1 -1 7") != std::string::npos);
  }

  // Corrupt pages: opening to write runs quick_check and refuses, naming the file and how to
  // salvage it, without writing a byte; reading still works for what is readable.
  // After a close the database is one file: the WAL is checkpointed and truncated, so a copy of the
  // .qsdb alone holds every run.
  void closedDatabaseIsSelfContained() {
    const auto dir = qs::test::freshTempDir("store-wal");
    const auto file = dir / "w.qsdb";
    {
      qs::ExperimentStore store(file);
      const int64_t model = store.upsertModel(opt125m());
      for (int i = 0; i < 20; ++i) {
        qs::RunRecord r;
        r.modelId = model;
        r.quantName = "W" + std::to_string(i);
        r.task = "t";
        r.taskVersion = "1";
        store.queueRun(r);
      }
      QVERIFY(fs::exists(file.string() + "-wal") && fs::file_size(file.string() + "-wal") > 0);
    }
    QVERIFY(!fs::exists(file.string() + "-wal") || fs::file_size(file.string() + "-wal") == 0);
    fs::copy_file(file, dir / "copy.qsdb");
    qs::ExperimentStore copy(dir / "copy.qsdb", qs::ExperimentStore::Mode::ReadOnly);
    QCOMPARE(int(copy.listRuns().size()), 20);
  }

  void damagedDatabaseRefusedForWriting() {
    const auto file = qs::test::freshTempDir("store-damaged") / "damaged.qsdb";
    {
      qs::ExperimentStore store(file);
      for (int i = 0; i < 40; ++i) {
        auto m = opt125m();
        m.fingerprint = "fp-" + std::to_string(i) + std::string(400, 'x');
        m.path = "/models/m" + std::to_string(i);
        store.upsertModel(m);
      }
    }
    {
      // Overwrite the last page (a models table leaf) with garbage; the header stays intact.
      std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(0, std::ios::end);
      const auto size = static_cast<int64_t>(f.tellg());
      QVERIFY(size >= 4 * 4096);
      f.seekp(size - 4096);
      const std::string garbage(4096, '\xA5');
      f.write(garbage.data(), garbage.size());
    }
    const std::string before = qs::test::readFile(file);
    try {
      qs::ExperimentStore store(file);
      QFAIL("a damaged database was opened for writing");
    } catch (const qs::Error& e) {
      const QString msg = e.what();
      QVERIFY2(msg.contains(QString::fromStdString(file.string())) && msg.contains("damaged") &&
                   msg.contains(".recover") && msg.contains("nothing was written"),
               e.what());
    }
    QVERIFY(qs::test::readFile(file) == before);
    QVERIFY(!fs::exists(file.string() + "-wal") || fs::file_size(file.string() + "-wal") == 0);
  }

  void newerSchemaRefusedUntouched() {
    auto file = qs::test::freshTempDir("store_newer") / "future.qsdb";
    {
      ExperimentStore store(file);
      store.upsertModel(opt125m());
    }
    rawExec(file, "PRAGMA user_version = 7");
    const std::string before = qs::test::readFile(file);
    for (auto mode : {ExperimentStore::Mode::ReadWrite, ExperimentStore::Mode::ReadOnly}) {
      QString err = errorOf([&] { ExperimentStore store(file, mode); });
      QVERIFY2(err.contains(QString::fromStdString(file.string())), qPrintable(err));
      const QString current = QString("version %1").arg(ExperimentStore::currentSchemaVersion());
      QVERIFY2(err.contains("version 7") && err.contains(current), qPrintable(err));
    }
    QCOMPARE(qs::test::readFile(file), before);
    QVERIFY(!fs::exists(file.string() + ".v7.bak"));
  }

  void textFileRefusedUntouched() {
    auto file = qs::test::freshTempDir("store_text") / "notes.qsdb";
    const std::string text = "model,quant,acc\nopt,W4,0.5\n";
    writeFile(file, text);
    for (auto mode : {ExperimentStore::Mode::ReadWrite, ExperimentStore::Mode::ReadOnly}) {
      QString err = errorOf([&] { ExperimentStore store(file, mode); });
      QVERIFY2(err.contains(QString::fromStdString(file.string())), qPrintable(err));
      QVERIFY2(err.contains("not an SQLite database"), qPrintable(err));
    }
    QCOMPARE(qs::test::readFile(file), text);
    QVERIFY(!fs::exists(file.string() + "-wal"));
  }

  void foreignSqliteDatabaseRefused() {
    auto file = qs::test::freshTempDir("store_foreign") / "other.db";
    rawExec(file, "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
    const std::string before = qs::test::readFile(file);
    QString err = errorOf([&] { ExperimentStore store(file); });
    QVERIFY2(err.contains("not a QuantScope experiment database"), qPrintable(err));
    QCOMPARE(qs::test::readFile(file), before);
  }

  void truncatedDatabaseRefused() {
    auto dir = qs::test::freshTempDir("store_truncated");
    auto good = dir / "good.qsdb";
    {
      ExperimentStore store(good);
      int64_t m = store.upsertModel(opt125m());
      for (int i = 0; i < 20; ++i) {
        auto id = store.beginRun(runOf(m, "W4A16KV16-g128", "task" + std::to_string(i)));
        store.finishRun(id, resultsWithStats());
      }
    }
    const std::string bytes = qs::test::readFile(good);
    QVERIFY(bytes.size() >= 3 * 4096);
    struct Case {
      size_t keep;
      const char* expect;
    };
    for (Case c : {Case{50, "shorter than an SQLite header"}, Case{6000, "truncated"}, Case{4096, "truncated"}}) {
      auto file = dir / ("cut" + std::to_string(c.keep) + ".qsdb");
      writeFile(file, bytes.substr(0, c.keep));
      QString err = errorOf([&] { ExperimentStore store(file); });
      QVERIFY2(err.contains(QString::fromStdString(file.string())) && err.contains(c.expect), qPrintable(err));
      QCOMPARE(qs::test::readFile(file), bytes.substr(0, c.keep));
    }
  }

  // Decision: a write-protected file opened read-write is an error (a sweep must not silently lose
  // its results); read-only mode opens it for viewing.
  void readOnlyFile() {
    auto file = qs::test::freshTempDir("store_readonly") / "ro.qsdb";
    int64_t runId = 0;
    {
      ExperimentStore store(file);
      runId = store.beginRun(runOf(store.upsertModel(opt125m()), "W8A8KV16", "lambada"));
      store.finishRun(runId, resultsWithStats());
    }
    fs::permissions(file, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    const std::string before = qs::test::readFile(file);
    QString err = errorOf([&] { ExperimentStore store(file); });
    QVERIFY2(err.contains(QString::fromStdString(file.string())) && err.contains("read-only"), qPrintable(err));
    {
      ExperimentStore viewer(file, ExperimentStore::Mode::ReadOnly);
      QVERIFY(viewer.readOnly());
      QCOMPARE(viewer.listRuns().size(), size_t(1));
      QCOMPARE(viewer.metrics(runId).size(), size_t(2));
      QVERIFY(errorOf([&] { viewer.upsertModel(opt125m()); }).contains("read-only"));
    }
    QCOMPARE(qs::test::readFile(file), before);
    fs::permissions(file, fs::perms::owner_write, fs::perm_options::add);
  }

  void missingFileReadOnlyIsAnError() {
    auto file = qs::test::freshTempDir("store_missing") / "nothing.qsdb";
    QVERIFY(errorOf([&] { ExperimentStore store(file, ExperimentStore::Mode::ReadOnly); }).contains("no such file"));
    QVERIFY(!fs::exists(file));
    QVERIFY(errorOf([&] { ExperimentStore store(file.parent_path() / "no" / "x.qsdb"); }).contains("does not exist"));
  }

  void liveWriterInAnotherProcessKeepsItsRun() {
    auto file = qs::test::freshTempDir("store_live_writer") / "exp.qsdb";
    { ExperimentStore(file).upsertModel(opt125m()); }
    int ready[2];
    QCOMPARE(pipe(ready), 0);
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
      // The writer: begins a run, says so, and stays alive until killed.
      char ok = 0;
      try {
        ExperimentStore writer(file);
        writer.beginRun(runOf(1, "W4A16KV16-g128", "lambada"));
        ok = 1;
      } catch (...) {
      }
      (void)!write(ready[1], &ok, 1);
      for (;;) pause();
    }
    char ok = 0;
    QCOMPARE(read(ready[0], &ok, 1), ssize_t(1));
    QCOMPARE(int(ok), 1);
    {
      ExperimentStore viewer(file);  // the workbench opening the file while a sweep runs
      QVERIFY(viewer.interruptedOnOpen().empty());
      QCOMPARE(viewer.listRuns().at(0).status, qs::RunStatus::Running);
    }
    kill(child, SIGKILL);
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    std::string owner = rawText(file, "SELECT owner FROM runs");
    owner.pop_back();
    QVERIFY2(owner.find(" " + std::to_string(child) + " ") != std::string::npos, owner.c_str());
    QVERIFY2(!qs::runOwnerAlive(owner), owner.c_str());
    ExperimentStore after(file);
    QCOMPARE(after.interruptedOnOpen().size(), size_t(1));
    QCOMPARE(after.listRuns().at(0).status, qs::RunStatus::Interrupted);
  }

  void runningBecomesInterruptedOnReopen() {
    auto file = qs::test::freshTempDir("store_interrupt") / "exp.qsdb";
    int64_t runId = 0;
    {
      ExperimentStore store(file);
      runId = store.beginRun(runOf(store.upsertModel(opt125m()), "W4A16KV16-g128", "lambada"));
    }
    {
      // This process, which runs it, is alive: a second read-write open leaves the run alone.
      ExperimentStore second(file);
      QVERIFY(second.interruptedOnOpen().empty());
      QCOMPARE(second.run(runId)->status, qs::RunStatus::Running);
    }
    // The same pid, but a process started at another time (a reused pid): the owner is gone.
    std::string owner = rawText(file, "SELECT owner FROM runs WHERE id = " + std::to_string(runId));
    owner.pop_back();  // rawText's newline
    QCOMPARE(owner, qs::currentRunOwner());
    QVERIFY(qs::runOwnerAlive(owner));
    rawExec(file, "UPDATE runs SET owner = '" + owner.substr(0, owner.rfind(' ')) + " 1'");
    {
      ExperimentStore viewer(file, ExperimentStore::Mode::ReadOnly);
      QCOMPARE(viewer.run(runId)->status, qs::RunStatus::Running);  // viewers change nothing
    }
    ExperimentStore store(file);
    QCOMPARE(store.interruptedOnOpen(), std::vector<int64_t>({runId}));
    auto run = store.run(runId);
    QCOMPARE(run->status, qs::RunStatus::Interrupted);
    QVERIFY(run->errorText.find("found running") != std::string::npos);
    QCOMPARE(store.logs(runId).back().level, std::string("warning"));

    // Resuming reuses the row.
    QCOMPARE(store.beginRun(runOf(run->modelId, "W4A16KV16-g128", "lambada")), runId);
    QCOMPARE(store.run(runId)->status, qs::RunStatus::Running);
    QVERIFY(store.run(runId)->errorText.empty());
    QVERIFY(store.logs(runId).back().text.find("restarted") != std::string::npos);
    store.finishRun(runId, resultsWithStats());
    QCOMPARE(store.run(runId)->status, qs::RunStatus::Done);
    QCOMPARE(store.listRuns().size(), size_t(1));
    // A done run is not begun again.
    QVERIFY(errorOf([&] { store.beginRun(runOf(run->modelId, "W4A16KV16-g128", "lambada")); }).contains("already done"));
  }

  void finishRunIsAtomic() {
    auto file = qs::test::freshTempDir("store_atomic") / "exp.qsdb";
    ExperimentStore store(file);
    int64_t runId = store.beginRun(runOf(store.upsertModel(opt125m()), "W4A16KV16-g128", "lambada"));

    // A duplicate metric violates the (run_id, name) key after two metrics were inserted.
    auto dupMetric = resultsWithStats();
    dupMetric.metrics.push_back({"acc", 0.1, std::nullopt, std::nullopt, true});
    QString err = errorOf([&] { store.finishRun(runId, dupMetric); });
    QVERIFY2(err.contains("metric 'acc'") && err.contains("UNIQUE"), qPrintable(err));
    QVERIFY(store.metrics(runId).empty());
    QCOMPARE(store.run(runId)->status, qs::RunStatus::Running);

    // Duplicate statistics fail after all metrics were inserted: none may remain.
    auto dupStats = resultsWithStats();
    dupStats.layerStats.push_back(dupStats.layerStats[0]);
    err = errorOf([&] { store.finishRun(runId, dupStats); });
    QVERIFY2(err.contains("duplicate layer statistics"), qPrintable(err));
    QVERIFY(store.metrics(runId).empty());
    QVERIFY(store.layerStats({}).empty());
    QCOMPARE(store.run(runId)->status, qs::RunStatus::Running);

    auto nan = resultsWithStats();
    nan.metrics[1].value = std::nan("");
    QVERIFY(errorOf([&] { store.finishRun(runId, nan); }).contains("'perplexity' of run"));
    QVERIFY(store.metrics(runId).empty());

    store.finishRun(runId, resultsWithStats());
    QCOMPARE(store.metrics(runId).size(), size_t(2));
    QCOMPARE(store.run(runId)->status, qs::RunStatus::Done);
    QVERIFY(errorOf([&] { store.finishRun(runId, resultsWithStats()); }).contains("not running"));
  }

  void transactionRollsBackEverything() {
    auto file = qs::test::freshTempDir("store_tx") / "exp.qsdb";
    ExperimentStore store(file);
    QString err = errorOf([&] {
      store.transaction([&] {
        int64_t m = store.upsertModel(opt125m());
        store.transaction([&] { store.queueRun(runOf(m, "W8A8KV16", "lambada")); });
        throw qs::Error("stop");
      });
    });
    QCOMPARE(err, QString("stop"));
    QVERIFY(store.models().empty());
    QVERIFY(store.listRuns().empty());
    // A failing inner transaction rolls back only its own part.
    int64_t m = store.upsertModel(opt125m());
    store.transaction([&] {
      store.queueRun(runOf(m, "W8A8KV16", "lambada"));
      errorOf([&] { store.transaction([&] { store.queueRun(runOf(m, "W4A8KV16", "lambada")); throw qs::Error("inner"); }); });
    });
    QCOMPARE(store.listRuns().size(), size_t(1));
  }

  void listRunsFiltersAndStatuses() {
    auto file = qs::test::freshTempDir("store_list") / "exp.qsdb";
    ExperimentStore store(file);
    int64_t a = store.upsertModel(opt125m());
    int64_t b = store.upsertModel({0, "/models/llama", "llama", 7, "BF16", "fp-llama"});
    int64_t r1 = store.beginRun(runOf(a, "W4A16KV16-g128", "lambada"));
    store.finishRun(r1, resultsWithStats());
    int64_t r2 = store.beginRun(runOf(a, "W8A8KV16", "lambada"));
    store.failRun(r2, "CUDA out of memory", 3.0);
    int64_t r3 = store.queueRun(runOf(b, "W4A16KV16-g128", "wikitext"));
    QCOMPARE(store.queueRun(runOf(b, "W4A16KV16-g128", "wikitext")), r3);  // idempotent
    int64_t r4 = store.beginRun(runOf(b, "W8A8KV16", "wikitext"));
    store.markInterrupted(r4, "cancelled by the user");

    auto ids = [](const std::vector<qs::RunRecord>& runs) {
      std::vector<int64_t> out;
      for (const auto& r : runs) out.push_back(r.id);
      return out;
    };
    QCOMPARE(ids(store.listRuns()), std::vector<int64_t>({r1, r2, r3, r4}));
    qs::RunFilter f;
    f.task = "lambada";
    QCOMPARE(ids(store.listRuns(f)), std::vector<int64_t>({r1, r2}));
    f = {};
    f.modelId = b;
    QCOMPARE(ids(store.listRuns(f)), std::vector<int64_t>({r3, r4}));
    f.quantName = "W8A8KV16";
    QCOMPARE(ids(store.listRuns(f)), std::vector<int64_t>({r4}));
    f = {};
    f.status = qs::RunStatus::Failed;
    auto failed = store.listRuns(f);
    QCOMPARE(ids(failed), std::vector<int64_t>({r2}));
    QCOMPARE(failed[0].errorText, std::string("CUDA out of memory"));
    QCOMPARE(failed[0].wallSeconds, 3.0);
    f.status = qs::RunStatus::Queued;
    QCOMPARE(ids(store.listRuns(f)), std::vector<int64_t>({r3}));
    QCOMPARE(store.run(r4)->status, qs::RunStatus::Interrupted);
    f = {};
    f.task = "lambada";
    auto byRun = store.metricsByRun(f);
    QCOMPARE(byRun.size(), size_t(1));  // r2 failed without metrics
    QCOMPARE(byRun[r1].size(), size_t(2));
    QCOMPARE(byRun[r1][1].name, std::string("perplexity"));
    QCOMPARE(byRun[r1][0].stdError, std::optional<double>(0.0068));
    f.task = "wikitext";
    QVERIFY(store.metricsByRun(f).empty());

    store.deleteRun(r1);
    QVERIFY(!store.run(r1).has_value());
    QVERIFY(store.metrics(r1).empty());
    auto stats = store.layerStats({});
    QCOMPARE(stats.size(), size_t(1));  // statistics outlive their run
    QVERIFY(!stats[0].runId.has_value());
  }

  void changeStampSeesOtherConnections() {
    auto file = qs::test::freshTempDir("store_stamp") / "exp.qsdb";
    ExperimentStore gui(file);
    ExperimentStore worker(file);
    uint64_t s0 = gui.changeStamp();
    QCOMPARE(gui.changeStamp(), s0);  // nothing happened
    int64_t m = worker.upsertModel(opt125m());
    uint64_t s1 = gui.changeStamp();
    QVERIFY(s1 != s0);
    QCOMPARE(gui.models().size(), size_t(1));
    gui.queueRun(runOf(m, "W8A8KV16", "lambada"));
    QVERIFY(gui.changeStamp() != s1);
  }

  // One store per thread, as documented: two writers and a polling reader, no lost or failed write.
  void concurrentWritersAndReader() {
    auto file = qs::test::freshTempDir("store_threads") / "exp.qsdb";
    int64_t modelId = ExperimentStore(file).upsertModel(opt125m());
    std::mutex mutex;
    std::vector<std::string> errors;
    auto guard = [&](auto&& body) {
      try {
        body();
      } catch (const qs::Error& e) {
        std::lock_guard lock(mutex);
        errors.push_back(e.what());
      }
    };
    auto writer = [&](const std::string& quant) {
      guard([&] {
        ExperimentStore store(file);
        for (int i = 0; i < 40; ++i) {
          int64_t id = store.beginRun(runOf(modelId, quant, "task" + std::to_string(i)));
          store.appendLog(id, qs::LogLevel::Info, "step");
          store.finishRun(id, resultsWithStats());
        }
      });
    };
    std::atomic<bool> stop = false;
    size_t polls = 0;
    std::thread reader([&] {
      guard([&] {
        ExperimentStore store(file, ExperimentStore::Mode::ReadOnly);
        uint64_t stamp = store.changeStamp();
        while (!stop) {
          if (store.changeStamp() != stamp) {
            stamp = store.changeStamp();
            for (const auto& r : store.listRuns()) store.metrics(r.id);
            ++polls;
          }
        }
      });
    });
    std::thread w1(writer, "W4A16KV16-g128"), w2(writer, "W8A8KV16");
    w1.join();
    w2.join();
    stop = true;
    reader.join();
    QVERIFY2(errors.empty(), errors.empty() ? "" : errors.front().c_str());
    qs::RunFilter done;
    done.status = qs::RunStatus::Done;
    QCOMPARE(ExperimentStore(file).listRuns(done).size(), size_t(80));
    QVERIFY(polls > 0);
  }

  void logsPollIncrementally() {
    auto file = qs::test::freshTempDir("store_logs") / "exp.qsdb";
    ExperimentStore store(file);
    int64_t runId = store.beginRun(runOf(store.upsertModel(opt125m()), "W8A8KV16", "lambada"));
    store.appendLog(runId, qs::LogLevel::Info, "one");
    auto first = store.logs(runId);
    store.appendLog(runId, qs::LogLevel::Warning, "two");
    auto next = store.logs(runId, first.back().id);
    QCOMPARE(next.size(), size_t(1));
    QCOMPARE(next[0].text, std::string("two"));
    QCOMPARE(next[0].level, std::string("warning"));
    QVERIFY(errorOf([&] { store.appendLog(999, qs::LogLevel::Info, "x"); }).contains("no run with id 999"));
  }
};

QTEST_GUILESS_MAIN(TestExperimentStore)
#include "test_experiment_store.moc"
