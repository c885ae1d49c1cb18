#pragma once
// Factory functions of the family forward passes, one file each in core/families/.
#include <memory>

#include "core/checkpoint/checkpoint.h"
#include "core/model/model.h"

namespace qs {

std::unique_ptr<Model> makeLlamaModel(std::filesystem::path dir, ModelConfig config, const Checkpoint& ckpt,
                                      c10::Device device, c10::ScalarType dtype);
std::unique_ptr<Model> makeOptModel(std::filesystem::path dir, ModelConfig config, const Checkpoint& ckpt,
                                    c10::Device device, c10::ScalarType dtype);

}  // namespace qs
