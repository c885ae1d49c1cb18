#pragma once
// The roles a tensor plays in a decoder layer. Families map Hugging Face tensor names to these
// roles in their tables; everything else (quantization rules, statistics, heatmaps) speaks roles.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qs {

enum class TensorRole : uint8_t {
  TokenEmbedding,
  PositionEmbedding,
  QProj,
  KProj,
  VProj,
  QkvProj,  // fused q/k/v (Falcon, Bloom, GPT-2, ChatGLM)
  OutProj,
  GateProj,
  UpProj,
  DownProj,
  Fc1,  // plain MLP in (OPT, GPT-2, Bloom, Falcon)
  Fc2,  // plain MLP out
  Router,  // mixture-of-experts gate
  AttnNorm,
  MlpNorm,
  FinalNorm,
  LmHead,
};

// What a hook sees at a hook point.
enum class TensorKind : uint8_t {
  Weight,      // a linear layer's weight
  Activation,  // the input of a linear layer
  Key,         // attention keys after RoPE, before the cache
  Value,       // attention values, before the cache
};

std::string_view roleName(TensorRole role);               // "q_proj", "down_proj", "lm_head", ...
std::optional<TensorRole> roleFromName(std::string_view);  // inverse of roleName
std::string_view kindName(TensorKind kind);               // "weight", "activation", "key", "value"
std::optional<TensorKind> kindFromName(std::string_view);

// True for roles whose tensor is the weight of a linear layer (quantizable as W).
bool isLinearRole(TensorRole role);

}  // namespace qs
