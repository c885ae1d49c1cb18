#pragma once
// The shared decoder: a stack of attention + MLP layers whose variants (norm kind, residual
// wiring, position encoding, fused q/k/v layout, gated or plain MLP, embedding extras) come from
// ModelConfig's attention, MLP and layout sections. Every attention family of the paper is this
// forward with its family file's switches; a family that breaks the mould (state-space, MoE)
// brings its own Model subclass through Family::build.
#include <filesystem>
#include <memory>

#include "core/model/model.h"

namespace qs {

class LoadedWeights;

std::unique_ptr<Model> makeDecoderModel(std::filesystem::path dir, ModelConfig config, LoadedWeights weights,
                                        c10::Device device, c10::ScalarType dtype);

}  // namespace qs
