// Mamba (state-spaces/mamba-*-hf): no attention and no KV cache. Each layer is RMSNorm then a
// selective state-space mixer: in_proj to [x | gate], a causal depthwise conv1d over x, x_proj to
// [dt | B | C], dt_proj and softplus, A = -exp(A_log), the scan h = exp(A dt) h + dt B x, the D
// skip, the gate, out_proj; a residual around it; tied embeddings. It follows Hugging Face's
// pure-torch slow path. Its decode state (core/model/ssm_state.h) holds the conv window and the SSM
// state; padding enters neither (its inputs and dt are zeroed), so a left-padded row equals the
// unpadded one.
#include <ATen/ATen.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "core/model/blocks.h"
#include "core/model/config_reader.h"
#include "core/model/family.h"
#include "core/model/model.h"
#include "core/model/ssm_state.h"
#include "core/model/weight_loader.h"

namespace qs {
namespace {

void readConfig(const ConfigReader& r, ModelConfig& c) {
  c.hiddenSize = r.positiveInt({"hidden_size", "d_model"});
  c.numLayers = r.positiveInt({"num_hidden_layers", "n_layer"});
  c.maxPositions = 0;  // a recurrence: no position limit of its own
  c.normEps = r.positiveNumberOr("layer_norm_epsilon", 1e-5);
  c.tieWordEmbeddings = r.boolOr("tie_word_embeddings", true);
  auto& s = c.ssm;
  s.stateSize = r.positiveInt("state_size");
  s.convKernel = r.positiveInt("conv_kernel");
  s.expand = r.positiveInt("expand");
  // time_step_rank "auto" = ceil(hidden_size / 16), as MambaConfig resolves it.
  const auto& raw = r.raw();
  if (auto it = raw.find("time_step_rank"); it != raw.end() && it->is_string() && *it == "auto")
    s.timeStepRank = (c.hiddenSize + 15) / 16;
  else
    s.timeStepRank = r.positiveInt("time_step_rank");
  c.mlp.intermediateSize = r.has("intermediate_size")
                               ? r.intOr("intermediate_size", 0)
                               : r.product(s.expand, c.hiddenSize, "intermediate_size = expand x hidden_size");
  c.mlp.activation = r.stringOr("hidden_act", "silu");
  if (!blocks::knownActivation(c.mlp.activation)) r.fail("hidden_act \"" + c.mlp.activation + "\" is not supported");
  c.mlp.bias = r.boolOr("use_bias", false);
  s.convBias = r.boolOr("use_conv_bias", true);
  c.layout.norm = NormKind::RmsNorm;
}

void writeConfig(const ModelConfig& c, nlohmann::json& j) {
  j["architectures"] = {"MambaForCausalLM"};
  j["hidden_size"] = c.hiddenSize;
  j["num_hidden_layers"] = c.numLayers;
  j["layer_norm_epsilon"] = c.normEps;
  j["state_size"] = c.ssm.stateSize;
  j["conv_kernel"] = c.ssm.convKernel;
  j["expand"] = c.ssm.expand;
  j["time_step_rank"] = c.ssm.timeStepRank;
  j["intermediate_size"] = c.mlp.intermediateSize;
  j["hidden_act"] = c.mlp.activation;
  j["use_bias"] = c.mlp.bias;
  j["use_conv_bias"] = c.ssm.convBias;
  j["tie_word_embeddings"] = c.tieWordEmbeddings;
}

TensorPlan plan(const ModelConfig& c) {
  const int64_t C = c.hiddenSize, I = c.mlp.intermediateSize, V = c.vocabSize;
  const int64_t N = c.ssm.stateSize, K = c.ssm.convKernel, R = c.ssm.timeStepRank;
  const std::string L = "backbone.layers.{L}.";
  PlanBuilder p(c.numLayers);
  p.global(TensorRole::TokenEmbedding, "backbone.embeddings.weight", {V, C});
  p.norm(TensorRole::AttnNorm, L + "norm", C, false);
  p.linear(TensorRole::MixerInProj, L + "mixer.in_proj", 2 * I, C, c.mlp.bias);
  for (int l = 0; l < c.numLayers; ++l) {
    const std::string m = expandLayer(L, l) + "mixer.";
    p.add({m + "conv1d.weight", TensorRole::Conv1d, l, -1, false, {I, 1, K}});
    if (c.ssm.convBias) p.add({m + "conv1d.bias", TensorRole::Conv1d, l, -1, true, {I}});
    p.add({m + "A_log", TensorRole::SsmALog, l, -1, false, {I, N}});
    p.add({m + "D", TensorRole::SsmD, l, -1, false, {I}});
  }
  p.linear(TensorRole::MixerXProj, L + "mixer.x_proj", R + 2 * N, I, false);
  p.linear(TensorRole::MixerDtProj, L + "mixer.dt_proj", I, R, true);
  p.linear(TensorRole::MixerOutProj, L + "mixer.out_proj", C, I, c.mlp.bias);
  p.norm(TensorRole::FinalNorm, "backbone.norm_f", C, false, /*perLayer=*/false);
  p.global(TensorRole::LmHead, "lm_head.weight", {V, C}, false, /*optional=*/true);
  return p.take();
}

struct MambaLayer {
  at::Tensor norm, wIn, bIn, convW, convB, aLog, d, wX, wDt, bDt, wOut, bOut;
};

class MambaModel final : public Model {
 public:
  MambaModel(std::filesystem::path dir, ModelConfig config, const LoadedWeights& w, c10::Device device,
             c10::ScalarType dtype)
      : Model(std::move(dir), std::move(config), device, dtype) {
    embed_ = w.weight(TensorRole::TokenEmbedding);
    for (int l = 0; l < config_.numLayers; ++l) {
      MambaLayer L;
      L.norm = w.weight(TensorRole::AttnNorm, l);
      L.wIn = w.weight(TensorRole::MixerInProj, l), L.bIn = w.bias(TensorRole::MixerInProj, l);
      L.convW = w.weight(TensorRole::Conv1d, l), L.convB = w.bias(TensorRole::Conv1d, l);
      L.aLog = w.weight(TensorRole::SsmALog, l);
      L.d = w.weight(TensorRole::SsmD, l);
      L.wX = w.weight(TensorRole::MixerXProj, l);
      L.wDt = w.weight(TensorRole::MixerDtProj, l), L.bDt = w.bias(TensorRole::MixerDtProj, l);
      L.wOut = w.weight(TensorRole::MixerOutProj, l), L.bOut = w.bias(TensorRole::MixerOutProj, l);
      layers_.push_back(std::move(L));
    }
    finalNorm_ = w.weight(TensorRole::FinalNorm);
    lmHead_ = (!config_.tieWordEmbeddings && w.has(TensorRole::LmHead)) ? w.weight(TensorRole::LmHead) : embed_;
    parameterCount_ = w.parameterCount();
    weightBytes_ = w.bytes();
  }

