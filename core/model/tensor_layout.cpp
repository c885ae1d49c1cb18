#include "core/model/tensor_layout.h"

#include <ATen/ATen.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/model/family_tables.h"
#include "core/checkpoint/safetensors.h"

namespace qs {
namespace {

bool isNorm(TensorRole r) {
  return r == TensorRole::AttnNorm || r == TensorRole::MlpNorm || r == TensorRole::FinalNorm;
}
bool isAttention(TensorRole r) {
  return r == TensorRole::QProj || r == TensorRole::KProj || r == TensorRole::VProj || r == TensorRole::OutProj;
}

std::vector<int64_t> weightShape(const ModelConfig& c, TensorRole role) {
  const int64_t C = c.hiddenSize, F = c.intermediateSize, V = c.vocabSize;
  const int64_t q = int64_t{c.numHeads} * c.headDim, kv = int64_t{c.numKvHeads} * c.headDim;
  switch (role) {
    case TensorRole::TokenEmbedding: return {V, C};
    case TensorRole::PositionEmbedding: return {c.maxPositions + 2, C};  // OPT's offset of 2
    case TensorRole::QProj: return {q, C};
    case TensorRole::KProj:
    case TensorRole::VProj: return {kv, C};
    case TensorRole::OutProj: return {C, q};
    case TensorRole::GateProj:
    case TensorRole::UpProj:
    case TensorRole::Fc1: return {F, C};
    case TensorRole::DownProj:
    case TensorRole::Fc2: return {C, F};
    case TensorRole::AttnNorm:
    case TensorRole::MlpNorm:
    case TensorRole::FinalNorm: return {C};
    case TensorRole::LmHead: return {V, C};
    default: return {};
  }
}

bool hasBias(const ModelConfig& c, TensorRole role) {
  if (isNorm(role)) return c.family == Family::Opt;  // LayerNorm has a bias, RMSNorm none
  if (isAttention(role)) return c.attentionBias;
  if (role == TensorRole::LmHead) return false;
  return c.mlpBias;
}

}  // namespace

std::vector<TensorSpec> tensorLayout(const ModelConfig& c) {
  static constexpr TensorRole kGlobalRoles[] = {TensorRole::TokenEmbedding, TensorRole::PositionEmbedding,
                                                TensorRole::FinalNorm, TensorRole::LmHead};
  static constexpr TensorRole kLayerRoles[] = {
      TensorRole::AttnNorm, TensorRole::QProj,  TensorRole::KProj,    TensorRole::VProj,
      TensorRole::OutProj,  TensorRole::MlpNorm, TensorRole::GateProj, TensorRole::UpProj,
      TensorRole::DownProj, TensorRole::Fc1,    TensorRole::Fc2};
  std::vector<TensorSpec> out;
  auto add = [&](TensorRole role, int layer) {
    auto p = tensorNamePattern(c.family, role);
    if (!p.weight) return;
    if (role == TensorRole::LmHead && c.tieWordEmbeddings) return;
    if (role == TensorRole::FinalNorm && c.family == Family::Opt && !c.doLayerNormBefore) return;
    auto shape = weightShape(c, role);
    out.push_back({expandTensorName(p.weight, layer), role, layer, false, shape});
    if (p.bias && hasBias(c, role)) out.push_back({expandTensorName(p.bias, layer), role, layer, true, {shape[0]}});
  };
  for (auto r : kGlobalRoles) add(r, -1);
  for (int l = 0; l < c.numLayers; ++l)
    for (auto r : kLayerRoles) add(r, l);
  return out;
}

std::string toHfConfigJson(const ModelConfig& c) {
  nlohmann::json j;
  j["model_type"] = c.modelType.empty() ? std::string(familyName(c.family)) : c.modelType;
  j["hidden_size"] = c.hiddenSize;
  j["num_hidden_layers"] = c.numLayers;
  j["num_attention_heads"] = c.numHeads;
  j["vocab_size"] = c.vocabSize;
  j["max_position_embeddings"] = c.maxPositions;
  j["torch_dtype"] = "float32";
  if (c.bosTokenId >= 0) j["bos_token_id"] = c.bosTokenId;
  if (c.eosTokenId >= 0) j["eos_token_id"] = c.eosTokenId;
  if (c.padTokenId >= 0) j["pad_token_id"] = c.padTokenId;
  switch (c.family) {
    case Family::Llama:
      j["architectures"] = {"LlamaForCausalLM"};
      j["num_key_value_heads"] = c.numKvHeads;
      j["head_dim"] = c.headDim;
      j["intermediate_size"] = c.intermediateSize;
      j["rms_norm_eps"] = c.normEps;
      j["rope_theta"] = c.ropeTheta;
      j["rope_scaling"] = c.ropeLinearScale == 1.0 ? nlohmann::json(nullptr)
                                                   : nlohmann::json{{"type", "linear"}, {"factor", c.ropeLinearScale}};
      j["hidden_act"] = c.activation.empty() ? "silu" : c.activation;
      j["tie_word_embeddings"] = c.tieWordEmbeddings;
      j["attention_bias"] = c.attentionBias;
      j["mlp_bias"] = c.mlpBias;
      break;
    case Family::Opt:
      j["architectures"] = {"OPTForCausalLM"};
      j["ffn_dim"] = c.intermediateSize;
      j["activation_function"] = c.activation.empty() ? "relu" : c.activation;
      j["do_layer_norm_before"] = c.doLayerNormBefore;
      j["word_embed_proj_dim"] = c.hiddenSize;
      j["enable_bias"] = c.attentionBias;
      j["tie_word_embeddings"] = c.tieWordEmbeddings;
      break;
  }
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
    at::Tensor t;
    if (spec.isBias)
      t = at::zeros(spec.shape, at::kFloat);
    else if (spec.shape.size() == 1)
      t = at::ones(spec.shape, at::kFloat);
    else
      t = at::normal(0.0, std, spec.shape, gen, at::TensorOptions().dtype(at::kFloat));
    tensors.emplace_back(spec.name, t);
  }
  writeSafetensors(dir / "model.safetensors", tensors);
}

}  // namespace qs
