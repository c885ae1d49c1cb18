#include "app/cli/bench_models.h"

#include <nlohmann/json.hpp>

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

}  // namespace qs::cli