  std::unique_ptr<DecodeState> makeState() const override { return std::make_unique<SsmState>(config_.numLayers); }

  std::vector<LinearWeight> otherParameters() override {
    std::vector<LinearWeight> out;
    for (int l = 0; l < config_.numLayers; ++l) {
      auto& L = layers_[l];
      out.push_back({l, TensorRole::Conv1d, -1, &L.convW, &L.convB});
      out.push_back({l, TensorRole::SsmALog, -1, &L.aLog, nullptr});
      out.push_back({l, TensorRole::SsmD, -1, &L.d, nullptr});
    }
    return out;
  }

 protected:
  at::Tensor forwardImpl(const StepInputs& in, DecodeState* decode, std::vector<at::Tensor>* hidden) override {
    SsmState* state = nullptr;
    if (decode) {
      state = dynamic_cast<SsmState*>(decode);
      if (!state) throw Error("forward: a Mamba model needs its own decode state (makeState), not a KV cache");
    }
    const int64_t S = in.inputIds.size(1);
    // 1 for the new tokens that are real, 0 for padding: [B, S, 1].
    auto real = in.fullMask.narrow(1, in.fullMask.size(1) - S, S).to(dtype_).unsqueeze(-1);
    at::Tensor h = at::embedding(embed_, in.inputIds);
    if (hidden) hidden->push_back(h);
    for (int l = 0; l < config_.numLayers; ++l) {
      auto x = blocks::rmsNorm(h, layers_[l].norm, config_.normEps);
      h = h + mixer(l, x, real, state);
      if (hidden) hidden->push_back(h);
    }
    h = blocks::rmsNorm(h, finalNorm_, config_.normEps);
    return linear(h, -1, TensorRole::LmHead, lmHead_, at::Tensor());
  }

