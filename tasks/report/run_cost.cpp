#include "tasks/report/run_cost.h"

#include <nlohmann/json.hpp>

#include "core/base/error.h"
#include "quant/bits_per_weight.h"
#include "quant/quant_config.h"

namespace qs {

std::optional<RunCost> runCost(const RunRecord& r) {
  auto j = nlohmann::json::parse(r.quantJson, nullptr, false);
  if (j.is_object() && j.contains("bits_per_weight") && j["bits_per_weight"].is_number())
    return RunCost{j["bits_per_weight"].get<double>(), false};
  try {
    QuantConfig c = QuantConfig::parse(r.quantName);
    return RunCost{bitsPerWeight(c, {LinearShape{0, TensorRole::QProj, 4096, 4096}}), true};
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace qs
