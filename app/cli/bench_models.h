#pragma once
// The model shapes the benchmarks build random checkpoints of: OPT-125m's and a LLaMA of the same
// size, read through their families' config readers.
#include <cstdint>

#include "core/model/model_config.h"

namespace qs {
class Model;
}

namespace qs::cli {

ModelConfig opt125m();
ModelConfig llama125m();
// A 1.1B LLaMA (TinyLlama's shape: 22 layers, hidden 2048, 32 heads over 4 K/V heads, MLP 5632):
// the GPU benchmark's prefill model.
ModelConfig llama1b();

// The forward's useful FLOPs for `tokens` tokens of one sequence: every linear (lm_head included)
// plus the two attention matmuls over the causal triangle only (the (query, key) pairs a causal
// model needs: S(S+1)/2). The masked blocks the engine still computes are not counted, so the
// figure is not inflated by waste.
double forwardFlops(const ModelConfig& c, Model& model, int64_t tokens);

}  // namespace qs::cli
