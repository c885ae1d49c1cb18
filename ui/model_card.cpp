#include "ui/model_card.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/base/error.h"
#include "core/base/json_text.h"
#include "core/checkpoint/safetensors.h"

namespace qs {
namespace {

namespace fs = std::filesystem;

int64_t elementCount(const SafetensorsEntry& e) {
  int64_t n = 1;
  for (int64_t d : e.shape) n *= d;
  return n;
}

// The weight files of the folder: the shards the index names, else model.safetensors.
std::vector<fs::path> weightFiles(const fs::path& dir) {
  const fs::path index = dir / "model.safetensors.index.json";
  if (fs::exists(index)) {
    std::ifstream in(index);
    std::ostringstream text;
    text << in.rdbuf();
    nlohmann::json j = parseJson(text.str(), index.string());
    if (!j.contains("weight_map") || !j["weight_map"].is_object())
      throw Error(index.string() + ": no \"weight_map\" object");
    std::set<std::string> shards;
    for (const auto& [tensor, file] : j["weight_map"].items()) {
      if (!file.is_string()) throw Error(index.string() + ": weight_map[\"" + tensor + "\"] is not a file name");
      shards.insert(file.get<std::string>());
    }
    std::vector<fs::path> files;
    for (const auto& s : shards) files.push_back(dir / s);
    return files;
  }
  if (fs::exists(dir / "model.safetensors")) return {dir / "model.safetensors"};
  throw Error(dir.string() + ": no model.safetensors or model.safetensors.index.json");
}

void readWeightHeaders(ModelCard& card) {
  std::map<std::string, int64_t> perDtype;
  for (const auto& file : weightFiles(card.dir)) {
    auto st = SafetensorsFile::open(file);
    ++card.weightFiles;
    for (const auto& e : st->entries()) {
      const int64_t n = elementCount(e);
      card.parameters += n;
      card.storedBytes += e.end - e.begin;
      perDtype[e.dtype] += n;
    }
  }
  int64_t best = -1;
  for (const auto& [dtype, n] : perDtype)
    if (n > best) best = n, card.storedDtype = dtype;
}

}  // namespace

uint64_t ModelCard::weightMemory(int bytesPerParameter) const {
  return static_cast<uint64_t>(parameters) * bytesPerParameter;
}

uint64_t ModelCard::kvCacheMemory(int bytesPerElement) const {
  // A model without a context limit of its own (ALiBi) is costed at 2048 positions.
  const uint64_t positions = config.maxPositions > 0 ? config.maxPositions : 2048;
  return 2ull * config.numLayers * config.attention.numKvHeads * config.attention.headDim * positions * bytesPerElement;
}

uint64_t ModelCard::stateMemory(int bytesPerElement) const {
  const auto& s = config.ssm;
  const uint64_t channels = config.mlp.intermediateSize;
  return uint64_t(config.numLayers) * channels * (uint64_t(std::max(0, s.convKernel - 1)) + s.stateSize) * bytesPerElement;
}

ModelCard loadModelCard(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw Error(dir.string() + ": not a folder");
  ModelCard card;
  card.dir = dir;
  card.name = fs::absolute(dir).lexically_normal().filename().string();
  if (card.name.empty()) card.name = fs::absolute(dir).lexically_normal().parent_path().filename().string();
  card.config = ModelConfig::load(dir / "config.json");
  try {
    readWeightHeaders(card);
  } catch (const Error& e) {
    card.weightWarning = e.what();
    card.parameters = 0;
    card.storedBytes = 0;
  }
  if (card.storedDtype.empty()) {
    const auto& t = card.config.torchDtype;
    card.storedDtype = t == "float16" ? "F16" : t == "bfloat16" ? "BF16" : t == "float32" ? "F32" : t;
  }
  return card;
}

std::string formatBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string formatCount(int64_t count) {
  const char* units[] = {"", "K", "M", "B", "T"};
  double v = static_cast<double>(count);
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.1f%s", v, units[u]);
  return buf;
}

}  // namespace qs
