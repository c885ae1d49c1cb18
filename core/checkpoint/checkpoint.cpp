#include "core/checkpoint/checkpoint.h"
#include "core/base/json_text.h"

#include <ATen/ATen.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/base/error.h"
#include "core/checkpoint/safetensors.h"

namespace qs {

namespace {

namespace fs = std::filesystem;

constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";

std::string inQuotes(const std::string& s) { return "'" + s + "'"; }

// Names what the folder does hold, so "no weights" says why (a PyTorch pickle, other safetensors names).
std::string describeMissingWeights(const fs::path& dir) {
  std::string message = "no weights in " + dir.string() + ": looked for " + kSingleFile + " and " + kIndexFile;
  std::vector<std::string> others;
  bool pickle = false;
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    const std::string name = item.path().filename().string();
    if (item.path().extension() == ".safetensors") others.push_back(name);
    if (name.rfind("pytorch_model", 0) == 0 && (item.path().extension() == ".bin" || name.ends_with(".bin.index.json")))
      pickle = true;
  }
  if (pickle)
    message += "; found pytorch_model.bin, but PyTorch pickle (.bin) checkpoints are not supported "
               "(convert them to safetensors)";
  if (!others.empty()) {
    message += "; other .safetensors files present:";
    for (const auto& o : others) message += " " + o;
  }
  return message;
}

nlohmann::json readIndex(const fs::path& indexPath) {
  std::ifstream in(indexPath, std::ios::binary);
  if (!in) throw Error(indexPath.string() + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json index = parseJson(text.str(), indexPath.string());
  if (!index.is_object()) throw Error(indexPath.string() + ": not a JSON object");
  auto map = index.find("weight_map");
  if (map == index.end() || !map->is_object()) throw Error(indexPath.string() + ": no \"weight_map\" object");
  if (map->empty()) throw Error(indexPath.string() + ": \"weight_map\" is empty");
  return *map;
}

}  // namespace

Checkpoint Checkpoint::open(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw Error("checkpoint folder " + dir.string() + " does not exist or is not a folder");
  Checkpoint ckpt;
  ckpt.dir_ = dir;
  if (fs::exists(dir / kSingleFile)) {
    ckpt.files_.push_back(SafetensorsFile::open(dir / kSingleFile));
    for (const auto& e : ckpt.files_[0]->entries()) ckpt.index_[e.name] = 0;
    return ckpt;
  }
  const fs::path indexPath = dir / kIndexFile;
  if (!fs::exists(indexPath)) throw Error(describeMissingWeights(dir));

  const nlohmann::json weightMap = readIndex(indexPath);
  std::map<std::string, size_t> shardIndex;  // shard file name -> files_ index
  for (const auto& [name, value] : weightMap.items()) {
    const std::string where = indexPath.string() + ": tensor " + inQuotes(name);
    if (!value.is_string()) throw Error(where + ": shard name is not a string");
    const std::string shard = value.get<std::string>();
    auto [it, isNew] = shardIndex.try_emplace(shard, ckpt.files_.size());
    if (isNew) {
      const fs::path shardPath = dir / shard;
      if (!fs::is_regular_file(shardPath))
        throw Error(where + ": shard " + shardPath.string() + " does not exist");
      try {
        ckpt.files_.push_back(SafetensorsFile::open(shardPath));
      } catch (const Error& e) {
        throw Error(indexPath.string() + ": shard " + shard + " is invalid: " + e.what());
      }
    }
    if (!ckpt.files_[it->second]->find(name))
      throw Error(where + ": shard " + shard + " does not contain it");
    ckpt.index_[name] = it->second;
  }
  return ckpt;
}

bool Checkpoint::contains(const std::string& name) const { return index_.count(name) != 0; }

at::Tensor Checkpoint::tensor(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw Error("checkpoint " + dir_.string() + ": no tensor " + inQuotes(name));
  return files_[it->second]->tensor(name);
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& [name, file] : index_) out.push_back(name);
  return out;
}

fs::path Checkpoint::fileOf(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw Error("checkpoint " + dir_.string() + ": no tensor " + inQuotes(name));
  return files_[it->second]->path();
}

std::string Checkpoint::dominantDtype() const {
  // Weighted by bytes: the large matrices decide, not the many small norms a mixed checkpoint keeps in F32.
  std::map<std::string, uint64_t> bytesByDtype;
  for (const auto& [name, file] : index_) {
    const SafetensorsEntry* e = files_[file]->find(name);
    bytesByDtype[e->dtype] += e->end - e->begin;
  }
  std::string best;
  uint64_t bestBytes = 0;
  for (const auto& [dtype, bytes] : bytesByDtype)
    if (best.empty() || bytes > bestBytes) best = dtype, bestBytes = bytes;
  return best;
}

uint64_t Checkpoint::storedBytes() const {
  uint64_t total = 0;
  for (const auto& [name, file] : index_) {
    const SafetensorsEntry* e = files_[file]->find(name);
    total += e->end - e->begin;
  }
  return total;
}

}  // namespace qs
