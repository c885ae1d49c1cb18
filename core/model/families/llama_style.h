#pragma once
// What the LLaMA-descended families (LLaMA, Mistral, Qwen2, Gemma, StableLM) share: config.json
// keys, tensor names under model.layers.{L}, and the config writer. Each family file adds its own
// keys and switches on top.
#include <nlohmann/json_fwd.hpp>

#include "core/model/tensor_plan.h"

namespace qs {

class ConfigReader;
struct ModelConfig;

struct LlamaStyleDefaults {
  double normEps = 1e-6;
  bool tieWordEmbeddings = false;
  const char* activation = "silu";
  int maxPositions = 2048;
};

// hidden_size, num_hidden_layers, num_attention_heads, num_key_value_heads, head_dim,
// intermediate_size, max_position_embeddings, rms_norm_eps, rope_theta, rope_scaling (linear),
// tie_word_embeddings, hidden_act; a rotary, gated-MLP, RMSNorm decoder.
void readLlamaStyleConfig(const ConfigReader& r, ModelConfig& c, const LlamaStyleDefaults& defaults);
// model.embed_tokens, model.layers.{L}.{input_layernorm, self_attn.{q,k,v,o}_proj, [q,k]_layernorm,
// post_attention_layernorm, mlp.{gate,up,down}_proj}, model.norm, lm_head; biases where the
// config has them (LayerNorm biases for NormKind::LayerNorm).
TensorPlan llamaStylePlan(const ModelConfig& c);
void writeLlamaStyleConfig(const ModelConfig& c, nlohmann::json& j);
// sliding_window: null = no window (0); absent = the family's default; negative is refused.
int readSlidingWindow(const ConfigReader& r, int absentDefault);

}  // namespace qs
