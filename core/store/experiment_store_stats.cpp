// ExperimentStore: layer statistics and per-channel absmax profiles.
#include <set>
#include <tuple>

#include "core/base/error.h"
#include "core/store/experiment_store.h"
#include "core/store/sqlite_db.h"
#include "core/store/store_rows.h"

namespace qs {
namespace {

using StatIdentity = std::tuple<int64_t, std::string, std::string, int, std::string, std::string, int>;

template <typename Record>
StatIdentity identityOf(const Record& r) {
  return {r.key.modelId, r.key.quantName, r.key.calibration, r.layer, r.role, r.kind, r.expert};
}

template <typename Record>
std::string describe(const Record& r) {
  const std::string expert = r.expert >= 0 ? " expert " + std::to_string(r.expert) : "";
  return "layer " + std::to_string(r.layer) + " " + r.role + " " + r.kind + expert + " (quant '" + r.key.quantName +
         "', calibration '" + r.key.calibration + "')";
}

// Two records for one tensor in one batch is a caller bug; replacing silently would hide it.
template <typename Record>
void rejectDuplicates(const std::filesystem::path& file, const std::vector<Record>& records, const char* what) {
  std::set<StatIdentity> seen;
  for (const auto& r : records)
    if (!seen.insert(identityOf(r)).second)
      throw Error(file.string() + ": duplicate " + what + " for " + describe(r));
}

// WHERE clause and bindings shared by layerStats() and channelProfiles().
std::string whereClause(const StatsQuery& q) {
  std::string sql;
  sql.reserve(256);
  sql += " WHERE 1";
  if (q.modelId) sql += " AND model_id = ?1";
  if (q.quantName) sql += " AND quant_name = ?2";
  if (q.calibration) sql += " AND calibration = ?3";
  if (q.runId) sql += " AND run_id = ?4";
  if (q.layer) sql += " AND layer = ?5";
  if (!q.role.empty()) sql += " AND role = ?6";
  if (!q.kind.empty()) sql += " AND kind = ?7";
  if (q.expert) sql += " AND expert = ?8";
  return sql + " ORDER BY model_id, quant_name, calibration, layer, role, kind, expert";
}

void bindQuery(SqliteStatement& st, const StatsQuery& q) {
  if (q.modelId) st.bind(1, *q.modelId);
  if (q.quantName) st.bind(2, *q.quantName);
  if (q.calibration) st.bind(3, *q.calibration);
  if (q.runId) st.bind(4, *q.runId);
  if (q.layer) st.bind(5, *q.layer);
  if (!q.role.empty()) st.bind(6, q.role);
  if (!q.kind.empty()) st.bind(7, q.kind);
  if (q.expert) st.bind(8, *q.expert);
}

}  // namespace

void ExperimentStore::insertStats(const std::vector<LayerStatRecord>& stats,
                                  const std::vector<ChannelProfileRecord>& profiles) {
  rejectDuplicates(file_, stats, "layer statistics");
  rejectDuplicates(file_, profiles, "channel profiles");
  SqliteStatement st(*db_, "INSERT OR REPLACE INTO layer_stats (" + std::string(store_rows::kStatColumns) +
                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& s : stats) {
    st.bind(1, s.key.modelId).bind(2, s.key.quantName).bind(3, s.key.calibration).bind(4, s.runId);
    st.bind(5, s.layer).bind(6, s.role).bind(7, s.kind).bind(8, s.count).bind(9, s.mean).bind(10, s.std);
    st.bind(11, s.absmax).bind(12, s.kurtosis).bind(13, s.outlierRatio).bind(14, s.expert);
    st.run();
  }
  SqliteStatement pt(*db_, "INSERT OR REPLACE INTO channel_profiles (" + std::string(store_rows::kProfileColumns) +
                               ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& p : profiles) {
    const std::string blob = store_rows::floatsToBlob(p.absmax);
    pt.bind(1, p.key.modelId).bind(2, p.key.quantName).bind(3, p.key.calibration).bind(4, p.runId);
    pt.bind(5, p.layer).bind(6, p.role).bind(7, p.kind).bind(8, static_cast<int64_t>(p.absmax.size()));
    pt.bindBlob(9, blob.data(), blob.size()).bind(10, p.expert);
    pt.run();
  }
}

void ExperimentStore::putStats(const std::vector<LayerStatRecord>& stats,
                               const std::vector<ChannelProfileRecord>& profiles) {
  requireWritable("putStats");
  transaction([&] { insertStats(stats, profiles); });
}

std::vector<StatsKey> ExperimentStore::statsKeys() const {
  SqliteStatement st(*db_,
                     "SELECT model_id, quant_name, calibration FROM layer_stats UNION "
                     "SELECT model_id, quant_name, calibration FROM channel_profiles ORDER BY 1, 2, 3");
  std::vector<StatsKey> out;
  while (st.step()) out.push_back({st.int64(0), st.text(1), st.text(2)});
  return out;
}

std::vector<LayerStatRecord> ExperimentStore::layerStats(const StatsQuery& query) const {
  SqliteStatement st(*db_, "SELECT " + std::string(store_rows::kStatColumns) + " FROM layer_stats" + whereClause(query));
  bindQuery(st, query);
  std::vector<LayerStatRecord> out;
  while (st.step()) out.push_back(store_rows::readLayerStat(st));
  return out;
}

std::vector<ChannelProfileRecord> ExperimentStore::channelProfiles(const StatsQuery& query) const {
  SqliteStatement st(*db_,
                     "SELECT " + std::string(store_rows::kProfileColumns) + " FROM channel_profiles" + whereClause(query));
  bindQuery(st, query);
  std::vector<ChannelProfileRecord> out;
  while (st.step()) out.push_back(store_rows::readProfile(st));
  return out;
}

std::optional<ChannelProfileRecord> ExperimentStore::channelProfile(const StatsKey& key, int layer,
                                                                    const std::string& role,
                                                                    const std::string& kind, int expert) const {
  StatsQuery q;
  q.modelId = key.modelId;
  q.quantName = key.quantName;
  q.calibration = key.calibration;
  q.layer = layer;
  q.role = role;
  q.kind = kind;
  q.expert = expert;
  auto found = channelProfiles(q);
  if (found.empty()) return std::nullopt;
  return found.front();
}

}  // namespace qs
