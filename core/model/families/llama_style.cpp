#include "core/model/families/llama_style.h"

#include <nlohmann/json.hpp>

#include "core/model/blocks.h"
#include "core/model/config_reader.h"
#include "core/model/model_config.h"

namespace qs {
namespace {

void readRopeScaling(const ConfigReader& r, AttentionConfig& a) {
  auto it = r.raw().find("rope_scaling");
  if (it == r.raw().end() || it->is_null()) return;
  if (!it->is_object()) r.fail("\"rope_scaling\" must be an object or null");
  std::string type = it->value("type", it->value("rope_type", std::string()));
  double factor = it->value("factor", 1.0);
  if (type == "linear") {
    if (!(factor > 0)) r.fail("rope_scaling.factor must be positive");
    a.ropeLinearScale = factor;
  } else if (type != "default" && !type.empty()) {
    r.fail("rope_scaling type \"" + type + "\" is not supported (supported: linear)");
  }
}

}  // namespace

void readLlamaStyleConfig(const ConfigReader& r, ModelConfig& c, const LlamaStyleDefaults& d) {
  c.hiddenSize = r.positiveInt("hidden_size");
  c.numLayers = r.positiveInt("num_hidden_layers");
  c.maxPositions = r.intOr("max_position_embeddings", d.maxPositions);
  c.normEps = r.positiveNumberOr("rms_norm_eps", d.normEps);
  c.tieWordEmbeddings = r.boolOr("tie_word_embeddings", d.tieWordEmbeddings);
  auto& a = c.attention;
  a.numHeads = r.positiveInt("num_attention_heads");
  a.numKvHeads = r.intOr("num_key_value_heads", a.numHeads);
  a.headDim = r.intOr("head_dim", c.hiddenSize / a.numHeads);
  a.position = PositionKind::Rotary;
  a.ropeTheta = r.positiveNumberOr("rope_theta", 10000.0);
  readRopeScaling(r, a);
  auto& m = c.mlp;
  m.intermediateSize = r.positiveInt("intermediate_size");
  m.activation = r.stringOr("hidden_act", d.activation);
  if (!blocks::knownActivation(m.activation)) r.fail("hidden_act \"" + m.activation + "\" is not supported");
  m.gated = true;
  c.layout.norm = NormKind::RmsNorm;
}

TensorPlan llamaStylePlan(const ModelConfig& c) {
  const auto& a = c.attention;
  const int64_t C = c.hiddenSize, F = c.mlp.intermediateSize, V = c.vocabSize;
  const int64_t q = int64_t{a.numHeads} * a.headDim, kv = int64_t{a.numKvHeads} * a.headDim;
  const bool normBias = c.layout.norm == NormKind::LayerNorm;
  const std::string L = "model.layers.{L}.";
  PlanBuilder p(c.numLayers);
  p.global(TensorRole::TokenEmbedding, "model.embed_tokens.weight", {V, C});
  p.norm(TensorRole::AttnNorm, L + "input_layernorm", C, normBias);
  p.linear(TensorRole::QProj, L + "self_attn.q_proj", q, C, a.qkvBias);
  p.linear(TensorRole::KProj, L + "self_attn.k_proj", kv, C, a.qkvBias);
  p.linear(TensorRole::VProj, L + "self_attn.v_proj", kv, C, a.qkvBias);
  p.linear(TensorRole::OutProj, L + "self_attn.o_proj", C, q, a.outBias);
  if (a.qkNorm) {
    // StableLM's per-head LayerNorms (no bias): one [D] weight per head, the head as "expert".
    TensorPlan extra;
    for (int l = 0; l < c.numLayers; ++l) {
      const std::string stem = expandLayer(L, l) + "self_attn.";
      for (int h = 0; h < a.numHeads; ++h)
        extra.push_back({stem + "q_layernorm.norms." + std::to_string(h) + ".weight", TensorRole::QNorm, l, h, false,
                         {a.headDim}});
      for (int h = 0; h < a.numKvHeads; ++h)
        extra.push_back({stem + "k_layernorm.norms." + std::to_string(h) + ".weight", TensorRole::KNorm, l, h, false,
                         {a.headDim}});
    }
    for (auto& e : extra) p.add(std::move(e));
  }
  if (c.layout.residual != ResidualKind::Parallel || c.layout.parallelTwoNorms)
    p.norm(TensorRole::MlpNorm, L + "post_attention_layernorm", C, normBias);
  if (c.moe.numExperts == 0) {  // a mixture-of-experts family plans its experts itself
    p.linear(TensorRole::GateProj, L + "mlp.gate_proj", F, C, c.mlp.bias);
    p.linear(TensorRole::UpProj, L + "mlp.up_proj", F, C, c.mlp.bias);
    p.linear(TensorRole::DownProj, L + "mlp.down_proj", C, F, c.mlp.bias);
  }
  p.norm(TensorRole::FinalNorm, "model.norm", C, normBias, /*perLayer=*/false);
  p.global(TensorRole::LmHead, "lm_head.weight", {V, C}, false, /*optional=*/true);
  return p.take();
}

int readSlidingWindow(const ConfigReader& r, int absentDefault) {
  if (!r.raw().contains("sliding_window")) return absentDefault;
  const int window = r.intOr("sliding_window", 0);
  if (window < 0) r.fail("\"sliding_window\" must not be negative");
  return window;
}

void writeLlamaStyleConfig(const ModelConfig& c, nlohmann::json& j) {
  const auto& a = c.attention;
  j["hidden_size"] = c.hiddenSize;
  j["num_hidden_layers"] = c.numLayers;
  j["num_attention_heads"] = a.numHeads;
  j["num_key_value_heads"] = a.numKvHeads;
  j["head_dim"] = a.headDim;
  j["intermediate_size"] = c.mlp.intermediateSize;
  j["max_position_embeddings"] = c.maxPositions;
  j["rms_norm_eps"] = c.normEps;
  j["rope_theta"] = a.ropeTheta;
  j["rope_scaling"] = a.ropeLinearScale == 1.0 ? nlohmann::json(nullptr)
                                               : nlohmann::json{{"type", "linear"}, {"factor", a.ropeLinearScale}};
  j["hidden_act"] = c.mlp.activation.empty() ? "silu" : c.mlp.activation;
  j["tie_word_embeddings"] = c.tieWordEmbeddings;
}

}  // namespace qs
