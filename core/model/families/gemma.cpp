// Gemma: (1 + w) RMSNorm, embeddings scaled by sqrt(hidden_size), GeGLU MLP (hidden_activation),
// multi-query attention with head_dim independent of hidden_size / heads, tied lm_head.
#include <nlohmann/json.hpp>

#include "core/model/blocks.h"
#include "core/model/config_reader.h"
#include "core/model/families/llama_style.h"
#include "core/model/family.h"
#include "core/model/model_config.h"

namespace qs {
namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
  readLlamaStyleConfig(r, c,
                       {.normEps = 1e-6, .tieWordEmbeddings = true, .activation = "gelu_pytorch_tanh", .maxPositions = 8192});
  // hidden_activation is what GemmaMLP uses; hidden_act only when it is absent.
  c.mlp.activation = r.stringOr("hidden_activation", c.mlp.activation);
  if (!blocks::knownActivation(c.mlp.activation))
    r.fail("hidden_activation \"" + c.mlp.activation + "\" is not supported");
  c.attention.qkvBias = c.attention.outBias = r.boolOr("attention_bias", false);
  c.layout.norm = NormKind::RmsNormPlusOne;
  c.layout.scaleEmbedding = true;
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
  j["architectures"] = {"GemmaForCausalLM"};
  writeLlamaStyleConfig(c, j);
  j["hidden_activation"] = c.mlp.activation;
  j["attention_bias"] = c.attention.qkvBias;
}

}  // namespace

const Family& gemmaFamily() {
  static const Family f{"gemma", {"gemma"}, "Gemma", readConfig, writeConfig, llamaStylePlan};
  return f;
}

}  // namespace qs
