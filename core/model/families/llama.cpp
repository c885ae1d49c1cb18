// LLaMA, LLaMA-2, Vicuna, LongChat (linear RoPE scaling), with grouped-query attention.
#include <ATen/ATen.h>

#include <cmath>

#include "core/model/blocks.h"
#include "core/model/families/families.h"
#include "core/model/weight_loader.h"

namespace qs {
namespace {

struct LlamaLayer {
  at::Tensor attnNorm, mlpNorm;
  at::Tensor wq, wk, wv, wo, bq, bk, bv, bo;
  at::Tensor wGate, wUp, wDown, bGate, bUp, bDown;
};

class LlamaModel final : public Model {
 public:
  LlamaModel(std::filesystem::path dir, ModelConfig config, const Checkpoint& ckpt, c10::Device device,
             c10::ScalarType dtype)
      : Model(std::move(dir), std::move(config), device, dtype) {
    const auto& c = config_;
    const int64_t C = c.hiddenSize, F = c.intermediateSize, V = c.vocabSize;
    const int64_t qDim = c.numHeads * c.headDim, kvDim = c.numKvHeads * c.headDim;
    WeightLoader w(ckpt, Family::Llama, device_, dtype_);
    embed_ = w.weight(TensorRole::TokenEmbedding, -1, {V, C});
    for (int l = 0; l < c.numLayers; ++l) {
      LlamaLayer L;
      L.attnNorm = w.weight(TensorRole::AttnNorm, l, {C});
      L.mlpNorm = w.weight(TensorRole::MlpNorm, l, {C});
      L.wq = w.weight(TensorRole::QProj, l, {qDim, C});
      L.wk = w.weight(TensorRole::KProj, l, {kvDim, C});
      L.wv = w.weight(TensorRole::VProj, l, {kvDim, C});
      L.wo = w.weight(TensorRole::OutProj, l, {C, qDim});
      L.bq = w.bias(TensorRole::QProj, l, {qDim}, c.attentionBias);
      L.bk = w.bias(TensorRole::KProj, l, {kvDim}, c.attentionBias);
      L.bv = w.bias(TensorRole::VProj, l, {kvDim}, c.attentionBias);
      L.bo = w.bias(TensorRole::OutProj, l, {C}, c.attentionBias);
      L.wGate = w.weight(TensorRole::GateProj, l, {F, C});
      L.wUp = w.weight(TensorRole::UpProj, l, {F, C});
      L.wDown = w.weight(TensorRole::DownProj, l, {C, F});
      L.bGate = w.bias(TensorRole::GateProj, l, {F}, c.mlpBias);
      L.bUp = w.bias(TensorRole::UpProj, l, {F}, c.mlpBias);
      L.bDown = w.bias(TensorRole::DownProj, l, {C}, c.mlpBias);
      layers_.push_back(std::move(L));
    }
    finalNorm_ = w.weight(TensorRole::FinalNorm, -1, {C});
    // Tied checkpoints omit lm_head; some untied ones are saved tied too.
    lmHead_ = (!c.tieWordEmbeddings && w.hasWeight(TensorRole::LmHead, -1))
                  ? w.weight(TensorRole::LmHead, -1, {V, C})
                  : embed_;
    parameterCount_ = w.parameterCount();
    weightBytes_ = w.bytes();
  }

 protected:
  at::Tensor forwardImpl(const StepInputs& in, KvCache* cache, std::vector<at::Tensor>* hidden) override {
    const auto& c = config_;
    const int64_t S = in.inputIds.size(1);
    at::Tensor h = at::embedding(embed_, in.inputIds);
    if (hidden) hidden->push_back(h);
    auto rot = blocks::rotaryTables(in.positions, c.headDim, c.ropeTheta, c.ropeLinearScale, dtype_);
    auto bias = blocks::causalBias(in.fullMask, S, dtype_);
    const double scale = 1.0 / std::sqrt(static_cast<double>(c.headDim));
    for (int l = 0; l < c.numLayers; ++l) {
      const auto& L = layers_[l];
      auto x = blocks::rmsNorm(h, L.attnNorm, c.normEps);
      auto q = blocks::splitHeads(linear(x, l, TensorRole::QProj, L.wq, L.bq), c.numHeads, c.headDim);
      auto k = blocks::splitHeads(linear(x, l, TensorRole::KProj, L.wk, L.bk), c.numKvHeads, c.headDim);
      auto v = blocks::splitHeads(linear(x, l, TensorRole::VProj, L.wv, L.bv), c.numKvHeads, c.headDim);
      q = blocks::applyRotary(q, rot);
      k = blocks::applyRotary(k, rot);
      auto [K, Vv] = storeKv(l, k, v, cache);
      auto attn = blocks::mergeHeads(blocks::attention(q, K, Vv, bias, scale));
      h = h + linear(attn, l, TensorRole::OutProj, L.wo, L.bo);
      x = blocks::rmsNorm(h, L.mlpNorm, c.normEps);
      auto gate = blocks::activation(linear(x, l, TensorRole::GateProj, L.wGate, L.bGate), c.activation);
      auto up = linear(x, l, TensorRole::UpProj, L.wUp, L.bUp);
      h = h + linear(gate * up, l, TensorRole::DownProj, L.wDown, L.bDown);
      if (hidden) hidden->push_back(h);
    }
    h = blocks::rmsNorm(h, finalNorm_, c.normEps);
    return linear(h, -1, TensorRole::LmHead, lmHead_, at::Tensor());
  }

  void collectLinears(std::vector<LinearWeight>& out) override {
    for (int l = 0; l < config_.numLayers; ++l) {
      auto& L = layers_[l];
      out.push_back({l, TensorRole::QProj, -1, &L.wq, &L.bq});
      out.push_back({l, TensorRole::KProj, -1, &L.wk, &L.bk});
      out.push_back({l, TensorRole::VProj, -1, &L.wv, &L.bv});
      out.push_back({l, TensorRole::OutProj, -1, &L.wo, &L.bo});
      out.push_back({l, TensorRole::GateProj, -1, &L.wGate, &L.bGate});
      out.push_back({l, TensorRole::UpProj, -1, &L.wUp, &L.bUp});
      out.push_back({l, TensorRole::DownProj, -1, &L.wDown, &L.bDown});
    }
    out.push_back({-1, TensorRole::LmHead, -1, &lmHead_, nullptr});
  }

 private:
  at::Tensor embed_, finalNorm_, lmHead_;
  std::vector<LlamaLayer> layers_;
};

}  // namespace

std::unique_ptr<Model> makeLlamaModel(std::filesystem::path dir, ModelConfig config, const Checkpoint& ckpt,
                                      c10::Device device, c10::ScalarType dtype) {
  return std::make_unique<LlamaModel>(std::move(dir), std::move(config), ckpt, device, dtype);
}

}  // namespace qs
