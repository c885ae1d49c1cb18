#include "core/model/tensor_plan.h"

namespace qs {

std::string expandLayer(const std::string& pattern, int layer) {
  std::string s = pattern;
  if (auto pos = s.find("{L}"); pos != std::string::npos) s.replace(pos, 3, std::to_string(layer));
  return s;
}

PlanBuilder& PlanBuilder::global(TensorRole role, const std::string& name, std::vector<int64_t> shape, bool isBias,
                                 bool optional) {
  plan_.push_back({name, role, -1, -1, isBias, std::move(shape), optional, false});
  return *this;
}

PlanBuilder& PlanBuilder::linear(TensorRole role, const std::string& stem, int64_t out, int64_t in, bool hasBias,
                                 bool storedTransposed) {
  for (int l = 0; l < numLayers_; ++l) {
    plan_.push_back({expandLayer(stem, l) + ".weight", role, l, -1, false, {out, in}, false, storedTransposed});
    if (hasBias) plan_.push_back({expandLayer(stem, l) + ".bias", role, l, -1, true, {out}, false, false});
  }
  return *this;
}

PlanBuilder& PlanBuilder::norm(TensorRole role, const std::string& stem, int64_t size, bool hasBias, bool perLayer) {
  const int n = perLayer ? numLayers_ : 1;
  for (int i = 0; i < n; ++i) {
    const int layer = perLayer ? i : -1;
    plan_.push_back({expandLayer(stem, layer) + ".weight", role, layer, -1, false, {size}, false, false});
    if (hasBias) plan_.push_back({expandLayer(stem, layer) + ".bias", role, layer, -1, true, {size}, false, false});
  }
  return *this;
}

}  // namespace qs
