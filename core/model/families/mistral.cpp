// Mistral: LLaMA with a sliding attention window. Query i sees keys i-W .. i (W+1 keys), as
// transformers 4.40 and mistral-src mask it (newer transformers see W keys: set sliding_window
// one lower to reproduce those).
#include <nlohmann/json.hpp>

#include "core/model/config_reader.h"
#include "core/model/families/llama_style.h"
#include "core/model/family.h"
#include "core/model/model_config.h"

namespace qs {
namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
  readLlamaStyleConfig(r, c, {.normEps = 1e-6, .maxPositions = 4096 * 32});
  c.attention.slidingWindow = readSlidingWindow(r, 4096);
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
  j["architectures"] = {"MistralForCausalLM"};
  writeLlamaStyleConfig(c, j);
  j["sliding_window"] = c.attention.slidingWindow > 0 ? nlohmann::json(c.attention.slidingWindow) : nlohmann::json(nullptr);
}

}  // namespace

const Family& mistralFamily() {
  static const Family f{"mistral", {"mistral"}, "Mistral (sliding-window attention)", readConfig, writeConfig,
                        llamaStylePlan};
  return f;
}

}  // namespace qs
