#include "core/model/tensor_layout.h"

#include <ATen/ATen.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/checkpoint/safetensors.h"
#include "core/model/family.h"

namespace qs {

std::vector<TensorSpec> tensorLayout(const ModelConfig& c) {
  if (!c.family) throw Error("tensor layout: the configuration has no model family");
  std::vector<TensorSpec> out;
  for (auto& t : c.family->plan(c)) {
    const bool untiedHead = t.role == TensorRole::LmHead && !c.tieWordEmbeddings;
    if (t.optional && !untiedHead) continue;
    t.optional = false;
    out.push_back(std::move(t));
  }
  return out;
}

std::string toHfConfigJson(const ModelConfig& c) {
  if (!c.family) throw Error("config.json: the configuration has no model family");
  nlohmann::json j;
  j["model_type"] = c.modelType.empty() ? std::string(c.family->name) : c.modelType;
  j["vocab_size"] = c.vocabSize;
  j["torch_dtype"] = "float32";
  if (c.bosTokenId >= 0) j["bos_token_id"] = c.bosTokenId;
  if (c.eosTokenId >= 0) j["eos_token_id"] = c.eosTokenId;
  if (c.padTokenId >= 0) j["pad_token_id"] = c.padTokenId;
  c.family->writeConfig(c, j);
  return j.dump(2);
}

void writeRandomCheckpoint(const ModelConfig& c, const std::filesystem::path& dir, uint64_t seed, double std) {
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "config.json");
    if (!out) throw Error((dir / "config.json").string() + ": cannot write");
    out << toHfConfigJson(c);
  }
  auto gen = at::detail::createCPUGenerator(seed);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& spec : tensorLayout(c)) {
    std::vector<int64_t> shape = spec.shape;
    if (spec.storedTransposed && shape.size() == 2) std::swap(shape[0], shape[1]);
    at::Tensor t;
    if (spec.isBias)
      t = at::zeros(shape, at::kFloat);
    else if (shape.size() == 1)
      t = at::ones(shape, at::kFloat);
    else
      t = at::normal(0.0, std, shape, gen, at::TensorOptions().dtype(at::kFloat));
    tensors.emplace_back(spec.name, t);
  }
  writeSafetensors(dir / "model.safetensors", tensors);
}

}  // namespace qs