  void collectLinears(std::vector<LinearWeight>& out) override {
    for (int l = 0; l < config_.numLayers; ++l) {
      auto& L = layers_[l];
      out.push_back({l, TensorRole::MixerInProj, -1, &L.wIn, &L.bIn});
      out.push_back({l, TensorRole::MixerXProj, -1, &L.wX, nullptr});
      out.push_back({l, TensorRole::MixerDtProj, -1, &L.wDt, &L.bDt});
      out.push_back({l, TensorRole::MixerOutProj, -1, &L.wOut, &L.bOut});
    }
    out.push_back({-1, TensorRole::LmHead, -1, &lmHead_, nullptr});
  }

 private:
  // x [B, S, C] -> [B, S, C]; real [B, S, 1] zeroes padding out of the conv window and the scan.
  at::Tensor mixer(int l, const at::Tensor& x, const at::Tensor& real, SsmState* state) {
    const auto& L = layers_[l];
    const auto& s = config_.ssm;
    const int64_t B = x.size(0), S = x.size(1), I = config_.mlp.intermediateSize, K = s.convKernel;
    const int64_t N = s.stateSize, R = s.timeStepRank;
    const auto& act = config_.mlp.activation;
    auto projected = linear(x, l, TensorRole::MixerInProj, L.wIn, L.bIn);  // [B, S, 2I]
    auto xs = (projected.narrow(-1, 0, I) * real).transpose(1, 2);         // [B, I, S]
    auto gate = projected.narrow(-1, I, I).transpose(1, 2);

    // Causal depthwise conv over the kept window (zeros before the first token) and the new inputs.
    at::Tensor window = state && state->conv[l].defined() ? state->conv[l] : at::zeros({B, I, K - 1}, xs.options());
    auto full = at::cat({window, xs}, 2);  // [B, I, K - 1 + S]
    if (state) state->conv[l] = full.narrow(2, full.size(2) - (K - 1), K - 1).contiguous();
    auto u = blocks::activation(at::conv1d(full, L.convW, L.convB, at::IntArrayRef{1}, at::IntArrayRef{0}, at::IntArrayRef{1}, I), act);  // [B, I, S]

    auto params = linear(u.transpose(1, 2), l, TensorRole::MixerXProj, L.wX, at::Tensor());  // [B, S, R + 2N]
    auto dt = linear(params.narrow(-1, 0, R), l, TensorRole::MixerDtProj, L.wDt, L.bDt);     // [B, S, I]
    dt = (at::softplus(dt) * real).transpose(1, 2).to(at::kFloat);                             // [B, I, S]
    auto Bm = params.narrow(-1, R, N).to(at::kFloat);                                          // [B, S, N]
    auto Cm = params.narrow(-1, R + N, N);                                                     // [B, S, N]
    auto A = -at::exp(L.aLog.to(at::kFloat));                                                  // [I, N]
    auto dA = at::exp(A.unsqueeze(0).unsqueeze(2) * dt.unsqueeze(-1));                         // [B, I, S, N]
    auto dBu = dt.unsqueeze(-1) * Bm.unsqueeze(1) * u.to(at::kFloat).unsqueeze(-1);           // [B, I, S, N]

    at::Tensor h = state && state->ssm[l].defined() ? state->ssm[l]
                                                   : at::zeros({B, I, N}, xs.options().dtype(at::kFloat));
    std::vector<at::Tensor> ys;
    ys.reserve(S);
    for (int64_t i = 0; i < S; ++i) {
      h = dA.select(2, i) * h + dBu.select(2, i);
      ys.push_back(at::matmul(h.to(x.scalar_type()), Cm.select(1, i).unsqueeze(-1)));  // [B, I, 1]
    }
    if (state) state->ssm[l] = h;
    auto y = at::cat(ys, -1);                            // [B, I, S]
    y = y + u * L.d.view({1, -1, 1});
    y = y * blocks::activation(gate, act);
    return linear(y.transpose(1, 2), l, TensorRole::MixerOutProj, L.wOut, L.bOut);
  }

  at::Tensor embed_, finalNorm_, lmHead_;
  std::vector<MambaLayer> layers_;
};

std::unique_ptr<Model> build(std::filesystem::path dir, ModelConfig config, LoadedWeights weights, c10::Device device,
                             c10::ScalarType dtype) {
  return std::make_unique<MambaModel>(std::move(dir), std::move(config), weights, device, dtype);
}

}  // namespace

const Family& mambaFamily() {
  static const Family f{"mamba", {"mamba"}, "Mamba (selective state space, no attention)", readConfig, writeConfig,
                        plan, build};
  return f;
}

}  // namespace qs
