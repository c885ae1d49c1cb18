#pragma once
// The roles a tensor plays in a model, and their attributes. Families map Hugging Face tensor
// names to roles in their tensor plans; everything else (quantization rules, statistics,
// heatmaps, the store) speaks roles.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace qs {

// Values are stored nowhere by number (the store and rules use roleName); new roles go last.
enum class TensorRole : uint8_t {
  TokenEmbedding,
  PositionEmbedding,
  QProj,
  KProj,
  VProj,
  QkvProj,  // fused q/k/v (Falcon, Bloom, GPT-2, ChatGLM): split into q, k, v at load
  OutProj,
  GateProj,
  UpProj,
  DownProj,
  Fc1,     // plain MLP in (OPT, GPT-2, Bloom, Falcon)
  Fc2,     // plain MLP out
  Router,  // mixture-of-experts gate
  AttnNorm,
  MlpNorm,
  FinalNorm,
  LmHead,
  GateUpProj,     // fused gate and up (ChatGLM's dense_h_to_4h): split at load
  EmbeddingNorm,  // LayerNorm after the token embedding (Bloom)
  QNorm,          // per-head norms of q and k (StableLM qk_layernorm)
  KNorm,
  ProjectIn,   // OPT-350m: embeddings (word_embed_proj_dim) -> hidden
  ProjectOut,  // hidden -> word_embed_proj_dim before lm_head
  // Mamba's selective state-space mixer.
  MixerInProj,   // hidden -> [x | gate]
  MixerXProj,    // x -> [dt | B | C]
  MixerDtProj,   // dt rank -> channels
  MixerOutProj,  // channels -> hidden
  Conv1d,        // causal depthwise convolution [channels, 1, kernel]
  SsmALog,       // A = -exp(A_log) [channels, state]
  SsmD,          // skip connection [channels]
};

// What a hook sees at a hook point.
enum class TensorKind : uint8_t {
  Weight,      // a linear layer's weight
  Activation,  // the input of a linear layer
  Key,         // attention keys after RoPE, before the cache
  Value,       // attention values, before the cache
};

enum class OpClass : uint8_t { Linear, Embedding, Norm, Conv, Parameter };

struct RoleInfo {
  TensorRole role;
  std::string_view name;  // "q_proj", "down_proj", "lm_head", ...
  OpClass op;
  // Weight / activation quantization applies unless a layer rule says otherwise. Off for routers
  // (a quantized router changes which experts run), the output head and OPT-350m's projections
  // (outside the decoder layers, as in the reference code), and every non-linear role.
  bool quantizedByDefault;
  // The roles a fused tensor covers; the loader splits it into them, so rules and statistics
  // for k_proj work on a fused-qkv model too. Empty for an unfused role.
  std::span<const TensorRole> covers;
};

const RoleInfo& roleInfo(TensorRole role);
std::string_view roleName(TensorRole role);               // "q_proj", "down_proj", "lm_head", ...
std::optional<TensorRole> roleFromName(std::string_view);  // inverse of roleName
std::string_view kindName(TensorKind kind);               // "weight", "activation", "key", "value"
std::optional<TensorKind> kindFromName(std::string_view);

// True for roles whose tensor is the weight of a linear layer (quantizable as W).
bool isLinearRole(TensorRole role);
bool isQuantizedByDefault(TensorRole role);

}  // namespace qs
