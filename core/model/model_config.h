#pragma once
// A Hugging Face config.json, normalised across families: a common part every family has, plus one
// section per kind of block (attention, MLP, mixture of experts, state space) and the decoder
// layout switches the shared forward reads. Only the common part is read before the family is
// known; the family's config reader (core/model/families/<name>.cpp) fills in the rest, so a family
// without num_attention_heads or max_position_embeddings is not rejected by generic code.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace qs {

struct Family;

enum class NormKind : uint8_t {
  RmsNorm,         // LLaMA: x / rms(x) * w, computed in float32
  RmsNormPlusOne,  // Gemma: x / rms(x) * (1 + w)
  LayerNorm,       // with a bias when the checkpoint has one
};

enum class PositionKind : uint8_t {
  Rotary,   // RoPE on q and k (rotaryDim of each head; the rest passes through)
  Learned,  // a position embedding table added to the token embedding (OPT, GPT-2)
  Alibi,    // per-head linear biases on the attention scores (Bloom, Falcon with alibi)
};

// How a fused query_key_value weight's rows are ordered (split into q, k, v at load).
enum class QkvLayout : uint8_t {
  Separate,        // q_proj, k_proj, v_proj are separate tensors
  Concatenated,    // [q (H*D) | k (G*D) | v (G*D)]: GPT-2, Falcon multi-query, ChatGLM
  PerHead,         // [H][q k v][D]: Bloom, Falcon without multi-query (old decoder)
  PerKvGroup,      // [G][H/G q heads, k, v][D]: Falcon's new decoder architecture
};

enum class ResidualKind : uint8_t {
  Sequential,  // h += attn(norm1(h)); h += mlp(norm2(h))
  Parallel,    // h += attn(norm1(h)) + mlp(norm1(h) or norm2(h)): Falcon, GPT-J-style StableLM
  PostNorm,    // h = norm1(h + attn(h)); h = norm2(h + mlp(h)): OPT-350m (do_layer_norm_before false)
};

struct AttentionConfig {
  int numHeads = 0;
  int numKvHeads = 0;
  int headDim = 0;
  PositionKind position = PositionKind::Rotary;
  int rotaryDim = 0;  // dimensions of each head that RoPE rotates (partial_rotary_factor); 0 = headDim
  double ropeTheta = 10000.0;
  double ropeLinearScale = 1.0;  // rope_scaling {"type": "linear", "factor": f} (LongChat)
  // Mistral's sliding window: query i sees keys i-W .. i (W+1 keys, transformers 4.40 and
  // mistral-src); 0 = no window.
  int slidingWindow = 0;
  bool alibiScaled = false;  // Falcon adds ALiBi before the 1/sqrt(D) scaling, Bloom after
  bool unscaled = false;            // GPT-2 scale_attn_weights false: no 1/sqrt(D)
  bool scaleByInverseLayer = false;  // GPT-2 scale_attn_by_inverse_layer_idx: also 1/(layer+1)
  bool qkvBias = false;
  bool outBias = false;
  bool qkNorm = false;       // per-head LayerNorm on q and k (StableLM qk_layernorm)
  // RoPE on interleaved pairs (x[2i], x[2i+1]) instead of the two halves (ChatGLM)
  bool rotaryInterleaved = false;
  QkvLayout qkvLayout = QkvLayout::Separate;
};

struct MlpConfig {
  int intermediateSize = 0;
  std::string activation;  // "silu", "relu", "gelu", "gelu_new", "gelu_pytorch_tanh"
  bool gated = true;       // act(gate) * up -> down (SwiGLU / GeGLU); else fc1 -> act -> fc2
  bool bias = false;
};

struct MoeConfig {
  int numExperts = 0;  // 0: a dense MLP; else a router and this many gated experts per layer
  int topK = 0;        // experts each token is routed to (weights renormalised over them)
};

struct SsmConfig {
  int stateSize = 0;  // 0: no state-space blocks
  int convKernel = 0;
  int expand = 0;
  int timeStepRank = 0;
  bool convBias = true;
};

struct DecoderLayout {
  NormKind norm = NormKind::RmsNorm;
  ResidualKind residual = ResidualKind::Sequential;
  bool parallelTwoNorms = false;  // Parallel residual with a norm per branch (Falcon new decoder)
  bool residualFromNorm = false;  // Bloom apply_residual_connection_post_layernorm
  bool embeddingNorm = false;     // LayerNorm right after the token embedding (Bloom)
  bool scaleEmbedding = false;    // embeddings * sqrt(hidden_size) (Gemma)
  bool finalNorm = true;
  int positionOffset = 0;         // rows the learned position table reserves (OPT: 2)
  int wordEmbedProjDim = 0;       // OPT-350m: embeddings of this size, project_in / project_out
};

struct ModelConfig {
  // Common to every family.
  const Family* family = nullptr;
  std::string modelType;  // config.json's model_type, verbatim
  int hiddenSize = 0;
  int numLayers = 0;
  int vocabSize = 0;
  int maxPositions = 0;  // 0: no limit of its own (ALiBi models without a configured length)
  double normEps = 1e-5;
  bool tieWordEmbeddings = false;
  int bosTokenId = -1;
  int eosTokenId = -1;
  int padTokenId = -1;
  std::string torchDtype;  // "float32", "float16", "bfloat16" as stored

  // Sections, filled by the family's reader.
  AttentionConfig attention;
  MlpConfig mlp;
  MoeConfig moe;
  SsmConfig ssm;
  DecoderLayout layout;

  // Attention layers keep a KV cache; a state-space model (no attention heads) has none.
  bool hasKvCache() const { return attention.numHeads > 0; }
  // Positions the model can attend to; a large number when it has no limit of its own.
  int contextLimit() const { return maxPositions > 0 ? maxPositions : (1 << 30); }

  // Reads dir/config.json; throws qs::Error naming the file and the missing/invalid key, or the
  // unknown model_type with the supported ones.
  static ModelConfig load(const std::filesystem::path& configJson);
  // The same from a parsed config.json object; `source` names it in error messages. Benchmarks and
  // the demo trainer build their configurations this way, through the family's own reader.
  static ModelConfig fromJson(const nlohmann::json& j, const std::string& source);
};

}  // namespace qs
