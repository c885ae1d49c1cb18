#include "core/store/store_schema.h"

#include <array>
#include <string>

#include "core/base/error.h"
#include "core/store/sqlite_db.h"

namespace qs::store_schema {
namespace {

// Version 1: the first release. Metrics had no standard error or sample count, statistics no
// outlier ratio, and there were no per-channel profiles, run logs or sweep shards.
constexpr std::string_view kCreateV1 = R"sql(
PRAGMA application_id = 1364411458;
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  family TEXT NOT NULL,
  parameters INTEGER NOT NULL DEFAULT 0,
  dtype TEXT NOT NULL DEFAULT '',
  fingerprint TEXT NOT NULL UNIQUE
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id),
  quant_name TEXT NOT NULL,
  quant_json TEXT NOT NULL DEFAULT '{}',
  task TEXT NOT NULL,
  task_version TEXT NOT NULL,
  sample_limit INTEGER NOT NULL DEFAULT 0,
  seed INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'interrupted')),
  device TEXT NOT NULL DEFAULT '',
  software_versions TEXT NOT NULL DEFAULT '{}',
  started_at TEXT NOT NULL DEFAULT '',
  finished_at TEXT NOT NULL DEFAULT '',
  wall_seconds REAL NOT NULL DEFAULT 0,
  tokens_processed INTEGER NOT NULL DEFAULT 0,
  error_text TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX runs_key ON runs (model_id, quant_name, task, task_version, sample_limit, seed);
CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  higher_is_better INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (run_id, name)
);
CREATE TABLE layer_stats (
  model_id INTEGER NOT NULL REFERENCES models(id),
  quant_name TEXT NOT NULL DEFAULT '',
  calibration TEXT NOT NULL DEFAULT '',
  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  layer INTEGER NOT NULL,
  role TEXT NOT NULL,
  kind TEXT NOT NULL,
  count INTEGER NOT NULL,
  mean REAL NOT NULL,
  std REAL NOT NULL,
  absmax REAL NOT NULL,
  kurtosis REAL NOT NULL,
  PRIMARY KEY (model_id, quant_name, calibration, layer, role, kind)
);
)sql";

// Version 2: metric uncertainty, outlier ratios, per-channel absmax profiles (little-endian
// float32 blobs), run logs, sweep shards.
constexpr std::string_view kV1ToV2 = R"sql(
ALTER TABLE metrics ADD COLUMN stderr REAL;
ALTER TABLE metrics ADD COLUMN n INTEGER;
ALTER TABLE layer_stats ADD COLUMN outlier_ratio REAL;
ALTER TABLE runs ADD COLUMN shard TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_status ON runs (status);
CREATE TABLE channel_profiles (
  model_id INTEGER NOT NULL REFERENCES models(id),
  quant_name TEXT NOT NULL DEFAULT '',
  calibration TEXT NOT NULL DEFAULT '',
  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  layer INTEGER NOT NULL,
  role TEXT NOT NULL,
  kind TEXT NOT NULL,
  channels INTEGER NOT NULL,
  absmax BLOB NOT NULL CHECK (length(absmax) = 4 * channels),
  PRIMARY KEY (model_id, quant_name, calibration, layer, role, kind)
);
CREATE TABLE logs (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  time TEXT NOT NULL,
  level TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX logs_run ON logs (run_id, id);
)sql";

// Version 3: the process that runs a run (core/run_owner.h), so that opening the file marks only
// runs of dead processes interrupted.
constexpr std::string_view kV2ToV3 = R"sql(
ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
)sql";

// Version 4: the mixture-of-experts expert index (-1 = not an expert's tensor) joins the key of
// statistics and profiles, so the experts of one layer and role no longer replace each other.
// SQLite cannot change a primary key in place: each table is rebuilt under a new name, its rows
// copied (all of them expert -1, the only tensors older versions stored), the old one dropped.
constexpr std::string_view kV3ToV4 = R"sql(
CREATE TABLE layer_stats_v4 (
  model_id INTEGER NOT NULL REFERENCES models(id),
  quant_name TEXT NOT NULL DEFAULT '',
  calibration TEXT NOT NULL DEFAULT '',
  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  layer INTEGER NOT NULL,
  role TEXT NOT NULL,
  kind TEXT NOT NULL,
  expert INTEGER NOT NULL DEFAULT -1,
  count INTEGER NOT NULL,
  mean REAL NOT NULL,
  std REAL NOT NULL,
  absmax REAL NOT NULL,
  kurtosis REAL NOT NULL,
  outlier_ratio REAL,
  PRIMARY KEY (model_id, quant_name, calibration, layer, role, kind, expert)
);
INSERT INTO layer_stats_v4 (model_id, quant_name, calibration, run_id, layer, role, kind, count, mean, std,
                            absmax, kurtosis, outlier_ratio)
  SELECT model_id, quant_name, calibration, run_id, layer, role, kind, count, mean, std, absmax, kurtosis,
         outlier_ratio FROM layer_stats;
