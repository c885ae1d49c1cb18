#pragma once
// The method as a dimension of a sweep grid: each configuration crossed with each method (rtn,
// awq, gptq, smoothquant), keeping the combinations a method can serve.
#include <string>
#include <vector>

#include "quant/quant_config.h"

namespace qs {

// Why `method` cannot serve `config` ("" when it can): AWQ and GPTQ change quantized weights, so
// they need W quantized; SmoothQuant moves activation outliers into the weights, so it needs A
// quantized. RTN serves every configuration.
std::string methodDoesNotApply(const QuantConfig& config, const std::string& method);

struct MethodGrid {
  std::vector<std::string> configs;  // canonical names, in configuration-major order
  std::vector<std::string> skipped;  // "W16A16KV4-g128 with awq: ..." for each combination left out
};
// Throws qs::Error naming an unknown method or an invalid configuration name.
MethodGrid crossWithMethods(const std::vector<std::string>& configs, const std::vector<std::string>& methods);

}  // namespace qs
