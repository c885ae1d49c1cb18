#pragma once
// A loaded causal language model: the interface every family implements.
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model/decode_state.h"
#include "core/model/hooks.h"
#include "core/model/kv_cache.h"
#include "core/model/model_config.h"
#include "core/model/tensor_role.h"
#include "core/model/weight_loader.h"

namespace qs {

struct LoadOptions {
  std::string device = "cpu";  // "cpu", "cuda", "cuda:1"
  // Compute dtype: "auto" = float32 on CPU, the checkpoint's half type (or float16) on CUDA.
  std::string dtype = "auto";
};

// A linear layer's weight [out, in] (and optional bias [out]) as the forward pass uses it.
struct LinearWeight {
  int layer = -1;  // -1 for lm_head
  TensorRole role = TensorRole::QProj;
  int expert = -1;
  // Replace by assignment (*weight = quantized), never edit in place: a tied lm_head shares its
  // storage with the token embedding, and F32 weights may view the checkpoint mapping.
  at::Tensor* weight = nullptr;
  at::Tensor* bias = nullptr;    // nullptr or an undefined tensor when there is none
};

// A norm and the linears that read its output, within one layer: SmoothQuant and AWQ divide the
// norm's output per channel by a scale s (folded into its weight, and bias for LayerNorm) and
// multiply the linears' input channels by s, which leaves the model's function unchanged.
struct NormGroup {
  int layer = -1;
  NormKind kind = NormKind::RmsNorm;
  at::Tensor* weight = nullptr;
  at::Tensor* bias = nullptr;  // LayerNorm's, or nullptr
  std::vector<LinearWeight> linears;
};

// A linear whose output is, up to an elementwise factor, the input of another (v_proj -> o_proj
// without grouped K/V, up_proj -> down_proj, OPT's fc1 -> ReLU -> fc2): the same fold between them.
struct LinearChain {
  LinearWeight producer;
  LinearWeight consumer;
};

class Model {
 public:
  // Loads a Hugging Face folder (config.json + model.safetensors or its sharded index) through
  // the family registry. Throws qs::Error naming the file and tensor on any problem.
  static std::unique_ptr<Model> load(const std::filesystem::path& dir, const LoadOptions& options = {});

  virtual ~Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // input_ids [batch, seq] (int64); attention_mask [batch, seq] 1 = token, 0 = padding (either
  // side), undefined = all ones. With a decode state, the new tokens are appended to it and attend
  // to everything before. Returns logits [batch, seq, vocab] in float32.
  // hiddenStates, when given, receives the embedding output and each decoder layer's output.
  at::Tensor forward(const at::Tensor& inputIds, const at::Tensor& attentionMask = {},
                     DecodeState* state = nullptr, std::vector<at::Tensor>* hiddenStates = nullptr);

  // A fresh decode state for incremental decoding: a KV cache for attention families, the conv and
  // SSM states for a state-space family.
  virtual std::unique_ptr<DecodeState> makeState() const { return std::make_unique<KvCache>(config_.numLayers); }
  // A fresh KV cache (attention families only).
  KvCache makeCache() const { return KvCache(config_.numLayers); }
  virtual ModelCapabilities capabilities() const { return {config_.hasKvCache(), config_.contextLimit()}; }

  const ModelConfig& config() const { return config_; }
  const std::filesystem::path& directory() const { return dir_; }
  const Family* family() const { return config_.family; }
  c10::Device device() const { return device_; }
  c10::ScalarType dtype() const { return dtype_; }
  int64_t parameterCount() const { return parameterCount_; }
  // Bytes the weights take in the compute dtype.
  int64_t weightBytes() const { return weightBytes_; }
  // Data type of the checkpoint on disk ("F32", "F16", "BF16").
  const std::string& storedDtype() const { return storedDtype_; }

  // Weights holding NaN or Inf (checked once at load); empty for a sound checkpoint.
  const std::vector<NonFiniteTensor>& nonFiniteWeights() const { return nonFinite_; }

  HookSet& hooks() { return hooks_; }
  // Every linear layer, in forward order (lm_head last). Weight quantization edits these.
  std::vector<LinearWeight> linearWeights();
  // Where per-channel scales can be folded (empty: the model cannot be smoothed, e.g. post-norm OPT,
  // Bloom's residual taken after the norm, or a state-space model).
  virtual std::vector<NormGroup> normGroups() { return {}; }
  virtual std::vector<LinearChain> linearChains() { return {}; }
  // The final norm and the output head it feeds (layer -1), when the head reads the norm's output
  // directly; rotation (QuaRot) folds it into an included lm_head. Kept apart from normGroups() so
  // SmoothQuant and AWQ, which leave the head alone, never touch it.
  virtual std::optional<NormGroup> finalNormGroup() { return std::nullopt; }
  // Parameters that are not linear weights but are reported by weight statistics under their own
  // roles (Mamba's conv1d, A_log and D), each viewed as [channels, -1].
  virtual std::vector<LinearWeight> otherParameters() { return {}; }

  struct StepInputs {
    at::Tensor inputIds;   // [B, S]
    at::Tensor fullMask;   // [B, past + S], float in {0,1}
    at::Tensor positions;  // [B, S] int64 position ids
    int64_t pastLength = 0;
  };

 protected:
  Model(std::filesystem::path dir, ModelConfig config, c10::Device device, c10::ScalarType dtype);

  // The family's forward pass: embeddings, layers, final norm, lm_head. Returns logits [B,S,V].
  virtual at::Tensor forwardImpl(const StepInputs& in, DecodeState* state,
                                 std::vector<at::Tensor>* hiddenStates) = 0;
  virtual void collectLinears(std::vector<LinearWeight>& out) = 0;

  // The one linear operator every family uses: runs the activation hook, then x W^T + b.
  at::Tensor linear(const at::Tensor& x, int layer, TensorRole role, const at::Tensor& weight,
                    const at::Tensor& bias, int expert = -1);
  // Runs the K/V hooks (k after RoPE) and stores them in the cache; returns the K/V to attend to.
  std::pair<at::Tensor, at::Tensor> storeKv(int layer, at::Tensor k, at::Tensor v, DecodeState* state);

  std::filesystem::path dir_;
  ModelConfig config_;
  c10::Device device_;
  c10::ScalarType dtype_;
  int64_t parameterCount_ = 0;
  int64_t weightBytes_ = 0;
  std::string storedDtype_;
  std::vector<NonFiniteTensor> nonFinite_;
  HookSet hooks_;
};

}  // namespace qs
