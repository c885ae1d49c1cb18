// Bloom / Bloomz: ALiBi (no position limit of its own), a LayerNorm right after the embedding,
// fused query_key_value interleaved per head ([H][q k v][D]), GeLU MLP, tied lm_head.
#include <nlohmann/json.hpp>

#include "core/model/config_reader.h"
#include "core/model/family.h"
#include "core/model/model_config.h"

namespace qs {
namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
  c.hiddenSize = r.positiveInt({"hidden_size", "n_embed"});
  c.numLayers = r.positiveInt({"n_layer", "num_hidden_layers"});
  c.maxPositions = r.intOr("seq_length", 0);  // ALiBi: the training length is advisory only
  c.normEps = r.positiveNumberOr("layer_norm_epsilon", 1e-5);
  c.tieWordEmbeddings = r.boolOr("tie_word_embeddings", true);
  auto& a = c.attention;
  a.numHeads = r.positiveInt({"n_head", "num_attention_heads"});
  a.numKvHeads = a.numHeads;
  a.headDim = c.hiddenSize / a.numHeads;
  if (a.headDim * a.numHeads != c.hiddenSize) r.fail("hidden_size is not divisible by n_head");
  a.position = PositionKind::Alibi;
  a.qkvLayout = QkvLayout::PerHead;
  a.qkvBias = a.outBias = true;
  c.mlp = {r.product(4, c.hiddenSize, "the MLP width 4 x hidden_size"), "bloom_gelu", /*gated=*/false, /*bias=*/true};
  c.layout.norm = NormKind::LayerNorm;
  c.layout.embeddingNorm = true;
  c.layout.residualFromNorm = r.boolOr("apply_residual_connection_post_layernorm", false);
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
  j["architectures"] = {"BloomForCausalLM"};
  j["hidden_size"] = c.hiddenSize;
  j["n_layer"] = c.numLayers;
  j["n_head"] = c.attention.numHeads;
  j["layer_norm_epsilon"] = c.normEps;
  j["apply_residual_connection_post_layernorm"] = c.layout.residualFromNorm;
  j["tie_word_embeddings"] = c.tieWordEmbeddings;
  if (c.maxPositions > 0) j["seq_length"] = c.maxPositions;
}

TensorPlan plan(const ModelConfig& c) {
  const int64_t C = c.hiddenSize, F = c.mlp.intermediateSize, V = c.vocabSize;
  const std::string L = "transformer.h.{L}.";
  PlanBuilder p(c.numLayers);
  p.global(TensorRole::TokenEmbedding, "transformer.word_embeddings.weight", {V, C});
  p.norm(TensorRole::EmbeddingNorm, "transformer.word_embeddings_layernorm", C, true, /*perLayer=*/false);
  p.norm(TensorRole::AttnNorm, L + "input_layernorm", C, true);
  p.linear(TensorRole::QkvProj, L + "self_attention.query_key_value", 3 * C, C, true);
  p.linear(TensorRole::OutProj, L + "self_attention.dense", C, C, true);
  p.norm(TensorRole::MlpNorm, L + "post_attention_layernorm", C, true);
  p.linear(TensorRole::Fc1, L + "mlp.dense_h_to_4h", F, C, true);
  p.linear(TensorRole::Fc2, L + "mlp.dense_4h_to_h", C, F, true);
  p.norm(TensorRole::FinalNorm, "transformer.ln_f", C, true, /*perLayer=*/false);
  p.global(TensorRole::LmHead, "lm_head.weight", {V, C}, false, /*optional=*/true);
  return p.take();
}

}  // namespace

const Family& bloomFamily() {
  static const Family f{"bloom", {"bloom"}, "Bloom, Bloomz", readConfig, writeConfig, plan};
  return f;
}

}  // namespace qs
