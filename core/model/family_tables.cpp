#include "core/model/family_tables.h"

#include <array>

namespace qs {
namespace {

struct Row {
  TensorRole role;
  TensorNamePattern names;
};

constexpr std::array<Row, 13> kLlama{{
    {TensorRole::TokenEmbedding, {"model.embed_tokens.weight", nullptr}},
    {TensorRole::QProj, {"model.layers.{L}.self_attn.q_proj.weight", "model.layers.{L}.self_attn.q_proj.bias"}},
    {TensorRole::KProj, {"model.layers.{L}.self_attn.k_proj.weight", "model.layers.{L}.self_attn.k_proj.bias"}},
    {TensorRole::VProj, {"model.layers.{L}.self_attn.v_proj.weight", "model.layers.{L}.self_attn.v_proj.bias"}},
    {TensorRole::OutProj, {"model.layers.{L}.self_attn.o_proj.weight", "model.layers.{L}.self_attn.o_proj.bias"}},
    {TensorRole::GateProj, {"model.layers.{L}.mlp.gate_proj.weight", "model.layers.{L}.mlp.gate_proj.bias"}},
    {TensorRole::UpProj, {"model.layers.{L}.mlp.up_proj.weight", "model.layers.{L}.mlp.up_proj.bias"}},
    {TensorRole::DownProj, {"model.layers.{L}.mlp.down_proj.weight", "model.layers.{L}.mlp.down_proj.bias"}},
    {TensorRole::AttnNorm, {"model.layers.{L}.input_layernorm.weight", nullptr}},
    {TensorRole::MlpNorm, {"model.layers.{L}.post_attention_layernorm.weight", nullptr}},
    {TensorRole::FinalNorm, {"model.norm.weight", nullptr}},
    {TensorRole::LmHead, {"lm_head.weight", nullptr}},
    {TensorRole::PositionEmbedding, {nullptr, nullptr}},
}};

constexpr std::array<Row, 13> kOpt{{
    {TensorRole::TokenEmbedding, {"model.decoder.embed_tokens.weight", nullptr}},
    {TensorRole::PositionEmbedding, {"model.decoder.embed_positions.weight", nullptr}},
    {TensorRole::QProj, {"model.decoder.layers.{L}.self_attn.q_proj.weight", "model.decoder.layers.{L}.self_attn.q_proj.bias"}},
    {TensorRole::KProj, {"model.decoder.layers.{L}.self_attn.k_proj.weight", "model.decoder.layers.{L}.self_attn.k_proj.bias"}},
    {TensorRole::VProj, {"model.decoder.layers.{L}.self_attn.v_proj.weight", "model.decoder.layers.{L}.self_attn.v_proj.bias"}},
    {TensorRole::OutProj, {"model.decoder.layers.{L}.self_attn.out_proj.weight", "model.decoder.layers.{L}.self_attn.out_proj.bias"}},
    {TensorRole::Fc1, {"model.decoder.layers.{L}.fc1.weight", "model.decoder.layers.{L}.fc1.bias"}},
    {TensorRole::Fc2, {"model.decoder.layers.{L}.fc2.weight", "model.decoder.layers.{L}.fc2.bias"}},
    {TensorRole::AttnNorm, {"model.decoder.layers.{L}.self_attn_layer_norm.weight", "model.decoder.layers.{L}.self_attn_layer_norm.bias"}},
    {TensorRole::MlpNorm, {"model.decoder.layers.{L}.final_layer_norm.weight", "model.decoder.layers.{L}.final_layer_norm.bias"}},
    {TensorRole::FinalNorm, {"model.decoder.final_layer_norm.weight", "model.decoder.final_layer_norm.bias"}},
    {TensorRole::LmHead, {"lm_head.weight", nullptr}},
    {TensorRole::Router, {nullptr, nullptr}},
}};

template <size_t N>
TensorNamePattern find(const std::array<Row, N>& table, TensorRole role) {
  for (const auto& r : table)
    if (r.role == role) return r.names;
  return {};
}

}  // namespace

TensorNamePattern tensorNamePattern(Family family, TensorRole role) {
  switch (family) {
    case Family::Llama:
      return find(kLlama, role);
    case Family::Opt:
      return find(kOpt, role);
  }
  return {};
}

std::string expandTensorName(const char* pattern, int layer) {
  std::string s(pattern);
  if (auto pos = s.find("{L}"); pos != std::string::npos) s.replace(pos, 3, std::to_string(layer));
  return s;
}

}  // namespace qs
