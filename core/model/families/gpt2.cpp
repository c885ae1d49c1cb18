// GPT-2: Conv1D weights stored [in, out] (transposed once at load, so group quantization groups
// along the input dimension like every other linear), fused c_attn [q | k | v], learned positions
// without OPT's offset, gelu_new MLP, tied lm_head.
#include <nlohmann/json.hpp>

#include "core/model/blocks.h"
#include "core/model/config_reader.h"
#include "core/model/family.h"
#include "core/model/model_config.h"

namespace qs {
namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
  c.hiddenSize = r.positiveInt({"n_embd", "hidden_size"});
  c.numLayers = r.positiveInt({"n_layer", "num_hidden_layers"});
  c.maxPositions = r.positiveInt({"n_positions", "max_position_embeddings"});
  c.normEps = r.positiveNumberOr("layer_norm_epsilon", 1e-5);
  c.tieWordEmbeddings = r.boolOr("tie_word_embeddings", true);
  if (r.boolOr("add_cross_attention", false)) r.fail("GPT-2 with cross-attention is not a causal LM");
  auto& a = c.attention;
  a.numHeads = r.positiveInt({"n_head", "num_attention_heads"});
  a.numKvHeads = a.numHeads;
  a.headDim = c.hiddenSize / a.numHeads;
  if (a.headDim * a.numHeads != c.hiddenSize) r.fail("n_embd is not divisible by n_head");
  a.position = PositionKind::Learned;
  a.qkvLayout = QkvLayout::Concatenated;
  a.qkvBias = a.outBias = true;
  a.unscaled = !r.boolOr("scale_attn_weights", true);
  a.scaleByInverseLayer = r.boolOr("scale_attn_by_inverse_layer_idx", false);
  auto& m = c.mlp;
  m.intermediateSize = r.has("n_inner") ? r.intOr("n_inner", 0) : r.product(4, c.hiddenSize, "n_inner = 4 x n_embd");
  m.activation = r.stringOr("activation_function", "gelu_new");
  if (!blocks::knownActivation(m.activation)) r.fail("activation_function \"" + m.activation + "\" is not supported");
  m.gated = false;
  m.bias = true;
  c.layout.norm = NormKind::LayerNorm;
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
  j["architectures"] = {"GPT2LMHeadModel"};
  j["n_embd"] = c.hiddenSize;
  j["n_layer"] = c.numLayers;
  j["n_head"] = c.attention.numHeads;
  j["n_positions"] = c.maxPositions;
  j["n_inner"] = c.mlp.intermediateSize;
  j["activation_function"] = c.mlp.activation;
  j["layer_norm_epsilon"] = c.normEps;
  j["scale_attn_weights"] = !c.attention.unscaled;
  j["scale_attn_by_inverse_layer_idx"] = c.attention.scaleByInverseLayer;
  j["tie_word_embeddings"] = c.tieWordEmbeddings;
}

TensorPlan plan(const ModelConfig& c) {
  const int64_t C = c.hiddenSize, F = c.mlp.intermediateSize, V = c.vocabSize;
  const std::string L = "transformer.h.{L}.";
  constexpr bool kConv1D = true;  // stored [in, out]
  PlanBuilder p(c.numLayers);
  p.global(TensorRole::TokenEmbedding, "transformer.wte.weight", {V, C});
  p.global(TensorRole::PositionEmbedding, "transformer.wpe.weight", {c.maxPositions, C});
  p.norm(TensorRole::AttnNorm, L + "ln_1", C, true);
  p.linear(TensorRole::QkvProj, L + "attn.c_attn", 3 * C, C, true, kConv1D);
  p.linear(TensorRole::OutProj, L + "attn.c_proj", C, C, true, kConv1D);
  p.norm(TensorRole::MlpNorm, L + "ln_2", C, true);
  p.linear(TensorRole::Fc1, L + "mlp.c_fc", F, C, true, kConv1D);
  p.linear(TensorRole::Fc2, L + "mlp.c_proj", C, F, true, kConv1D);
  p.norm(TensorRole::FinalNorm, "transformer.ln_f", C, true, /*perLayer=*/false);
  p.global(TensorRole::LmHead, "lm_head.weight", {V, C}, false, /*optional=*/true);
  return p.take();
}

}  // namespace

const Family& gpt2Family() {
  static const Family f{"gpt2", {"gpt2"}, "GPT-2", readConfig, writeConfig, plan};
  return f;
}

}  // namespace qs
