// Qwen2 / Qwen1.5: LLaMA with q/k/v biases and no o_proj bias. Its sliding window applies only
// when use_sliding_window is true (released checkpoints set it false).
#include <nlohmann/json.hpp>

#include "core/model/config_reader.h"
#include "core/model/families/llama_style.h"
#include "core/model/family.h"
#include "core/model/model_config.h"

namespace qs {
namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
  readLlamaStyleConfig(r, c, {.normEps = 1e-6, .maxPositions = 32768});
  c.attention.qkvBias = true;
  c.attention.outBias = false;
  if (r.boolOr("use_sliding_window", false)) {
    if (r.intOr("max_window_layers", c.numLayers) < c.numLayers)
      r.fail("a sliding window on only the first max_window_layers layers is not supported");
    c.attention.slidingWindow = r.intOr("sliding_window", 4096);
  }
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
  j["architectures"] = {"Qwen2ForCausalLM"};
  writeLlamaStyleConfig(c, j);
  j["use_sliding_window"] = c.attention.slidingWindow > 0;
  if (c.attention.slidingWindow > 0) j["sliding_window"] = c.attention.slidingWindow;
}

}  // namespace

const Family& qwen2Family() {
  static const Family f{"qwen2", {"qwen2"}, "Qwen2, Qwen1.5", readConfig, writeConfig, llamaStylePlan};
  return f;
}

}  // namespace qs
