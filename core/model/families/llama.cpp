// LLaMA, LLaMA-2/3, Vicuna, LongChat (linear RoPE scaling), with grouped-query attention.
#include <nlohmann/json.hpp>

#include "core/model/config_reader.h"
#include "core/model/families/llama_style.h"
#include "core/model/family.h"
#include "core/model/model_config.h"

namespace qs {
namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
  readLlamaStyleConfig(r, c, {});
  c.attention.qkvBias = c.attention.outBias = r.boolOr("attention_bias", false);
  c.mlp.bias = r.boolOr("mlp_bias", false);
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
  j["architectures"] = {"LlamaForCausalLM"};
  writeLlamaStyleConfig(c, j);
  j["attention_bias"] = c.attention.qkvBias;
  j["mlp_bias"] = c.mlp.bias;
}

}  // namespace

const Family& llamaFamily() {
  static const Family f{"llama", {"llama"}, "LLaMA, LLaMA-2, Vicuna, LongChat", readConfig, writeConfig,
                        llamaStylePlan};
  return f;
}

}  // namespace qs
