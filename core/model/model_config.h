#pragma once
// The subset of a Hugging Face config.json that the forward passes need, normalised across families.
#include <filesystem>
#include <string>

#include "core/model/family.h"

namespace qs {

struct ModelConfig {
  Family family = Family::Llama;
  std::string modelType;  // config.json's model_type, verbatim
  int hiddenSize = 0;
  int numLayers = 0;
  int numHeads = 0;
  int numKvHeads = 0;
  int headDim = 0;
  int intermediateSize = 0;  // LLaMA intermediate_size, OPT ffn_dim
  int vocabSize = 0;
  int maxPositions = 0;
  double normEps = 1e-5;
  double ropeTheta = 10000.0;
  double ropeLinearScale = 1.0;  // rope_scaling {"type": "linear", "factor": f} (LongChat)
  bool tieWordEmbeddings = false;
  bool attentionBias = false;  // q/k/v/o biases (LLaMA attention_bias; OPT enable_bias)
  bool mlpBias = false;
  std::string activation;  // "silu", "relu", "gelu", ...
  // OPT specifics.
  bool doLayerNormBefore = true;
  int wordEmbedProjDim = 0;
  int bosTokenId = -1;
  int eosTokenId = -1;
  int padTokenId = -1;
  std::string torchDtype;  // "float32", "float16", "bfloat16" as stored

  // Reads dir/config.json; throws qs::Error naming the file and the missing/invalid key.
  static ModelConfig load(const std::filesystem::path& configJson);
};

}  // namespace qs
