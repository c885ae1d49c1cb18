// ExperimentStore: per-item results of runs, the per-tensor analyses (sensitivity scans and
// quantization errors), and the cache of method transforms.
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "core/store/sqlite_db.h"
#include "core/store/store_rows.h"

namespace qs {
namespace {

// WHERE clause shared by the two analysis tables; ?1..?3 bound by bindAnalysisFilter.
std::string analysisWhere(const std::optional<int64_t>& modelId, const std::optional<std::string>& quantName,
                          const std::optional<std::string>& calibration) {
  std::string sql = " WHERE 1";
  if (modelId) sql += " AND model_id = ?1";
  if (quantName) sql += " AND quant_name = ?2";
  if (calibration) sql += " AND calibration = ?3";
  return sql + " ORDER BY model_id, quant_name, calibration, layer, role, expert";
}

void bindAnalysisFilter(SqliteStatement& st, const std::optional<int64_t>& modelId,
                        const std::optional<std::string>& quantName, const std::optional<std::string>& calibration) {
  if (modelId) st.bind(1, *modelId);
  if (quantName) st.bind(2, *quantName);
  if (calibration) st.bind(3, *calibration);
}

// SQLite stores NaN as NULL: an analysis value that is not a number is refused by name.
void requireFinite(double v, const std::string& what) {
  if (std::isnan(v)) throw Error(what + " is NaN");
}

}  // namespace

void ExperimentStore::clearResults(int64_t runId) {
  SqliteStatement metrics(*db_, "DELETE FROM metrics WHERE run_id = ?");
  metrics.bind(1, runId).run();
  SqliteStatement items(*db_, "DELETE FROM run_items WHERE run_id = ?");
  items.bind(1, runId).run();
}

void ExperimentStore::insertItems(int64_t runId, const std::vector<ItemRecord>& items) {
  if (items.empty()) return;
  SqliteStatement st(*db_, "INSERT INTO run_items (run_id, " + std::string(store_rows::kItemColumns) +
                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& it : items) {
    st.bind(1, runId).bind(2, it.item).bind(3, it.docIndex).bind(4, it.docId);
    // A NaN score (e.g. an unparseable judge rating) is "no score", which NULL says.
    st.bind(5, it.score && !std::isnan(*it.score) ? it.score : std::nullopt);
    st.bind(6, it.chosen ? std::optional<int64_t>(*it.chosen) : std::nullopt);
    st.bind(7, it.gold ? std::optional<int64_t>(*it.gold) : std::nullopt);
    if (it.loglikelihoods.empty()) {
      st.bindNull(8);
    } else {
      std::string blob = store_rows::doublesToBlob(it.loglikelihoods);
      st.bindBlob(8, blob.data(), blob.size());
    }
    if (it.greedy.empty()) {
      st.bindNull(9);
    } else {
      std::string flags;
      for (bool g : it.greedy) flags.push_back(g ? '\1' : '\0');
      st.bindBlob(9, flags.data(), flags.size());
    }
    st.bind(10, it.tokens);
    if (it.outputs.empty()) st.bindNull(11);
    else st.bind(11, nlohmann::json(it.outputs).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    st.bind(12, it.metrics.empty() ? std::string("{}") : it.metrics);
    try {
      st.run();
    } catch (const Error& e) {
      throw Error(file_.string() + ": item " + std::to_string(it.item) + " of run " + std::to_string(runId) +
                  " cannot be stored: " + e.what());
    }
  }
}

std::vector<ItemRecord> ExperimentStore::items(int64_t runId) const {
  SqliteStatement st(*db_, "SELECT " + std::string(store_rows::kItemColumns) +
                               " FROM run_items WHERE run_id = ? ORDER BY item");
  st.bind(1, runId);
  std::vector<ItemRecord> out;
  while (st.step()) out.push_back(store_rows::readItem(st));
  return out;
}

int64_t ExperimentStore::itemCount(int64_t runId) const {
  SqliteStatement st(*db_, "SELECT count(*) FROM run_items WHERE run_id = ?");
  st.bind(1, runId);
  return st.step() ? st.int64(0) : 0;
}

void ExperimentStore::putSensitivity(const std::vector<SensitivityRecord>& rows) {
  requireWritable("putSensitivity");
  transaction([&] {
    SqliteStatement st(*db_,
                       "INSERT OR REPLACE INTO sensitivity (model_id, quant_name, calibration, layer, role, expert, "
                       "kl_divergence, tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto& r : rows) {
      requireFinite(r.klDivergence, file_.string() + ": sensitivity of layer " + std::to_string(r.layer) + " " + r.role);
      st.bind(1, r.modelId).bind(2, r.quantName).bind(3, r.calibration).bind(4, r.layer).bind(5, r.role);
      st.bind(6, r.expert).bind(7, r.klDivergence).bind(8, r.tokens).run();
    }
  });
}

std::vector<SensitivityRecord> ExperimentStore::sensitivity(std::optional<int64_t> modelId,
                                                            const std::optional<std::string>& quantName,
                                                            const std::optional<std::string>& calibration) const {
  SqliteStatement st(*db_,
                     "SELECT model_id, quant_name, calibration, layer, role, expert, kl_divergence, tokens FROM "
                     "sensitivity" + analysisWhere(modelId, quantName, calibration));
  bindAnalysisFilter(st, modelId, quantName, calibration);
  std::vector<SensitivityRecord> out;
  while (st.step()) {
    SensitivityRecord r;
    r.modelId = st.int64(0);
    r.quantName = st.text(1);
    r.calibration = st.text(2);
    r.layer = static_cast<int>(st.int64(3));
    r.role = st.text(4);
    r.expert = static_cast<int>(st.int64(5));
    r.klDivergence = st.real(6);
    r.tokens = st.int64(7);
    out.push_back(std::move(r));
  }
  return out;
}

void ExperimentStore::putQuantErrors(const std::vector<QuantErrorRecord>& rows) {
  requireWritable("putQuantErrors");
  transaction([&] {
    SqliteStatement st(*db_,
                       "INSERT OR REPLACE INTO quant_errors (model_id, quant_name, calibration, layer, role, expert, "
                       "weight_rel_error, weight_sqnr_db, output_rel_error, output_sqnr_db) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    auto finiteOrNull = [](const std::optional<double>& v) {
      return v && std::isfinite(*v) ? v : std::nullopt;  // an exact tensor has infinite SQNR: stored as NULL
    };
    for (const auto& r : rows) {
      st.bind(1, r.modelId).bind(2, r.quantName).bind(3, r.calibration).bind(4, r.layer).bind(5, r.role);
      st.bind(6, r.expert).bind(7, finiteOrNull(r.weightRelError)).bind(8, finiteOrNull(r.weightSqnrDb));
      st.bind(9, finiteOrNull(r.outputRelError)).bind(10, finiteOrNull(r.outputSqnrDb)).run();
    }
  });
}

std::vector<QuantErrorRecord> ExperimentStore::quantErrors(std::optional<int64_t> modelId,
                                                           const std::optional<std::string>& quantName,
                                                           const std::optional<std::string>& calibration) const {
  SqliteStatement st(*db_,
                     "SELECT model_id, quant_name, calibration, layer, role, expert, weight_rel_error, weight_sqnr_db, "
                     "output_rel_error, output_sqnr_db FROM quant_errors" + analysisWhere(modelId, quantName, calibration));
  bindAnalysisFilter(st, modelId, quantName, calibration);
  std::vector<QuantErrorRecord> out;
  while (st.step()) {
    QuantErrorRecord r;
    r.modelId = st.int64(0);
    r.quantName = st.text(1);
    r.calibration = st.text(2);
    r.layer = static_cast<int>(st.int64(3));
    r.role = st.text(4);
    r.expert = static_cast<int>(st.int64(5));
    r.weightRelError = st.optReal(6);
    r.weightSqnrDb = st.optReal(7);
    r.outputRelError = st.optReal(8);
    r.outputSqnrDb = st.optReal(9);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<TransformRecord> ExperimentStore::methodTransform(int64_t modelId, const std::string& quantName,
                                                                const std::string& calibration,
                                                                int64_t rotationSeed) const {
  SqliteStatement st(*db_,
                     "SELECT file, bytes, seconds, created_at FROM method_transforms WHERE model_id = ? AND "
                     "quant_name = ? AND calibration = ? AND rotation_seed = ?");
  st.bind(1, modelId).bind(2, quantName).bind(3, calibration).bind(4, rotationSeed);
  if (!st.step()) return std::nullopt;
  return TransformRecord{modelId, quantName, calibration, rotationSeed, st.text(0), st.int64(1), st.real(2), st.text(3)};
}

void ExperimentStore::putMethodTransform(const TransformRecord& r) {
  requireWritable("putMethodTransform");
  SqliteStatement st(*db_,
                     "INSERT OR REPLACE INTO method_transforms (model_id, quant_name, calibration, rotation_seed, file, "
                     "bytes, seconds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  st.bind(1, r.modelId).bind(2, r.quantName).bind(3, r.calibration).bind(4, r.rotationSeed).bind(5, r.file);
  st.bind(6, r.bytes).bind(7, r.seconds).bind(8, r.createdAt.empty() ? store_rows::nowIso() : r.createdAt).run();
}

void ExperimentStore::deleteMethodTransform(int64_t modelId, const std::string& quantName,
                                            const std::string& calibration, int64_t rotationSeed) {
  requireWritable("deleteMethodTransform");
  SqliteStatement st(*db_,
                     "DELETE FROM method_transforms WHERE model_id = ? AND quant_name = ? AND calibration = ? AND "
                     "rotation_seed = ?");
  st.bind(1, modelId).bind(2, quantName).bind(3, calibration).bind(4, rotationSeed).run();
}

}  // namespace qs
