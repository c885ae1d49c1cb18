// ChatGLM2 / ChatGLM3 (THUDM remote code, model_type "chatglm"): fused query_key_value with
// multi-query groups ([q | k | v], multi_query_group_num KV heads of kv_channels), RoPE on the
// first half of each head in interleaved pairs, fused dense_h_to_4h = [gate; up] (SwiGLU),
// RMSNorm, transformer.* names. apply_query_key_layer_scaling divides q by the layer number and
// multiplies the scores back before the float32 softmax: the same attention, so it is not modelled.
#include <nlohmann/json.hpp>

#include "core/model/config_reader.h"
#include "core/model/family.h"
#include "core/model/model_config.h"

namespace qs {
namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
  c.hiddenSize = r.positiveInt("hidden_size");
  c.numLayers = r.positiveInt({"num_layers", "num_hidden_layers"});
  c.vocabSize = r.positiveInt({"padded_vocab_size", "vocab_size"});
  c.maxPositions = r.intOr("seq_length", 8192);
  c.normEps = r.positiveNumberOr("layernorm_epsilon", 1e-5);
  c.tieWordEmbeddings = false;
  auto& a = c.attention;
  a.numHeads = r.positiveInt("num_attention_heads");
  a.headDim = r.intOr("kv_channels", c.hiddenSize / a.numHeads);
  a.numKvHeads = r.boolOr("multi_query_attention", false) ? r.positiveInt("multi_query_group_num") : a.numHeads;
  a.position = PositionKind::Rotary;
  a.rotaryDim = a.headDim / 2;
  a.rotaryInterleaved = true;
  a.ropeTheta = 10000.0 * r.positiveNumberOr("rope_ratio", 1.0);
  a.qkvLayout = QkvLayout::Concatenated;
  a.qkvBias = r.boolOr("add_qkv_bias", false);
  const bool bias = r.boolOr("add_bias_linear", false);
  a.outBias = bias;
  c.mlp = {r.positiveInt("ffn_hidden_size"), "silu", /*gated=*/true, bias};
  c.layout.norm = r.boolOr("rmsnorm", true) ? NormKind::RmsNorm : NormKind::LayerNorm;
  c.layout.residualFromNorm = r.boolOr("apply_residual_connection_post_layernorm", false);
  c.layout.finalNorm = r.boolOr("post_layer_norm", true);
  if (r.has("pre_seq_len")) r.fail("P-tuning prefixes (pre_seq_len) are not supported");
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
  const auto& a = c.attention;
  j["architectures"] = {"ChatGLMModel"};
  j["hidden_size"] = c.hiddenSize;
  j["num_layers"] = c.numLayers;
  j["padded_vocab_size"] = c.vocabSize;
  j["seq_length"] = c.maxPositions;
  j["layernorm_epsilon"] = c.normEps;
  j["num_attention_heads"] = a.numHeads;
  j["kv_channels"] = a.headDim;
  j["multi_query_attention"] = a.numKvHeads != a.numHeads;
  j["multi_query_group_num"] = a.numKvHeads;
  j["rope_ratio"] = a.ropeTheta / 10000.0;
  j["add_qkv_bias"] = a.qkvBias;
  j["add_bias_linear"] = a.outBias;
  j["ffn_hidden_size"] = c.mlp.intermediateSize;
  j["rmsnorm"] = c.layout.norm == NormKind::RmsNorm;
  j["apply_residual_connection_post_layernorm"] = c.layout.residualFromNorm;
  j["post_layer_norm"] = c.layout.finalNorm;
  j["original_rope"] = true;
}

TensorPlan plan(const ModelConfig& c) {
  const auto& a = c.attention;
  const int64_t C = c.hiddenSize, F = c.mlp.intermediateSize, V = c.vocabSize;
  const int64_t qkvRows = (int64_t{a.numHeads} + 2 * a.numKvHeads) * a.headDim;
  const bool normBias = c.layout.norm == NormKind::LayerNorm;
  const std::string L = "transformer.encoder.layers.{L}.";
  PlanBuilder p(c.numLayers);
  p.global(TensorRole::TokenEmbedding, "transformer.embedding.word_embeddings.weight", {V, C});
  p.norm(TensorRole::AttnNorm, L + "input_layernorm", C, normBias);
  p.linear(TensorRole::QkvProj, L + "self_attention.query_key_value", qkvRows, C, a.qkvBias);
  p.linear(TensorRole::OutProj, L + "self_attention.dense", C, int64_t{a.numHeads} * a.headDim, a.outBias);
  p.norm(TensorRole::MlpNorm, L + "post_attention_layernorm", C, normBias);
  p.linear(TensorRole::GateUpProj, L + "mlp.dense_h_to_4h", 2 * F, C, c.mlp.bias);
  p.linear(TensorRole::DownProj, L + "mlp.dense_4h_to_h", C, F, c.mlp.bias);
  if (c.layout.finalNorm) p.norm(TensorRole::FinalNorm, "transformer.encoder.final_layernorm", C, normBias, false);
  p.global(TensorRole::LmHead, "transformer.output_layer.weight", {V, C});
  return p.take();
}

}  // namespace

const Family& chatglmFamily() {
  static const Family f{"chatglm", {"chatglm"}, "ChatGLM2, ChatGLM3", readConfig, writeConfig, plan};
  return f;
}

}  // namespace qs
