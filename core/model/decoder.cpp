#include "core/model/decoder.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/base/error.h"
#include "core/model/blocks.h"
#include "core/model/weight_loader.h"

namespace qs {
namespace {

struct Expert {
  at::Tensor wGate, bGate, wUp, bUp, wDown, bDown;
};

struct DecoderLayer {
  at::Tensor norm1W, norm1B, norm2W, norm2B;
  at::Tensor wq, bq, wk, bk, wv, bv, wo, bo;
  at::Tensor qNorm, kNorm;  // [H, D] / [G, D] per-head LayerNorm weights (StableLM), else undefined
  at::Tensor wGate, bGate, wIn, bIn, wOut, bOut;  // gated: gate/up/down; plain: fc1/fc2 (no gate)
  at::Tensor router;                              // mixture of experts: [E, C]
  std::vector<Expert> experts;
};

// Per-head LayerNorm without bias over the last dimension of x [B, heads, S, D], weight [heads, D].
at::Tensor perHeadLayerNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  auto xf = x.to(at::kFloat);
  auto mean = xf.mean(-1, true);
  auto var = (xf - mean).pow(2).mean(-1, true);
  auto y = (xf - mean) * at::rsqrt(var + eps);
  return (y * weight.to(at::kFloat).unsqueeze(1).unsqueeze(0)).to(x.scalar_type());
}

class DecoderModel final : public Model {
 public:
  DecoderModel(std::filesystem::path dir, ModelConfig config, const LoadedWeights& w, c10::Device device,
               c10::ScalarType dtype)
      : Model(std::move(dir), std::move(config), device, dtype) {
    const auto& c = config_;
    const auto& a = c.attention;
    const bool gated = c.mlp.gated;
    inRole_ = gated ? TensorRole::UpProj : TensorRole::Fc1;
    outRole_ = gated ? TensorRole::DownProj : TensorRole::Fc2;
    embed_ = w.weight(TensorRole::TokenEmbedding);
    positions_ = w.weight(TensorRole::PositionEmbedding);
    embedNormW_ = w.weight(TensorRole::EmbeddingNorm);
    embedNormB_ = w.bias(TensorRole::EmbeddingNorm);
    projectIn_ = w.weight(TensorRole::ProjectIn);
    projectOut_ = w.weight(TensorRole::ProjectOut);
    for (int l = 0; l < c.numLayers; ++l) {
      DecoderLayer L;
      L.norm1W = w.weight(TensorRole::AttnNorm, l);
      L.norm1B = w.bias(TensorRole::AttnNorm, l);
      L.norm2W = w.weight(TensorRole::MlpNorm, l);
      L.norm2B = w.bias(TensorRole::MlpNorm, l);
      if (a.qkvLayout == QkvLayout::Separate) {
        L.wq = w.weight(TensorRole::QProj, l), L.bq = w.bias(TensorRole::QProj, l);
        L.wk = w.weight(TensorRole::KProj, l), L.bk = w.bias(TensorRole::KProj, l);
        L.wv = w.weight(TensorRole::VProj, l), L.bv = w.bias(TensorRole::VProj, l);
      } else {
        // Fused q/k/v is split once here, so hooks, rules and statistics see q, k and v.
        auto parts = blocks::splitQkv(w.weight(TensorRole::QkvProj, l), a.qkvLayout, a.numHeads, a.numKvHeads, a.headDim);
        L.wq = parts.q, L.wk = parts.k, L.wv = parts.v;
        if (auto b = w.bias(TensorRole::QkvProj, l); b.defined()) {
          auto bp = blocks::splitQkv(b, a.qkvLayout, a.numHeads, a.numKvHeads, a.headDim);
          L.bq = bp.q, L.bk = bp.k, L.bv = bp.v;
        }
      }
      L.wo = w.weight(TensorRole::OutProj, l), L.bo = w.bias(TensorRole::OutProj, l);
      if (a.qkNorm) {
        L.qNorm = stackHeads(w, TensorRole::QNorm, l, a.numHeads);
        L.kNorm = stackHeads(w, TensorRole::KNorm, l, a.numKvHeads);
      }
      if (c.moe.numExperts > 0) {
        L.router = w.weight(TensorRole::Router, l);
        for (int e = 0; e < c.moe.numExperts; ++e)
          L.experts.push_back({w.weight(TensorRole::GateProj, l, e), w.bias(TensorRole::GateProj, l, e),
                               w.weight(TensorRole::UpProj, l, e), w.bias(TensorRole::UpProj, l, e),
                               w.weight(TensorRole::DownProj, l, e), w.bias(TensorRole::DownProj, l, e)});
        layers_.push_back(std::move(L));
        continue;
      }
      if (auto fused = w.weight(TensorRole::GateUpProj, l); fused.defined()) {
        // ChatGLM's dense_h_to_4h: [gate; up], split once so rules and statistics see both.
        const int64_t F = fused.size(0) / 2;
        L.wGate = fused.narrow(0, 0, F).contiguous();
        L.wIn = fused.narrow(0, F, F).contiguous();
        if (auto b = w.bias(TensorRole::GateUpProj, l); b.defined())
          L.bGate = b.narrow(0, 0, F).contiguous(), L.bIn = b.narrow(0, F, F).contiguous();
      } else {
        if (gated) L.wGate = w.weight(TensorRole::GateProj, l), L.bGate = w.bias(TensorRole::GateProj, l);
        L.wIn = w.weight(inRole_, l), L.bIn = w.bias(inRole_, l);
      }
      L.wOut = w.weight(outRole_, l), L.bOut = w.bias(outRole_, l);
      layers_.push_back(std::move(L));
    }
    finalNormW_ = w.weight(TensorRole::FinalNorm);
    finalNormB_ = w.bias(TensorRole::FinalNorm);
    // Tied checkpoints omit lm_head; some untied ones are saved tied too.
    lmHead_ = (!c.tieWordEmbeddings && w.has(TensorRole::LmHead)) ? w.weight(TensorRole::LmHead) : embed_;
    parameterCount_ = w.parameterCount();
    weightBytes_ = w.bytes();
  }

