#include "tasks/transform_cache.h"

#include <cstdio>

#include "core/base/error.h"
#include "core/base/sha256.h"
#include "core/store/experiment_store.h"

namespace qs {
namespace {

std::string megabytes(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

std::string fileNameFor(const TransformCache::Key& key) {
  const std::string text = std::to_string(key.modelId) + "\n" + key.quantName + "\n" + key.calibration + "\n" +
                           std::to_string(key.rotationSeed);
  return sha256Hex(text).substr(0, 24) + ".safetensors";
}

}  // namespace

TransformCache::TransformCache(ExperimentStore& store, std::filesystem::path database, int64_t maxBytes)
    : store_(store), database_(std::move(database)), maxBytes_(maxBytes) {}

std::filesystem::path TransformCache::directory(const std::filesystem::path& database) {
  return std::filesystem::path(database.string() + ".transforms");
}

std::optional<MethodTransform> TransformCache::load(const Key& key, std::string& note, std::optional<TransformRecord>* record) {
  auto row = store_.methodTransform(key.modelId, key.quantName, key.calibration, key.rotationSeed);
  if (!row) return std::nullopt;
  const auto file = directory(database_) / row->file;
  try {
    MethodTransform t = loadMethodTransform(file);
    if (record) *record = row;
    return t;
  } catch (const Error& e) {
    note = std::string("the cached transform cannot be used (") + e.what() + "); computing it again";
    drop(key);
    return std::nullopt;
  }
}

std::string TransformCache::save(const Key& key, const MethodTransform& transform) {
  const int64_t bytes = transform.bytes();
  if (bytes > maxBytes_)
    return "transform not cached: " + megabytes(bytes) + " is over the cache limit of " + megabytes(maxBytes_);
  const std::string name = fileNameFor(key);
  const auto dir = directory(database_);
  try {
    std::filesystem::create_directories(dir);
    saveMethodTransform(transform, dir / name,
                        {{"quant", key.quantName}, {"calibration", key.calibration},
                         {"rotation_seed", std::to_string(key.rotationSeed)}});
    store_.putMethodTransform({key.modelId, key.quantName, key.calibration, key.rotationSeed, name, bytes,
                               transform.seconds, ""});
  } catch (const std::exception& e) {  // a full disk costs the cache, not the run
    std::error_code ec;
    std::filesystem::remove(dir / name, ec);
    return std::string("transform not cached: ") + e.what();
  }
  return "transform cached (" + megabytes(bytes) + ") in " + (dir / name).string();
}

void TransformCache::drop(const Key& key) {
  if (auto row = store_.methodTransform(key.modelId, key.quantName, key.calibration, key.rotationSeed)) {
    std::error_code ec;
    std::filesystem::remove(directory(database_) / row->file, ec);
    store_.deleteMethodTransform(key.modelId, key.quantName, key.calibration, key.rotationSeed);
  }
}

}  // namespace qs
