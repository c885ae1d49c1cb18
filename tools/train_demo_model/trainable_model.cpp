#include "tools/train_demo_model/trainable_model.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/model/family.h"
#include "core/base/error.h"

namespace qs::demo {
namespace {

constexpr int64_t kOptPositionOffset = 2;  // OPTLearnedPositionalEmbedding's two reserved rows

bool isOutputProjection(TensorRole r) {
  return r == TensorRole::OutProj || r == TensorRole::DownProj || r == TensorRole::Fc2;
}

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& w, double eps) {
  return w * (x * at::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps));
}

// x [B, H, T, D] rotated in the half-split (rotate_half) convention of Hugging Face LLaMA.
at::Tensor rotate(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  auto rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated * sin;
}

}  // namespace

TrainableModel::TrainableModel(const ModelConfig& config, uint64_t seed) : config_(config) {
  specs_ = tensorLayout(config_);
  auto gen = at::detail::createCPUGenerator(seed);
  const double outStd = 0.02 / std::sqrt(2.0 * config_.numLayers);
  for (size_t i = 0; i < specs_.size(); ++i) {
    const auto& s = specs_[i];
    at::Tensor t;
    if (s.isBias)
      t = at::zeros(s.shape, at::kFloat);
    else if (s.shape.size() == 1)
      t = at::ones(s.shape, at::kFloat);
    else
      t = at::normal(0.0, isOutputProjection(s.role) ? outStd : 0.02, s.shape, gen, at::TensorOptions().dtype(at::kFloat));
    t.set_requires_grad(true);
    named_.emplace_back(s.name, t);
    index_[{static_cast<int>(s.role), s.layer, s.isBias}] = i;
  }
}

const at::Tensor& TrainableModel::weight(TensorRole role, int layer) const {
  auto it = index_.find({static_cast<int>(role), layer, false});
  if (it == index_.end())
    throw Error("demo model: the layout has no " + std::string(roleName(role)) + " weight for layer " + std::to_string(layer));
  return named_[it->second].second;
}

at::Tensor TrainableModel::bias(TensorRole role, int layer) const {
  auto it = index_.find({static_cast<int>(role), layer, true});
  return it == index_.end() ? at::Tensor() : named_[it->second].second;
}

std::vector<at::Tensor> TrainableModel::decayed() const {
  std::vector<at::Tensor> out;
  for (size_t i = 0; i < specs_.size(); ++i)
    if (!specs_[i].isBias && specs_[i].shape.size() == 2 && specs_[i].role != TensorRole::PositionEmbedding)
      out.push_back(named_[i].second);
  return out;
}

std::vector<at::Tensor> TrainableModel::notDecayed() const {
  std::vector<at::Tensor> out;
  for (size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].isBias || specs_[i].shape.size() != 2 || specs_[i].role == TensorRole::PositionEmbedding)
      out.push_back(named_[i].second);
  return out;
}

int64_t TrainableModel::parameterCount() const {
  int64_t n = 0;
  for (const auto& [name, t] : named_) n += t.numel();
  return n;
}

at::Tensor TrainableModel::forward(const at::Tensor& ids) const {
  return config_.family->name == "opt" ? forwardOpt(ids) : forwardLlama(ids);
}

// Causal self-attention of layer `layer` on the normalised input x [B, T, C]; RoPE when rotCos is defined.
at::Tensor TrainableModel::attention(const at::Tensor& x, int l, const at::Tensor& rotCos, const at::Tensor& rotSin) const {
  const auto& c = config_;
  const int64_t B = x.size(0), T = x.size(1), H = c.attention.numHeads, G = c.attention.numKvHeads, D = c.attention.headDim;
  auto q = at::linear(x, weight(TensorRole::QProj, l), bias(TensorRole::QProj, l)).view({B, T, H, D}).transpose(1, 2);
  auto k = at::linear(x, weight(TensorRole::KProj, l), bias(TensorRole::KProj, l)).view({B, T, G, D}).transpose(1, 2);
  auto v = at::linear(x, weight(TensorRole::VProj, l), bias(TensorRole::VProj, l)).view({B, T, G, D}).transpose(1, 2);
  if (rotCos.defined()) {
    q = rotate(q, rotCos, rotSin);
    k = rotate(k, rotCos, rotSin);
  }
  if (G != H) {  // query head h reads kv head h / (H / G), as Hugging Face's repeat_kv
    k = k.repeat_interleave(H / G, 1);
    v = v.repeat_interleave(H / G, 1);
  }
  auto causal = at::ones({T, T}, at::kBool).triu(1);
  auto scores = at::matmul(q, k.transpose(-1, -2)).mul(1.0 / std::sqrt(static_cast<double>(D)));
  scores = scores.masked_fill(causal, -std::numeric_limits<float>::infinity());
  auto out = at::matmul(at::softmax(scores, -1), v).transpose(1, 2).reshape({B, T, H * D});
  return at::linear(out, weight(TensorRole::OutProj, l), bias(TensorRole::OutProj, l));
}