 protected:
  at::Tensor forwardImpl(const StepInputs& in, DecodeState* state, std::vector<at::Tensor>* hidden) override {
    const auto& c = config_;
    const auto& a = c.attention;
    const auto& lay = c.layout;
    const int64_t S = in.inputIds.size(1);

    at::Tensor h = at::embedding(embed_, in.inputIds);
    if (projectIn_.defined()) h = at::linear(h, projectIn_);
    if (lay.scaleEmbedding) {
      // Gemma rounds sqrt(hidden) to the compute dtype before multiplying.
      auto normalizer = at::scalar_tensor(std::sqrt(static_cast<double>(c.hiddenSize)), h.options());
      h = h * normalizer;
    }
    if (a.position == PositionKind::Learned)
      h = h + at::embedding(positions_, in.positions + lay.positionOffset);
    if (lay.embeddingNorm) h = blocks::layerNorm(h, embedNormW_, embedNormB_, c.normEps);
    if (hidden) hidden->push_back(h);

    auto bias = blocks::causalBias(in.fullMask, S, dtype_, a.slidingWindow);
    if (a.position == PositionKind::Alibi) {
      auto alibi = blocks::alibiBias(in.fullMask, a.numHeads);
      if (a.alibiScaled) alibi = alibi * (1.0 / std::sqrt(static_cast<double>(a.headDim)));
      bias = bias + alibi.to(dtype_);  // [B, H, S, T]; masked entries stay far below any score
    }
    blocks::Rotary rot;
    if (a.position == PositionKind::Rotary)
      rot = blocks::rotaryTables(in.positions, a.rotaryDim > 0 ? a.rotaryDim : a.headDim, a.ropeTheta,
                                 a.ropeLinearScale, dtype_, a.rotaryInterleaved);

    for (int l = 0; l < c.numLayers; ++l) {
      const auto& L = layers_[l];
      const bool post = lay.residual == ResidualKind::PostNorm;
      auto x = post ? h : blocks::norm(lay.norm, h, L.norm1W, L.norm1B, c.normEps);
      auto attn = attention(l, x, rot, bias, state);
      switch (lay.residual) {
        case ResidualKind::Sequential: {
          auto residual = lay.residualFromNorm ? x : h;
          h = residual + attn;
          auto x2 = blocks::norm(lay.norm, h, L.norm2W, L.norm2B, c.normEps);
          h = (lay.residualFromNorm ? x2 : h) + mlp(l, x2);
          break;
        }
        case ResidualKind::Parallel: {
          auto x2 = lay.parallelTwoNorms ? blocks::norm(lay.norm, h, L.norm2W, L.norm2B, c.normEps) : x;
          h = h + (mlp(l, x2) + attn);
          break;
        }
        case ResidualKind::PostNorm:
          h = blocks::norm(lay.norm, h + attn, L.norm1W, L.norm1B, c.normEps);
          h = blocks::norm(lay.norm, h + mlp(l, h), L.norm2W, L.norm2B, c.normEps);
          break;
      }
      if (hidden) hidden->push_back(h);
    }
    if (lay.finalNorm) h = blocks::norm(lay.norm, h, finalNormW_, finalNormB_, c.normEps);
    if (projectOut_.defined()) h = at::linear(h, projectOut_);
    return linear(h, -1, TensorRole::LmHead, lmHead_, at::Tensor());
  }

