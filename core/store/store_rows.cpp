#include "core/store/store_rows.h"

#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/store/sqlite_db.h"

namespace qs::store_rows {

std::string nowIso() {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm t{};
  gmtime_r(&secs, &t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

RunRecord readRun(const SqliteStatement& st) {
  RunRecord r;
  r.id = st.int64(0);
  r.modelId = st.int64(1);
  r.quantName = st.text(2);
  r.quantJson = st.text(3);
  r.task = st.text(4);
  r.taskVersion = st.text(5);
  r.limit = st.int64(6);
  r.seed = st.int64(7);
  auto status = runStatusFromName(st.text(8));
  if (!status) throw Error("run " + std::to_string(r.id) + " has an unknown status '" + st.text(8) + "'");
  r.status = *status;
  r.device = st.text(9);
  r.softwareVersions = st.text(10);
  r.startedAt = st.text(11);
  r.finishedAt = st.text(12);
  r.wallSeconds = st.real(13);
  r.tokensProcessed = st.int64(14);
  r.errorText = st.text(15);
  r.shard = st.text(16);
  r.protocol = st.text(17);
  return r;
}

ModelRecord readModel(const SqliteStatement& st) {
  ModelRecord m;
  m.id = st.int64(0);
  m.path = st.text(1);
  m.family = st.text(2);
  m.parameters = st.int64(3);
  m.dtype = st.text(4);
  m.fingerprint = st.text(5);
  return m;
}

LayerStatRecord readLayerStat(const SqliteStatement& st) {
  LayerStatRecord s;
  s.key = {st.int64(0), st.text(1), st.text(2)};
  s.runId = st.optInt64(3);
  s.layer = static_cast<int>(st.int64(4));
  s.role = st.text(5);
  s.kind = st.text(6);
  s.count = st.int64(7);
  s.mean = st.real(8);
  s.std = st.real(9);
  s.absmax = st.real(10);
  s.kurtosis = st.real(11);
  s.outlierRatio = st.optReal(12);
  s.expert = static_cast<int>(st.int64(13));
  return s;
}

ChannelProfileRecord readProfile(const SqliteStatement& st) {
  ChannelProfileRecord p;
  p.key = {st.int64(0), st.text(1), st.text(2)};
  p.runId = st.optInt64(3);
  p.layer = static_cast<int>(st.int64(4));
  p.role = st.text(5);
  p.kind = st.text(6);
  p.absmax = floatsFromBlob(st.blob(8));
  p.expert = static_cast<int>(st.int64(9));
  return p;
}

ItemRecord readItem(const SqliteStatement& st) {
  ItemRecord it;
  it.item = st.int64(0);
  it.docIndex = st.int64(1);
  it.docId = st.text(2);
  it.score = st.optReal(3);
  if (auto c = st.optInt64(4)) it.chosen = static_cast<int>(*c);
  if (auto g = st.optInt64(5)) it.gold = static_cast<int>(*g);
  if (!st.isNull(6)) it.loglikelihoods = doublesFromBlob(st.blob(6));
  if (!st.isNull(7))
    for (unsigned char b : st.blob(7)) it.greedy.push_back(b != 0);
  it.tokens = st.int64(8);
  if (!st.isNull(9)) {
    // Written by the store itself as a JSON array of strings; a damaged value is reported, not fatal.
    auto parsed = nlohmann::json::parse(st.text(9), nullptr, false);
    if (parsed.is_array())
      for (const auto& o : parsed)
        if (o.is_string()) it.outputs.push_back(o.get<std::string>());
  }
  it.metrics = st.text(10);
  return it;
}

std::string doublesToBlob(const std::vector<double>& values) {
  std::string bytes(values.size() * 8, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    uint64_t bits = std::bit_cast<uint64_t>(values[i]);
    for (int b = 0; b < 8; ++b) bytes[i * 8 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  return bytes;
}

std::vector<double> doublesFromBlob(const std::vector<unsigned char>& bytes) {
  std::vector<double> values(bytes.size() / 8);
  for (size_t i = 0; i < values.size(); ++i) {
    uint64_t bits = 0;
    for (int b = 0; b < 8; ++b) bits |= static_cast<uint64_t>(bytes[i * 8 + b]) << (8 * b);
    values[i] = std::bit_cast<double>(bits);
  }
  return values;
}

std::string floatsToBlob(const std::vector<float>& values) {
  std::string bytes(values.size() * 4, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t bits = std::bit_cast<uint32_t>(values[i]);
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  return bytes;
}

std::vector<float> floatsFromBlob(const std::vector<unsigned char>& bytes) {
  std::vector<float> values(bytes.size() / 4);
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t bits = 0;
    for (int b = 0; b < 4; ++b) bits |= static_cast<uint32_t>(bytes[i * 4 + b]) << (8 * b);
    values[i] = std::bit_cast<float>(bits);
  }
  return values;
}

}  // namespace qs::store_rows
