#include "core/model/tensor_role.h"

#include <array>

namespace qs {
namespace {

constexpr TensorRole kQkv[] = {TensorRole::QProj, TensorRole::KProj, TensorRole::VProj};
constexpr TensorRole kGateUp[] = {TensorRole::GateProj, TensorRole::UpProj};

using R = TensorRole;
constexpr OpClass L = OpClass::Linear, E = OpClass::Embedding, N = OpClass::Norm, C = OpClass::Conv,
                  P = OpClass::Parameter;

// The role table: name, operation class, quantized by default, fused roles covered.
const std::array<RoleInfo, 30> kRoles{{
    {R::TokenEmbedding, "embed_tokens", E, false, {}},
    {R::PositionEmbedding, "embed_positions", E, false, {}},
    {R::QProj, "q_proj", L, true, {}},
    {R::KProj, "k_proj", L, true, {}},
    {R::VProj, "v_proj", L, true, {}},
    {R::QkvProj, "qkv_proj", L, true, kQkv},
    {R::OutProj, "o_proj", L, true, {}},
    {R::GateProj, "gate_proj", L, true, {}},
    {R::UpProj, "up_proj", L, true, {}},
    {R::DownProj, "down_proj", L, true, {}},
    {R::Fc1, "fc1", L, true, {}},
    {R::Fc2, "fc2", L, true, {}},
    {R::Router, "router", L, false, {}},
    {R::AttnNorm, "attn_norm", N, false, {}},
    {R::MlpNorm, "mlp_norm", N, false, {}},
    {R::FinalNorm, "final_norm", N, false, {}},
    {R::LmHead, "lm_head", L, false, {}},
    {R::GateUpProj, "gate_up_proj", L, true, kGateUp},
    {R::EmbeddingNorm, "embed_norm", N, false, {}},
    {R::QNorm, "q_norm", N, false, {}},
    {R::KNorm, "k_norm", N, false, {}},
    {R::ProjectIn, "project_in", L, false, {}},
    {R::ProjectOut, "project_out", L, false, {}},
    {R::MixerInProj, "in_proj", L, true, {}},
    {R::MixerXProj, "x_proj", L, true, {}},
    // dt_proj's input is the time-step rank (48 in mamba-130m), which group 128 does not divide
    // (QUANT_SPEC: the group must divide the input): off by default, a rule with a group that
    // divides the rank includes it.
    {R::MixerDtProj, "dt_proj", L, false, {}},
    {R::MixerOutProj, "out_proj", L, true, {}},
    // The convolution and the SSM parameters are statistics roles: not weights of a matmul, so
    // W quantization leaves them as they are.
    {R::Conv1d, "conv1d", C, false, {}},
    {R::SsmALog, "A_log", P, false, {}},
    {R::SsmD, "D", P, false, {}},
}};

constexpr std::array<std::pair<TensorKind, std::string_view>, 4> kKindNames{{
    {TensorKind::Weight, "weight"},
    {TensorKind::Activation, "activation"},
    {TensorKind::Key, "key"},
    {TensorKind::Value, "value"},
}};

}  // namespace

const RoleInfo& roleInfo(TensorRole role) {
  for (const auto& r : kRoles)
    if (r.role == role) return r;
  return kRoles[0];  // unreachable: every enumerator has a row (test_tensor_role checks it)
}

std::string_view roleName(TensorRole role) {
  for (const auto& r : kRoles)
    if (r.role == role) return r.name;
  return "?";
}

std::optional<TensorRole> roleFromName(std::string_view name) {
  for (const auto& r : kRoles)
    if (r.name == name) return r.role;
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

bool isLinearRole(TensorRole role) { return roleInfo(role).op == OpClass::Linear; }

bool isQuantizedByDefault(TensorRole role) { return roleInfo(role).quantizedByDefault; }

}  // namespace qs