  std::vector<NormGroup> normGroups() override {
    const auto& lay = config_.layout;
    // Folding into a norm whose output also feeds the residual would change the residual stream.
    if (lay.residual == ResidualKind::PostNorm || lay.residualFromNorm) return {};
    std::vector<NormGroup> out;
    for (int l = 0; l < config_.numLayers; ++l) {
      auto& L = layers_[l];
      NormGroup attn{l, lay.norm, &L.norm1W, L.norm1B.defined() ? &L.norm1B : nullptr,
                     {{l, TensorRole::QProj, -1, &L.wq, &L.bq}, {l, TensorRole::KProj, -1, &L.wk, &L.bk},
                      {l, TensorRole::VProj, -1, &L.wv, &L.bv}}};
      std::vector<LinearWeight> mlpInputs;
      if (L.router.defined()) {
        mlpInputs.push_back({l, TensorRole::Router, -1, &L.router, nullptr});
        for (int e = 0; e < static_cast<int>(L.experts.size()); ++e) {
          mlpInputs.push_back({l, TensorRole::GateProj, e, &L.experts[e].wGate, &L.experts[e].bGate});
          mlpInputs.push_back({l, TensorRole::UpProj, e, &L.experts[e].wUp, &L.experts[e].bUp});
        }
      } else {
        if (L.wGate.defined()) mlpInputs.push_back({l, TensorRole::GateProj, -1, &L.wGate, &L.bGate});
        mlpInputs.push_back({l, inRole_, -1, &L.wIn, &L.bIn});
      }
      if (lay.residual == ResidualKind::Parallel && !lay.parallelTwoNorms) {
        // One norm feeds attention and MLP alike: one group, one scale.
        attn.linears.insert(attn.linears.end(), mlpInputs.begin(), mlpInputs.end());
        out.push_back(std::move(attn));
        continue;
      }
      out.push_back(std::move(attn));
      out.push_back({l, lay.norm, &L.norm2W, L.norm2B.defined() ? &L.norm2B : nullptr, std::move(mlpInputs)});
    }
    return out;
  }

  std::optional<NormGroup> finalNormGroup() override {
    const auto& lay = config_.layout;
    // OPT-350m's project_out sits between the norm and the head.
    if (!lay.finalNorm || projectOut_.defined()) return std::nullopt;
    return NormGroup{-1, lay.norm, &finalNormW_, finalNormB_.defined() ? &finalNormB_ : nullptr,
                     {{-1, TensorRole::LmHead, -1, &lmHead_, nullptr}}};
  }

  std::vector<LinearChain> linearChains() override {
    std::vector<LinearChain> out;
    const auto& a = config_.attention;
    for (int l = 0; l < config_.numLayers; ++l) {
      auto& L = layers_[l];
      if (a.numKvHeads == a.numHeads)
        out.push_back({{l, TensorRole::VProj, -1, &L.wv, &L.bv}, {l, TensorRole::OutProj, -1, &L.wo, &L.bo}});
      // act(gate) * up is linear in up; ReLU(x / s) = ReLU(x) / s for s > 0; other activations are not.
      if (L.router.defined()) continue;
      if (L.wGate.defined() || config_.mlp.activation == "relu")
        out.push_back({{l, inRole_, -1, &L.wIn, &L.bIn}, {l, outRole_, -1, &L.wOut, &L.bOut}});
    }
    return out;
  }

  void collectLinears(std::vector<LinearWeight>& out) override {
    for (int l = 0; l < config_.numLayers; ++l) {
      auto& L = layers_[l];
      out.push_back({l, TensorRole::QProj, -1, &L.wq, &L.bq});
      out.push_back({l, TensorRole::KProj, -1, &L.wk, &L.bk});
      out.push_back({l, TensorRole::VProj, -1, &L.wv, &L.bv});
      out.push_back({l, TensorRole::OutProj, -1, &L.wo, &L.bo});
      if (L.router.defined()) {
        out.push_back({l, TensorRole::Router, -1, &L.router, nullptr});
        for (int e = 0; e < static_cast<int>(L.experts.size()); ++e) {
          auto& E = L.experts[e];
          out.push_back({l, TensorRole::GateProj, e, &E.wGate, &E.bGate});
          out.push_back({l, TensorRole::UpProj, e, &E.wUp, &E.bUp});
          out.push_back({l, TensorRole::DownProj, e, &E.wDown, &E.bDown});
        }
        continue;
      }
      if (L.wGate.defined()) out.push_back({l, TensorRole::GateProj, -1, &L.wGate, &L.bGate});
      out.push_back({l, inRole_, -1, &L.wIn, &L.bIn});
      out.push_back({l, outRole_, -1, &L.wOut, &L.bOut});
    }
    out.push_back({-1, TensorRole::LmHead, -1, &lmHead_, nullptr});
  }