DROP TABLE layer_stats;
ALTER TABLE layer_stats_v4 RENAME TO layer_stats;
CREATE TABLE channel_profiles_v4 (
  model_id INTEGER NOT NULL REFERENCES models(id),
  quant_name TEXT NOT NULL DEFAULT '',
  calibration TEXT NOT NULL DEFAULT '',
  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  layer INTEGER NOT NULL,
  role TEXT NOT NULL,
  kind TEXT NOT NULL,
  expert INTEGER NOT NULL DEFAULT -1,
  channels INTEGER NOT NULL,
  absmax BLOB NOT NULL CHECK (length(absmax) = 4 * channels),
  PRIMARY KEY (model_id, quant_name, calibration, layer, role, kind, expert)
);
INSERT INTO channel_profiles_v4 (model_id, quant_name, calibration, run_id, layer, role, kind, channels, absmax)
  SELECT model_id, quant_name, calibration, run_id, layer, role, kind, channels, absmax FROM channel_profiles;
DROP TABLE channel_profiles;
ALTER TABLE channel_profiles_v4 RENAME TO channel_profiles;
)sql";

// Version 5 (issues 16, 17): per-item results, each run's measurement protocol, the per-tensor
// analyses (sensitivity: KL divergence with one tensor quantized; quantization error), and the
// cache of method transforms (AWQ / SmoothQuant / GPTQ / QuaRot results, whose tensors live in
// files beside the database: a model's worth of weights does not belong in SQLite pages). Items are
// one row per item (queryable with SQL, deleted with their run); log-likelihoods are little-endian
// float64 blobs and greedy flags one byte each, which keeps a multiple-choice item near 60 bytes.
constexpr std::string_view kV4ToV5 = R"sql(
ALTER TABLE runs ADD COLUMN protocol TEXT NOT NULL DEFAULT '';
CREATE TABLE run_items (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  item INTEGER NOT NULL,
  doc_index INTEGER NOT NULL,
  doc_id TEXT NOT NULL DEFAULT '',
  score REAL,
  chosen INTEGER,
  gold INTEGER,
  loglikelihoods BLOB,
  greedy BLOB,
  tokens INTEGER NOT NULL DEFAULT 0,
  outputs TEXT,
  metrics TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (run_id, item)
) WITHOUT ROWID;
CREATE TABLE sensitivity (
  model_id INTEGER NOT NULL REFERENCES models(id),
  quant_name TEXT NOT NULL,
  calibration TEXT NOT NULL DEFAULT '',
  layer INTEGER NOT NULL,
  role TEXT NOT NULL,
  expert INTEGER NOT NULL DEFAULT -1,
  kl_divergence REAL NOT NULL,
  tokens INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (model_id, quant_name, calibration, layer, role, expert)
);
CREATE TABLE quant_errors (
  model_id INTEGER NOT NULL REFERENCES models(id),
  quant_name TEXT NOT NULL,
  calibration TEXT NOT NULL DEFAULT '',
  layer INTEGER NOT NULL,
  role TEXT NOT NULL,
  expert INTEGER NOT NULL DEFAULT -1,
  weight_rel_error REAL,
  weight_sqnr_db REAL,
  output_rel_error REAL,
  output_sqnr_db REAL,
  PRIMARY KEY (model_id, quant_name, calibration, layer, role, expert)
);
CREATE TABLE method_transforms (
  model_id INTEGER NOT NULL REFERENCES models(id),
  quant_name TEXT NOT NULL,
  calibration TEXT NOT NULL,
  rotation_seed INTEGER NOT NULL DEFAULT 0,
  file TEXT NOT NULL,
  bytes INTEGER NOT NULL DEFAULT 0,
  seconds REAL NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (model_id, quant_name, calibration, rotation_seed)
);
)sql";

constexpr std::array<std::string_view, kCurrentVersion> kSteps = {kCreateV1, kV1ToV2, kV2ToV3, kV3ToV4, kV4ToV5};

}  // namespace

std::string_view stepSql(int fromVersion) {
  if (fromVersion < 0 || fromVersion >= kCurrentVersion)
    throw Error("no schema step from version " + std::to_string(fromVersion));
  return kSteps[static_cast<size_t>(fromVersion)];
}

void upgrade(const SqliteDb& db, int fromVersion) {
  for (int v = fromVersion; v < kCurrentVersion; ++v) db.exec(stepSql(v));
  db.exec("PRAGMA user_version = " + std::to_string(kCurrentVersion));
}

}  // namespace qs::store_schema
