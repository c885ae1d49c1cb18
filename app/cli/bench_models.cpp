#include "app/cli/bench_models.h"

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include "core/model/model.h"

namespace qs::cli {

ModelConfig opt125m() {
  return ModelConfig::fromJson({{"model_type", "opt"}, {"hidden_size", 768}, {"num_hidden_layers", 12},
                                {"num_attention_heads", 12}, {"ffn_dim", 3072}, {"vocab_size", 50272},
                                {"max_position_embeddings", 2048}},
                               "bench opt-125m");
}

ModelConfig llama125m() {
  return ModelConfig::fromJson({{"model_type", "llama"}, {"hidden_size", 768}, {"num_hidden_layers", 12},
                                {"num_attention_heads", 12}, {"intermediate_size", 2048}, {"vocab_size", 32000},
                                {"max_position_embeddings", 2048}},
                               "bench llama-125m");
}

ModelConfig llama1b() {
  return ModelConfig::fromJson({{"model_type", "llama"}, {"hidden_size", 2048}, {"num_hidden_layers", 22},
                                {"num_attention_heads", 32}, {"num_key_value_heads", 4},
                                {"intermediate_size", 5632}, {"vocab_size", 32000},
                                {"max_position_embeddings", 2048}},
                               "bench llama-1.1b");
}

double forwardFlops(const ModelConfig& c, Model& model, int64_t tokens) {
  double linearParams = 0;
  for (const auto& lw : model.linearWeights()) linearParams += static_cast<double>(lw.weight->numel());
  const double pairs = 0.5 * static_cast<double>(tokens) * static_cast<double>(tokens + 1);
  const double attn = 4.0 * pairs * c.attention.numHeads * c.attention.headDim * c.numLayers;
  return 2.0 * linearParams * tokens + attn;
}

}  // namespace qs::cli