 private:
  static at::Tensor stackHeads(const LoadedWeights& w, TensorRole role, int layer, int heads) {
    std::vector<at::Tensor> rows;
    for (int h = 0; h < heads; ++h) rows.push_back(w.weight(role, layer, h));
    return at::stack(rows);
  }

  double attentionScale(int layer) const {
    const auto& a = config_.attention;
    double scale = a.unscaled ? 1.0 : 1.0 / std::sqrt(static_cast<double>(a.headDim));
    if (a.scaleByInverseLayer) scale /= static_cast<double>(layer + 1);
    return scale;
  }

  at::Tensor attention(int l, const at::Tensor& x, const blocks::Rotary& rot, const at::Tensor& bias,
                       DecodeState* state) {
    const auto& a = config_.attention;
    const auto& L = layers_[l];
    auto q = blocks::splitHeads(linear(x, l, TensorRole::QProj, L.wq, L.bq), a.numHeads, a.headDim);
    auto k = blocks::splitHeads(linear(x, l, TensorRole::KProj, L.wk, L.bk), a.numKvHeads, a.headDim);
    auto v = blocks::splitHeads(linear(x, l, TensorRole::VProj, L.wv, L.bv), a.numKvHeads, a.headDim);
    if (L.qNorm.defined()) {
      q = perHeadLayerNorm(q, L.qNorm, config_.normEps);
      k = perHeadLayerNorm(k, L.kNorm, config_.normEps);
    }
    if (a.position == PositionKind::Rotary) {
      q = blocks::applyRotary(q, rot);
      k = blocks::applyRotary(k, rot);
    }
    auto [K, V] = storeKv(l, k, v, state);
    auto out = blocks::mergeHeads(blocks::attention(q, K, V, bias, attentionScale(l)));
    return linear(out, l, TensorRole::OutProj, L.wo, L.bo);
  }

  // Mixtral's sparse MoE block: softmax over the router logits in float32, the top-k experts per
  // token with their weights renormalised, each expert run on its tokens only (its hooks see
  // exactly those tokens, with the expert index).
  at::Tensor moe(int l, const at::Tensor& x) {
    const auto& L = layers_[l];
    const auto& m = config_.mlp;
    const int64_t C = x.size(-1);
    auto flat = x.reshape({-1, C});
    auto logits = linear(flat, l, TensorRole::Router, L.router, at::Tensor());
    auto probs = at::softmax(logits, 1, at::kFloat);
    auto [weights, selected] = probs.topk(config_.moe.topK, -1);
    weights = (weights / weights.sum(-1, true)).to(x.scalar_type());
    auto out = at::zeros_like(flat);
    for (int e = 0; e < static_cast<int>(L.experts.size()); ++e) {
      auto hits = (selected == e).nonzero();  // [n, 2]: token, slot
      if (hits.size(0) == 0) continue;
      auto tokens = hits.select(1, 0), slots = hits.select(1, 1);
      const auto& E = L.experts[e];
      auto xe = flat.index_select(0, tokens);
      auto gate = blocks::activation(linear(xe, l, TensorRole::GateProj, E.wGate, E.bGate, e), m.activation);
      auto y = linear(gate * linear(xe, l, TensorRole::UpProj, E.wUp, E.bUp, e), l, TensorRole::DownProj, E.wDown,
                      E.bDown, e);
      auto w = weights.reshape({-1}).index_select(0, tokens * config_.moe.topK + slots).unsqueeze(1);
      out.index_add_(0, tokens, y * w);
    }
    return out.view(x.sizes());
  }

  at::Tensor mlp(int l, const at::Tensor& x) {
    const auto& L = layers_[l];
    const auto& m = config_.mlp;
    if (L.router.defined()) return moe(l, x);
    at::Tensor inner;
    if (m.gated) {
      auto gate = blocks::activation(linear(x, l, TensorRole::GateProj, L.wGate, L.bGate), m.activation);
      inner = gate * linear(x, l, inRole_, L.wIn, L.bIn);
    } else {
      inner = blocks::activation(linear(x, l, inRole_, L.wIn, L.bIn), m.activation);
    }
    return linear(inner, l, outRole_, L.wOut, L.bOut);
  }

  TensorRole inRole_, outRole_;
  at::Tensor embed_, positions_, embedNormW_, embedNormB_, projectIn_, projectOut_;
  at::Tensor finalNormW_, finalNormB_, lmHead_;
  std::vector<DecoderLayer> layers_;
};

}  // namespace

std::unique_ptr<Model> makeDecoderModel(std::filesystem::path dir, ModelConfig config, LoadedWeights weights,
                                        c10::Device device, c10::ScalarType dtype) {
  return std::make_unique<DecoderModel>(std::move(dir), std::move(config), weights, device, dtype);
}

}  // namespace qs
