// StableLM (stablelm-2, stablelm-3b-4e1t): LayerNorm with biases, partial rotary
// (partial_rotary_factor of each head), optional q/k/v biases, per-head q/k LayerNorm
// (qk_layernorm) and a parallel residual (use_parallel_residual) where configured.
#include <nlohmann/json.hpp>

#include "core/model/config_reader.h"
#include "core/model/families/llama_style.h"
#include "core/model/family.h"
#include "core/model/model_config.h"

namespace qs {
namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
  readLlamaStyleConfig(r, c, {.normEps = 1e-5, .maxPositions = 4096});
  c.normEps = r.positiveNumberOr("layer_norm_eps", 1e-5);
  c.layout.norm = NormKind::LayerNorm;
  auto& a = c.attention;
  const double factor = r.numberOr("partial_rotary_factor", 0.25);
  if (!(factor > 0 && factor <= 1)) r.fail("\"partial_rotary_factor\" must be in (0, 1]");
  a.rotaryDim = static_cast<int>(a.headDim * factor);  // int(head_dim * factor), as Hugging Face
  a.qkvBias = r.boolOr("use_qkv_bias", false);
  a.outBias = false;
  a.qkNorm = r.boolOr("qk_layernorm", false);
  if (r.boolOr("use_parallel_residual", false)) c.layout.residual = ResidualKind::Parallel;
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
  j["architectures"] = {"StableLmForCausalLM"};
  writeLlamaStyleConfig(c, j);
  j.erase("rms_norm_eps");
  j["layer_norm_eps"] = c.normEps;
  j["partial_rotary_factor"] = static_cast<double>(c.attention.rotaryDim) / c.attention.headDim;
  j["use_qkv_bias"] = c.attention.qkvBias;
  j["qk_layernorm"] = c.attention.qkNorm;
  j["use_parallel_residual"] = c.layout.residual == ResidualKind::Parallel;
}

}  // namespace

const Family& stablelmFamily() {
  static const Family f{"stablelm", {"stablelm"}, "StableLM", readConfig, writeConfig,
                        llamaStylePlan};
  return f;
}

}  // namespace qs
