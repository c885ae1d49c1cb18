// OPT (125m .. 66b): learned positions with an offset of 2, pre-LayerNorm or, with
// do_layer_norm_before false (OPT-350m), post-LayerNorm and no final norm; with
// word_embed_proj_dim != hidden_size, embeddings of that size and project_in / project_out.
#include <nlohmann/json.hpp>

#include "core/model/blocks.h"
#include "core/model/config_reader.h"
#include "core/model/family.h"
#include "core/model/model_config.h"

namespace qs {
namespace {

constexpr int kPositionOffset = 2;  // OPTLearnedPositionalEmbedding reserves two rows

void readConfig(const ConfigReader& r, ModelConfig& c) {
  c.hiddenSize = r.positiveInt("hidden_size");
  c.numLayers = r.positiveInt("num_hidden_layers");
  c.maxPositions = r.positiveInt("max_position_embeddings");
  c.normEps = 1e-5;  // OPT's LayerNorms use PyTorch's default eps
  c.tieWordEmbeddings = r.boolOr("tie_word_embeddings", true);
  if (!r.boolOr("layer_norm_elementwise_affine", true)) r.fail("layer_norm_elementwise_affine false is not supported");
  auto& a = c.attention;
  a.numHeads = r.positiveInt("num_attention_heads");
  a.numKvHeads = a.numHeads;
  a.headDim = c.hiddenSize / a.numHeads;
  if (a.headDim * a.numHeads != c.hiddenSize) r.fail("hidden_size is not divisible by num_attention_heads");
  a.position = PositionKind::Learned;
  a.qkvBias = a.outBias = r.boolOr("enable_bias", true);
  auto& m = c.mlp;
  m.intermediateSize = r.positiveInt("ffn_dim");
  m.activation = r.stringOr("activation_function", "relu");
  if (!blocks::knownActivation(m.activation)) r.fail("activation_function \"" + m.activation + "\" is not supported");
  m.gated = false;
  m.bias = a.qkvBias;
  auto& lay = c.layout;
  lay.norm = NormKind::LayerNorm;
  lay.positionOffset = kPositionOffset;
  const bool pre = r.boolOr("do_layer_norm_before", true);
  lay.residual = pre ? ResidualKind::Sequential : ResidualKind::PostNorm;
  lay.finalNorm = pre && !r.boolOr("_remove_final_layer_norm", false);
  const int proj = r.intOr("word_embed_proj_dim", c.hiddenSize);
  if (proj <= 0) r.fail("\"word_embed_proj_dim\" must be positive");
  lay.wordEmbedProjDim = proj == c.hiddenSize ? 0 : proj;
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
  j["architectures"] = {"OPTForCausalLM"};
  j["hidden_size"] = c.hiddenSize;
  j["num_hidden_layers"] = c.numLayers;
  j["num_attention_heads"] = c.attention.numHeads;
  j["max_position_embeddings"] = c.maxPositions;
  j["ffn_dim"] = c.mlp.intermediateSize;
  j["activation_function"] = c.mlp.activation.empty() ? "relu" : c.mlp.activation;
  j["do_layer_norm_before"] = c.layout.residual != ResidualKind::PostNorm;
  j["word_embed_proj_dim"] = c.layout.wordEmbedProjDim > 0 ? c.layout.wordEmbedProjDim : c.hiddenSize;
  j["enable_bias"] = c.attention.qkvBias;
  j["tie_word_embeddings"] = c.tieWordEmbeddings;
}

TensorPlan plan(const ModelConfig& c) {
  const auto& a = c.attention;
  const int64_t C = c.hiddenSize, F = c.mlp.intermediateSize, V = c.vocabSize;
  const int64_t P = c.layout.wordEmbedProjDim > 0 ? c.layout.wordEmbedProjDim : C;
  const std::string L = "model.decoder.layers.{L}.";
  PlanBuilder p(c.numLayers);
  p.global(TensorRole::TokenEmbedding, "model.decoder.embed_tokens.weight", {V, P});
  p.global(TensorRole::PositionEmbedding, "model.decoder.embed_positions.weight", {c.maxPositions + kPositionOffset, C});
  if (P != C) {
    p.global(TensorRole::ProjectIn, "model.decoder.project_in.weight", {C, P});
    p.global(TensorRole::ProjectOut, "model.decoder.project_out.weight", {P, C});
  }
  p.norm(TensorRole::AttnNorm, L + "self_attn_layer_norm", C, true);
  p.linear(TensorRole::QProj, L + "self_attn.q_proj", C, C, a.qkvBias);
  p.linear(TensorRole::KProj, L + "self_attn.k_proj", C, C, a.qkvBias);
  p.linear(TensorRole::VProj, L + "self_attn.v_proj", C, C, a.qkvBias);
  p.linear(TensorRole::OutProj, L + "self_attn.out_proj", C, C, a.outBias);
  p.norm(TensorRole::MlpNorm, L + "final_layer_norm", C, true);
  p.linear(TensorRole::Fc1, L + "fc1", F, C, c.mlp.bias);
  p.linear(TensorRole::Fc2, L + "fc2", C, F, c.mlp.bias);
  if (c.layout.finalNorm) p.norm(TensorRole::FinalNorm, "model.decoder.final_layer_norm", C, true, /*perLayer=*/false);
  p.global(TensorRole::LmHead, "lm_head.weight", {V, P}, false, /*optional=*/true);
  return p.take();
}

}  // namespace

const Family& optFamily() {
  static const Family f{"opt", {"opt"}, "OPT", readConfig, writeConfig, plan};
  return f;
}

}  // namespace qs
