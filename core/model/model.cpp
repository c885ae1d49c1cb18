#include "core/model/model.h"

#include <ATen/ATen.h>

#include <cstdio>

#include "core/base/error.h"
#include "core/base/runtime.h"
#include "core/checkpoint/checkpoint.h"
#include "core/model/blocks.h"
#include "core/model/decoder.h"
#include "core/model/family.h"
#include "core/model/weight_loader.h"

namespace qs {
namespace {

c10::ScalarType chooseDtype(const std::string& requested, c10::Device device, const std::string& stored) {
  if (requested == "float32" || requested == "fp32") return at::kFloat;
  if (requested == "float16" || requested == "fp16") return at::kHalf;
  if (requested == "bfloat16" || requested == "bf16") return at::kBFloat16;
  if (requested != "auto") throw Error("unknown dtype \"" + requested + "\" (auto, float32, float16, bfloat16)");
  // CPU kernels for half types are slow or missing in libtorch 1.13: compute in float32 there.
  if (device.is_cpu()) return at::kFloat;
  return stored == "BF16" ? at::kBFloat16 : at::kHalf;
}

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

}  // namespace

Model::Model(std::filesystem::path dir, ModelConfig config, c10::Device device, c10::ScalarType dtype)
    : dir_(std::move(dir)), config_(std::move(config)), device_(device), dtype_(dtype) {}

std::unique_ptr<Model> Model::load(const std::filesystem::path& dir, const LoadOptions& options) {
  if (!std::filesystem::is_directory(dir))
    throw Error(dir.string() + ": not a folder (expected a Hugging Face model folder with config.json)");
  ModelConfig config = ModelConfig::load(dir / "config.json");
  Checkpoint ckpt = Checkpoint::open(dir);
  const c10::Device device = parseDevice(options.device);
  const std::string stored = ckpt.dominantDtype();
  const c10::ScalarType dtype = chooseDtype(options.dtype, device, stored);

  // Refuse before allocating: a model that does not fit would otherwise be killed by the OOM killer.
  if (device.is_cpu()) {
    const double storedElemBytes = stored == "F32" ? 4.0 : 2.0;
    const double needed = static_cast<double>(ckpt.storedBytes()) / storedElemBytes *
                          static_cast<double>(c10::elementSize(dtype));
    const uint64_t available = availableMemoryBytes();
    // F32 checkpoints on CPU are used straight from the page cache, other dtypes are converted.
    const bool copies = !(stored == "F32" && dtype == at::kFloat);
    if (copies && available > 0 && needed > 0.9 * static_cast<double>(available))
      throw Error(dir.string() + ": the model needs " + gib(needed) + " in " + std::string(c10::toString(dtype)) +
                  " but only " + gib(static_cast<double>(available)) + " of memory is available");
  }

  const Family& family = *config.family;
  LoadedWeights weights = LoadedWeights::load(ckpt, family.plan(config), device, dtype);
  auto nonFinite = weights.nonFinite();
  std::unique_ptr<Model> model =
      family.build ? family.build(dir, std::move(config), std::move(weights), device, dtype)
                   : makeDecoderModel(dir, std::move(config), std::move(weights), device, dtype);
  model->storedDtype_ = stored;
  model->nonFinite_ = std::move(nonFinite);
  return model;
}

at::Tensor Model::forward(const at::Tensor& inputIds, const at::Tensor& attentionMask, DecodeState* state,
                          std::vector<at::Tensor>* hiddenStates) {
  if (inputIds.dim() != 2) throw Error("forward: input_ids must be [batch, seq]");
  const int64_t B = inputIds.size(0), S = inputIds.size(1);
  if (S == 0) throw Error("forward: input_ids has no tokens");
  auto ids = inputIds.to(device_, at::kLong);
  if (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= config_.vocabSize)
    throw Error("forward: token id out of range [0, " + std::to_string(config_.vocabSize) + ")");
  at::Tensor newMask = attentionMask.defined() ? attentionMask.to(device_, at::kLong)
                                               : at::ones({B, S}, ids.options());
  if (newMask.sizes() != ids.sizes()) throw Error("forward: attention_mask shape differs from input_ids");

  StepInputs in;
  in.inputIds = ids;
  in.pastLength = state ? state->length() : 0;
  if (state && in.pastLength > 0) {
    if (state->mask().size(0) != B) throw Error("forward: batch size differs from the decode state's");
    in.fullMask = at::cat({state->mask(), newMask}, 1);
  } else {
    in.fullMask = newMask;
  }
  // A learned position table has no row past its length; rotary and ALiBi models extrapolate.
  if (config_.attention.position == PositionKind::Learned && in.pastLength + S > config_.maxPositions)
    throw Error("forward: " + std::to_string(in.pastLength + S) + " tokens exceed the model's " +
                std::to_string(config_.maxPositions) + " positions");
  in.positions = blocks::positionsFromMask(in.fullMask, S);
  at::Tensor logits = forwardImpl(in, state, hiddenStates);
  if (state) state->commitStep(in.fullMask);
  return logits.to(at::kFloat);
}

std::vector<LinearWeight> Model::linearWeights() {
  std::vector<LinearWeight> out;
  collectLinears(out);
  return out;
}

at::Tensor Model::linear(const at::Tensor& x, int layer, TensorRole role, const at::Tensor& weight,
                         const at::Tensor& bias, int expert) {
  if (hooks_.empty()) return at::linear(x, weight, bias);
  at::Tensor input = x;
  hooks_.run(HookPoint{layer, role, TensorKind::Activation, expert}, input);
  return at::linear(input, weight, bias);
}

std::pair<at::Tensor, at::Tensor> Model::storeKv(int layer, at::Tensor k, at::Tensor v, DecodeState* state) {
  if (!hooks_.empty()) {
    hooks_.run(HookPoint{layer, TensorRole::KProj, TensorKind::Key}, k);
    hooks_.run(HookPoint{layer, TensorRole::VProj, TensorKind::Value}, v);
  }
  if (!state) return {k, v};
  auto* cache = dynamic_cast<KvCache*>(state);
  if (!cache) throw Error("forward: this model's decode state is a KV cache; got another kind of state");
  return cache->append(layer, k, v);
}

}  // namespace qs
