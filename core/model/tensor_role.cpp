#include "core/model/tensor_role.h"

#include <array>
#include <utility>

namespace qs {
namespace {
constexpr std::array<std::pair<TensorRole, std::string_view>, 17> kRoleNames{{
    {TensorRole::TokenEmbedding, "embed_tokens"},
    {TensorRole::PositionEmbedding, "embed_positions"},
    {TensorRole::QProj, "q_proj"},
    {TensorRole::KProj, "k_proj"},
    {TensorRole::VProj, "v_proj"},
    {TensorRole::QkvProj, "qkv_proj"},
    {TensorRole::OutProj, "o_proj"},
    {TensorRole::GateProj, "gate_proj"},
    {TensorRole::UpProj, "up_proj"},
    {TensorRole::DownProj, "down_proj"},
    {TensorRole::Fc1, "fc1"},
    {TensorRole::Fc2, "fc2"},
    {TensorRole::Router, "router"},
    {TensorRole::AttnNorm, "attn_norm"},
    {TensorRole::MlpNorm, "mlp_norm"},
    {TensorRole::FinalNorm, "final_norm"},
    {TensorRole::LmHead, "lm_head"},
}};
constexpr std::array<std::pair<TensorKind, std::string_view>, 4> kKindNames{{
    {TensorKind::Weight, "weight"},
    {TensorKind::Activation, "activation"},
    {TensorKind::Key, "key"},
    {TensorKind::Value, "value"},
}};
}  // namespace

std::string_view roleName(TensorRole role) {
  for (const auto& [r, n] : kRoleNames)
    if (r == role) return n;
  return "?";
}

std::optional<TensorRole> roleFromName(std::string_view name) {
  for (const auto& [r, n] : kRoleNames)
    if (n == name) return r;
  return std::nullopt;
}

std::string_view kindName(TensorKind kind) {
  for (const auto& [k, n] : kKindNames)
    if (k == kind) return n;
  return "?";
}

std::optional<TensorKind> kindFromName(std::string_view name) {
  for (const auto& [k, n] : kKindNames)
    if (n == name) return k;
  return std::nullopt;
}

bool isLinearRole(TensorRole role) {
  switch (role) {
    case TensorRole::QProj:
    case TensorRole::KProj:
    case TensorRole::VProj:
    case TensorRole::QkvProj:
    case TensorRole::OutProj:
    case TensorRole::GateProj:
    case TensorRole::UpProj:
    case TensorRole::DownProj:
    case TensorRole::Fc1:
    case TensorRole::Fc2:
    case TensorRole::Router:
    case TensorRole::LmHead:
      return true;
    default:
      return false;
  }
}

}  // namespace qs
