#pragma once
// Reading the Hugging Face reference files in tests/data/golden/<family> (input ids, tensors,
// JSON). Header-only and free of Qt, so the Qt Test suites and the plain GPU tests share it.
#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/error.h"
#include "core/checkpoint/safetensors.h"

namespace qs::golden {

inline nlohmann::json readJson(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

// A tensor of a reference .safetensors file, copied out of the file's mapping.
inline at::Tensor tensor(const std::filesystem::path& file, const std::string& name) {
  return SafetensorsFile::open(file)->tensor(name).clone();
}

// input_ids.json: [[...], ...] or {"input_ids": [[...], ...]} -> [batch, seq] int64.
inline at::Tensor inputIds(const std::filesystem::path& dir) {
  auto j = readJson(dir / "input_ids.json");
  if (j.is_object()) j = j["input_ids"];
  std::vector<int64_t> flat;
  for (auto& row : j)
    for (auto& v : row) flat.push_back(v.get<int64_t>());
  return at::tensor(flat, at::kLong).view({static_cast<int64_t>(j.size()), -1});
}

}  // namespace qs::golden
