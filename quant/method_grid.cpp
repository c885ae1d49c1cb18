#include "quant/method_grid.h"

#include <algorithm>

#include "core/base/error.h"

namespace qs {

std::string methodDoesNotApply(const QuantConfig& config, const std::string& method) {
  if (method == "awq" || method == "gptq")
    return config.weight.enabled() ? "" : method + " computes quantized weights and this configuration keeps W at 16 bits";
  if (method == "smoothquant")
    return config.activation.enabled() ? ""
                                       : "smoothquant balances activation outliers and this configuration keeps A at 16 bits";
  if (method == "quarot")  // KV quantization stays plain RTN under quarot: a KV-only name would equal rtn
    return config.weight.enabled() || config.activation.enabled()
               ? ""
               : "quarot rotates the linears' weights and inputs and this configuration keeps W and A at 16 bits";
  return "";
}

MethodGrid crossWithMethods(const std::vector<std::string>& configs, const std::vector<std::string>& methods) {
  const auto& known = QuantConfig::knownMethods();
  for (const auto& m : methods)
    if (std::find(known.begin(), known.end(), m) == known.end())
      throw Error("unknown quantization method '" + m + "' (known: rtn, awq, smoothquant, gptq, quarot)");
  MethodGrid grid;
  for (const auto& name : configs) {
    const QuantConfig base = QuantConfig::parse(name);
    for (const auto& m : methods) {
      QuantConfig c = base;
      // A name that already carries a method keeps it; the grid's methods apply to plain names.
      if (base.method != "rtn") {
        if (m == methods.front()) grid.configs.push_back(base.name());
        continue;
      }
      if (!base.quantizesAnything()) {  // the baseline: no method to apply
        if (m == methods.front()) grid.configs.push_back(base.name());
        continue;
      }
      if (const std::string why = methodDoesNotApply(base, m); !why.empty()) {
        grid.skipped.push_back(base.name() + " with " + m + ": " + why);
        continue;
      }
      c.method = m;
      const std::string crossed = c.name();
      if (std::find(grid.configs.begin(), grid.configs.end(), crossed) == grid.configs.end())
        grid.configs.push_back(crossed);
    }
  }
  return grid;
}

}  // namespace qs