at::Tensor TrainableModel::forwardLlama(const at::Tensor& ids) const {
  const auto& c = config_;
  const int64_t T = ids.size(1), D = c.attention.headDim;
  auto invFreq = 1.0 / at::pow(c.attention.ropeTheta, at::arange(0, D, 2, at::kLong).to(at::kFloat) / static_cast<double>(D));
  auto freqs = at::arange(0, T, at::kLong).to(at::kFloat).unsqueeze(1) * invFreq.unsqueeze(0);  // [T, D/2]
  auto emb = at::cat({freqs, freqs}, -1);
  auto cos = emb.cos().view({1, 1, T, D}), sin = emb.sin().view({1, 1, T, D});

  at::Tensor h = at::embedding(weight(TensorRole::TokenEmbedding, -1), ids);
  for (int l = 0; l < c.numLayers; ++l) {
    h = h + attention(rmsNorm(h, weight(TensorRole::AttnNorm, l), c.normEps), l, cos, sin);
    auto x = rmsNorm(h, weight(TensorRole::MlpNorm, l), c.normEps);
    auto gate = at::silu(at::linear(x, weight(TensorRole::GateProj, l), bias(TensorRole::GateProj, l)));
    auto up = at::linear(x, weight(TensorRole::UpProj, l), bias(TensorRole::UpProj, l));
    h = h + at::linear(gate * up, weight(TensorRole::DownProj, l), bias(TensorRole::DownProj, l));
  }
  h = rmsNorm(h, weight(TensorRole::FinalNorm, -1), c.normEps);
  const auto& head = c.tieWordEmbeddings ? weight(TensorRole::TokenEmbedding, -1) : weight(TensorRole::LmHead, -1);
  return at::linear(h, head);
}

at::Tensor TrainableModel::forwardOpt(const at::Tensor& ids) const {
  const auto& c = config_;
  if (c.layout.residual != ResidualKind::Sequential || c.layout.wordEmbedProjDim > 0)
    throw Error("demo model: only pre-LayerNorm OPT without project_in/out is trained");
  const int64_t C = c.hiddenSize, T = ids.size(1);
  auto positions = at::arange(kOptPositionOffset, T + kOptPositionOffset, at::kLong).unsqueeze(0);
  at::Tensor h = at::embedding(weight(TensorRole::TokenEmbedding, -1), ids) +
                 at::embedding(weight(TensorRole::PositionEmbedding, -1), positions);
  auto norm = [&](const at::Tensor& x, TensorRole role, int l) {
    return at::layer_norm(x, {C}, weight(role, l), bias(role, l), c.normEps);
  };
  for (int l = 0; l < c.numLayers; ++l) {
    h = h + attention(norm(h, TensorRole::AttnNorm, l), l, at::Tensor(), at::Tensor());
    auto f = at::relu(at::linear(norm(h, TensorRole::MlpNorm, l), weight(TensorRole::Fc1, l), bias(TensorRole::Fc1, l)));
    h = h + at::linear(f, weight(TensorRole::Fc2, l), bias(TensorRole::Fc2, l));
  }
  h = norm(h, TensorRole::FinalNorm, -1);
  const auto& head = c.tieWordEmbeddings ? weight(TensorRole::TokenEmbedding, -1) : weight(TensorRole::LmHead, -1);
  return at::linear(h, head);
}

}  // namespace qs::demo
