#pragma once
// Whether a quantization configuration fits a model's shapes, decided from config.json alone,
// before anything is loaded: a sweep can say which of its runs would fail and why before it starts
// (e.g. group 128 on stories260K, whose dimensions are 64 and 172).
#include <string>
#include <vector>

#include "core/model/model_config.h"
#include "quant/quant_config.h"

namespace qs {

// One line per problem, naming the tensors and the dimension ("down_proj weights (5 layers): group
// 128 does not divide their input dimension 172"); empty when the configuration fits.
std::vector<std::string> configFitProblems(const ModelConfig& model, const QuantConfig& config);

}  // namespace qs
