// Falcon (falcon-7b/40b/180b, falcon-rw): fused query_key_value in the three Hugging Face layouts
// (multi-query [H q | k | v], the new decoder architecture's per-KV-group [q..., k, v], and the
// per-head [q k v] of the rest), parallel attention + MLP (one shared norm, or ln_attn / ln_mlp in
// the new decoder), rotary or ALiBi (added before the 1/sqrt(D) scaling, unlike Bloom). The old
// remote-code configs ("RefinedWeb", "RefinedWebModel": n_head, n_layer, n_head_kv) load too.
#include <nlohmann/json.hpp>

#include "core/model/blocks.h"
#include "core/model/config_reader.h"
#include "core/model/family.h"
#include "core/model/model_config.h"

namespace qs {
namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
  c.hiddenSize = r.positiveInt({"hidden_size", "n_embed"});
  c.numLayers = r.positiveInt({"num_hidden_layers", "n_layer"});
  c.maxPositions = r.intOr("max_position_embeddings", 2048);
  c.normEps = r.positiveNumberOr("layer_norm_epsilon", 1e-5);
  c.tieWordEmbeddings = r.boolOr("tie_word_embeddings", true);
  // The 40b-style remote-code config ("RefinedWeb") is the new decoder architecture.
  const bool newDecoder = r.boolOr("new_decoder_architecture", c.modelType == "RefinedWeb");
  const bool multiQuery = r.boolOr("multi_query", true);
  const bool parallel = r.boolOr("parallel_attn", true);
  const bool bias = r.boolOr("bias", false);
  auto& a = c.attention;
  a.numHeads = r.positiveInt({"num_attention_heads", "n_head"});
  a.headDim = c.hiddenSize / a.numHeads;
  if (a.headDim * a.numHeads != c.hiddenSize) r.fail("hidden_size is not divisible by num_attention_heads");
  const int configuredKv = r.has("num_kv_heads") ? r.positiveInt("num_kv_heads")
                           : r.has("n_head_kv")  ? r.positiveInt("n_head_kv")
                                                 : a.numHeads;
  if (newDecoder) {
    a.numKvHeads = configuredKv;
    a.qkvLayout = QkvLayout::PerKvGroup;
  } else if (multiQuery) {
    a.numKvHeads = 1;  // num_kv_heads is ignored on this path, as in Hugging Face
    a.qkvLayout = QkvLayout::Concatenated;
  } else {
    a.numKvHeads = a.numHeads;
    a.qkvLayout = QkvLayout::PerHead;
  }
  a.qkvBias = a.outBias = bias;
  if (r.boolOr("alibi", false)) {
    a.position = PositionKind::Alibi;
    a.alibiScaled = true;
  } else {
    a.position = PositionKind::Rotary;
    a.ropeTheta = r.positiveNumberOr("rope_theta", 10000.0);
    if (r.has("rope_scaling")) r.fail("Falcon rope_scaling is not supported");
  }
  auto& m = c.mlp;
  m.intermediateSize = r.has("ffn_hidden_size") ? r.intOr("ffn_hidden_size", 0)
                                                : r.product(4, c.hiddenSize, "the MLP width 4 x hidden_size");
  m.activation = r.stringOr("activation", "gelu");
  if (!blocks::knownActivation(m.activation)) r.fail("activation \"" + m.activation + "\" is not supported");
  m.gated = false;
  m.bias = bias;
  auto& lay = c.layout;
  lay.norm = NormKind::LayerNorm;
  if (newDecoder) {
    lay.residual = ResidualKind::Parallel;
    lay.parallelTwoNorms = r.intOr("num_ln_in_parallel_attn", 2) == 2;
  } else {
    lay.residual = parallel ? ResidualKind::Parallel : ResidualKind::Sequential;
  }
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
  const auto& a = c.attention;
  j["architectures"] = {"FalconForCausalLM"};
  j["hidden_size"] = c.hiddenSize;
  j["num_hidden_layers"] = c.numLayers;
  j["num_attention_heads"] = a.numHeads;
  j["num_kv_heads"] = a.numKvHeads;
  j["max_position_embeddings"] = c.maxPositions;
  j["layer_norm_epsilon"] = c.normEps;
  j["new_decoder_architecture"] = a.qkvLayout == QkvLayout::PerKvGroup;
  j["multi_query"] = a.qkvLayout == QkvLayout::Concatenated;
  j["parallel_attn"] = c.layout.residual == ResidualKind::Parallel;
  j["num_ln_in_parallel_attn"] = c.layout.parallelTwoNorms ? 2 : 1;
  j["bias"] = a.qkvBias;
  j["alibi"] = a.position == PositionKind::Alibi;
  j["rope_theta"] = a.ropeTheta;
  j["ffn_hidden_size"] = c.mlp.intermediateSize;
  j["activation"] = c.mlp.activation;
  j["tie_word_embeddings"] = c.tieWordEmbeddings;
}

TensorPlan plan(const ModelConfig& c) {
  const auto& a = c.attention;
  const int64_t C = c.hiddenSize, F = c.mlp.intermediateSize, V = c.vocabSize, D = a.headDim;
  const int64_t qkvRows = a.qkvLayout == QkvLayout::PerHead ? 3 * int64_t{a.numHeads} * D
                                                             : (int64_t{a.numHeads} + 2 * a.numKvHeads) * D;
  const std::string L = "transformer.h.{L}.";
  PlanBuilder p(c.numLayers);
  p.global(TensorRole::TokenEmbedding, "transformer.word_embeddings.weight", {V, C});
  if (c.layout.parallelTwoNorms) {
    p.norm(TensorRole::AttnNorm, L + "ln_attn", C, true);
    p.norm(TensorRole::MlpNorm, L + "ln_mlp", C, true);
  } else {
    p.norm(TensorRole::AttnNorm, L + "input_layernorm", C, true);
    if (c.layout.residual == ResidualKind::Sequential)
      p.norm(TensorRole::MlpNorm, L + "post_attention_layernorm", C, true);
  }
  p.linear(TensorRole::QkvProj, L + "self_attention.query_key_value", qkvRows, C, a.qkvBias);
  p.linear(TensorRole::OutProj, L + "self_attention.dense", C, C, a.outBias);
  p.linear(TensorRole::Fc1, L + "mlp.dense_h_to_4h", F, C, c.mlp.bias);
  p.linear(TensorRole::Fc2, L + "mlp.dense_4h_to_h", C, F, c.mlp.bias);
  p.norm(TensorRole::FinalNorm, "transformer.ln_f", C, true, /*perLayer=*/false);
  p.global(TensorRole::LmHead, "lm_head.weight", {V, C}, false, /*optional=*/true);
  return p.take();
}

}  // namespace

const Family& falconFamily() {
  static const Family f{"falcon", {"falcon", "RefinedWeb", "RefinedWebModel"}, "Falcon", readConfig, writeConfig,
                        plan};
  return f;
}

}  // namespace qs
