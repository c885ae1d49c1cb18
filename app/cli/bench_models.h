#pragma once
// The model shapes the benchmarks build random checkpoints of: OPT-125m's and a LLaMA of the same
// size, read through their families' config readers.
#include "core/model/model_config.h"

namespace qs::cli {

ModelConfig opt125m();
ModelConfig llama125m();

}  // namespace qs::cli
