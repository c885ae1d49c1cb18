// Mixtral: Mistral's attention with a sparse mixture of experts in place of the MLP: a router
// (block_sparse_moe.gate, not quantized unless a rule includes it) picks num_experts_per_tok of
// num_local_experts SwiGLU experts (w1 = gate, w3 = up, w2 = down) per token.
#include <nlohmann/json.hpp>

#include "core/model/config_reader.h"
#include "core/model/families/llama_style.h"
#include "core/model/family.h"
#include "core/model/model_config.h"

namespace qs {
namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
  readLlamaStyleConfig(r, c, {.normEps = 1e-5, .maxPositions = 4096 * 32});
  c.attention.slidingWindow = readSlidingWindow(r, 0);
  c.moe.numExperts = r.positiveInt("num_local_experts");
  c.moe.topK = r.positiveInt("num_experts_per_tok");
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
  j["architectures"] = {"MixtralForCausalLM"};
  writeLlamaStyleConfig(c, j);
  j["sliding_window"] = c.attention.slidingWindow > 0 ? nlohmann::json(c.attention.slidingWindow) : nlohmann::json(nullptr);
  j["num_local_experts"] = c.moe.numExperts;
  j["num_experts_per_tok"] = c.moe.topK;
}

TensorPlan plan(const ModelConfig& c) {
  TensorPlan p = llamaStylePlan(c);
  const int64_t C = c.hiddenSize, F = c.mlp.intermediateSize;
  for (int l = 0; l < c.numLayers; ++l) {
    const std::string moe = "model.layers." + std::to_string(l) + ".block_sparse_moe.";
    p.push_back({moe + "gate.weight", TensorRole::Router, l, -1, false, {c.moe.numExperts, C}});
    for (int e = 0; e < c.moe.numExperts; ++e) {
      const std::string ex = moe + "experts." + std::to_string(e) + ".";
      p.push_back({ex + "w1.weight", TensorRole::GateProj, l, e, false, {F, C}});
      p.push_back({ex + "w3.weight", TensorRole::UpProj, l, e, false, {F, C}});
      p.push_back({ex + "w2.weight", TensorRole::DownProj, l, e, false, {C, F}});
    }
  }
  return p;
}

}  // namespace

const Family& mixtralFamily() {
  static const Family f{"mixtral", {"mixtral"}, "Mixtral (sparse mixture of experts)", readConfig, writeConfig, plan};
  return f;
}

}  // namespace qs
