#pragma once
// Internal to the experiment store: column lists and row readers shared by its .cpp files.
#include <string>
#include <string_view>

#include "core/store/store_records.h"

namespace qs {

class SqliteStatement;

namespace store_rows {

// The current UTC time as ISO 8601 with milliseconds: "2024-05-01T12:34:56.789Z".
std::string nowIso();

inline constexpr std::string_view kRunColumns =
    "id, model_id, quant_name, quant_json, task, task_version, sample_limit, seed, status, device, "
    "software_versions, started_at, finished_at, wall_seconds, tokens_processed, error_text, shard, protocol";
RunRecord readRun(const SqliteStatement& st);  // columns in kRunColumns order

inline constexpr std::string_view kModelColumns = "id, path, family, parameters, dtype, fingerprint";
ModelRecord readModel(const SqliteStatement& st);

inline constexpr std::string_view kStatColumns =
    "model_id, quant_name, calibration, run_id, layer, role, kind, count, mean, std, absmax, kurtosis, "
    "outlier_ratio, expert";
LayerStatRecord readLayerStat(const SqliteStatement& st);

inline constexpr std::string_view kProfileColumns =
    "model_id, quant_name, calibration, run_id, layer, role, kind, channels, absmax, expert";
ChannelProfileRecord readProfile(const SqliteStatement& st);

inline constexpr std::string_view kItemColumns =
    "item, doc_index, doc_id, score, chosen, gold, loglikelihoods, greedy, tokens, outputs, metrics";
ItemRecord readItem(const SqliteStatement& st);

// float64 <-> little-endian bytes, the blob layout of run_items.loglikelihoods.
std::string doublesToBlob(const std::vector<double>& values);
std::vector<double> doublesFromBlob(const std::vector<unsigned char>& bytes);

// float32 <-> little-endian bytes, the blob layout of channel_profiles.absmax.
std::string floatsToBlob(const std::vector<float>& values);
std::vector<float> floatsFromBlob(const std::vector<unsigned char>& bytes);

}  // namespace store_rows
}  // namespace qs
