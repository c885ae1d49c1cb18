// OPT (125m .. 66b with hidden == word_embed_proj_dim): learned positions with an offset of 2,
// pre- or post-LayerNorm, biased projections, ReLU MLP, tied lm_head.
#include <ATen/ATen.h>

#include <cmath>

#include "core/model/blocks.h"
#include "core/model/families/families.h"
#include "core/model/weight_loader.h"

namespace qs {
namespace {

constexpr int64_t kPositionOffset = 2;  // OPTLearnedPositionalEmbedding reserves two rows

struct OptLayer {
  at::Tensor attnNormW, attnNormB, mlpNormW, mlpNormB;
  at::Tensor wq, wk, wv, wo, bq, bk, bv, bo;
  at::Tensor w1, b1, w2, b2;
};

class OptModel final : public Model {
 public:
  OptModel(std::filesystem::path dir, ModelConfig config, const Checkpoint& ckpt, c10::Device device,
           c10::ScalarType dtype)
      : Model(std::move(dir), std::move(config), device, dtype) {
    const auto& c = config_;
    const int64_t C = c.hiddenSize, F = c.intermediateSize, V = c.vocabSize;
    WeightLoader w(ckpt, Family::Opt, device_, dtype_);
    embed_ = w.weight(TensorRole::TokenEmbedding, -1, {V, C});
    positions_ = w.weight(TensorRole::PositionEmbedding, -1, {c.maxPositions + kPositionOffset, C});
    const bool b = c.attentionBias;
    for (int l = 0; l < c.numLayers; ++l) {
      OptLayer L;
      L.attnNormW = w.weight(TensorRole::AttnNorm, l, {C});
      L.attnNormB = w.bias(TensorRole::AttnNorm, l, {C}, true);
      L.mlpNormW = w.weight(TensorRole::MlpNorm, l, {C});
      L.mlpNormB = w.bias(TensorRole::MlpNorm, l, {C}, true);
      L.wq = w.weight(TensorRole::QProj, l, {C, C});
      L.wk = w.weight(TensorRole::KProj, l, {C, C});
      L.wv = w.weight(TensorRole::VProj, l, {C, C});
      L.wo = w.weight(TensorRole::OutProj, l, {C, C});
      L.bq = w.bias(TensorRole::QProj, l, {C}, b);
      L.bk = w.bias(TensorRole::KProj, l, {C}, b);
      L.bv = w.bias(TensorRole::VProj, l, {C}, b);
      L.bo = w.bias(TensorRole::OutProj, l, {C}, b);
      L.w1 = w.weight(TensorRole::Fc1, l, {F, C});
      L.b1 = w.bias(TensorRole::Fc1, l, {F}, b);
      L.w2 = w.weight(TensorRole::Fc2, l, {C, F});
      L.b2 = w.bias(TensorRole::Fc2, l, {C}, b);
      layers_.push_back(std::move(L));
    }
    if (c.doLayerNormBefore) {
      finalNormW_ = w.weight(TensorRole::FinalNorm, -1, {C});
      finalNormB_ = w.bias(TensorRole::FinalNorm, -1, {C}, true);
    }
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
    const bool pre = c.doLayerNormBefore;
    // Hugging Face gives padding position -1 (+ offset); its output is never used, so 0 is as good.
    at::Tensor h = at::embedding(embed_, in.inputIds) + at::embedding(positions_, in.positions + kPositionOffset);
    if (hidden) hidden->push_back(h);
    auto bias = blocks::causalBias(in.fullMask, S, dtype_);
    const double scale = 1.0 / std::sqrt(static_cast<double>(c.headDim));
    for (int l = 0; l < c.numLayers; ++l) {
      const auto& L = layers_[l];
      auto x = pre ? blocks::layerNorm(h, L.attnNormW, L.attnNormB, c.normEps) : h;
      auto q = blocks::splitHeads(linear(x, l, TensorRole::QProj, L.wq, L.bq), c.numHeads, c.headDim);
      auto k = blocks::splitHeads(linear(x, l, TensorRole::KProj, L.wk, L.bk), c.numKvHeads, c.headDim);
      auto v = blocks::splitHeads(linear(x, l, TensorRole::VProj, L.wv, L.bv), c.numKvHeads, c.headDim);
      auto [K, Vv] = storeKv(l, k, v, cache);
      auto attn = blocks::mergeHeads(blocks::attention(q, K, Vv, bias, scale));
      h = h + linear(attn, l, TensorRole::OutProj, L.wo, L.bo);
      if (!pre) h = blocks::layerNorm(h, L.attnNormW, L.attnNormB, c.normEps);
      x = pre ? blocks::layerNorm(h, L.mlpNormW, L.mlpNormB, c.normEps) : h;
      auto f = blocks::activation(linear(x, l, TensorRole::Fc1, L.w1, L.b1), c.activation);
      h = h + linear(f, l, TensorRole::Fc2, L.w2, L.b2);
      if (!pre) h = blocks::layerNorm(h, L.mlpNormW, L.mlpNormB, c.normEps);
      if (hidden) hidden->push_back(h);
    }
    if (pre) h = blocks::layerNorm(h, finalNormW_, finalNormB_, c.normEps);
    return linear(h, -1, TensorRole::LmHead, lmHead_, at::Tensor());
  }

  void collectLinears(std::vector<LinearWeight>& out) override {
    for (int l = 0; l < config_.numLayers; ++l) {
      auto& L = layers_[l];
      out.push_back({l, TensorRole::QProj, -1, &L.wq, &L.bq});
      out.push_back({l, TensorRole::KProj, -1, &L.wk, &L.bk});
      out.push_back({l, TensorRole::VProj, -1, &L.wv, &L.bv});
      out.push_back({l, TensorRole::OutProj, -1, &L.wo, &L.bo});
      out.push_back({l, TensorRole::Fc1, -1, &L.w1, &L.b1});
      out.push_back({l, TensorRole::Fc2, -1, &L.w2, &L.b2});
    }
    out.push_back({-1, TensorRole::LmHead, -1, &lmHead_, nullptr});
  }

 private:
  at::Tensor embed_, positions_, finalNormW_, finalNormB_, lmHead_;
  std::vector<OptLayer> layers_;
};

}  // namespace

std::unique_ptr<Model> makeOptModel(std::filesystem::path dir, ModelConfig config, const Checkpoint& ckpt,
                                    c10::Device device, c10::ScalarType dtype) {
  return std::make_unique<OptModel>(std::move(dir), std::move(config), ckpt, device, dtype);
}

}  // namespace qs
